"""Reporting a finding, and finding findings: a reporter's own, CST's queue, a photo.

`report` records what a partner saw with its photos (already made safe by
`photos.safe_photo`) and the first event, in the caller's transaction; the caller
commits. A form is sent once: the form's one-time id is unique per reporter, so the same
form sent again (a double tap, a retry after a slow network) finds the finding it made.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from elearn import audit
from elearn.extensions import db
from elearn.hub.photos import Photo
from elearn.models import (
    Finding,
    FindingEvent,
    FindingKind,
    FindingPhoto,
    FindingStatus,
    FindingStep,
    Strand,
    User,
)

KINDS = {
    FindingKind.GRAFFITI: "Hate graffiti",
    FindingKind.STICKER: "Sticker",
    FindingKind.POSTER: "Poster or leaflet",
    FindingKind.OTHER: "Other concern",
}
STRANDS = {
    Strand.RACE: "Race",
    Strand.RELIGION: "Religion",
    Strand.SEXUAL_ORIENTATION: "Sexual orientation",
    Strand.DISABILITY: "Disability",
    Strand.TRANSGENDER: "Transgender identity",
    Strand.ANTISEMITIC: "Antisemitic",
    Strand.ANTI_MUSLIM: "Anti-Muslim",
    Strand.EXTREME_RIGHT: "Extreme right-wing",
    Strand.OTHER: "Other",
    Strand.NOT_KNOWN: "Not known",
}
STATUSES = {
    FindingStatus.NEW: "Received",
    FindingStatus.ASSIGNED: "Being looked at",
    FindingStatus.WITH_POLICE: "Passed to the police",
    FindingStatus.WITH_CLEANSING: "Passed to street cleansing",
    FindingStatus.REMOVED: "Removed",
    FindingStatus.CLOSED: "Closed",
}
OPEN = (
    FindingStatus.NEW,
    FindingStatus.ASSIGNED,
    FindingStatus.WITH_POLICE,
    FindingStatus.WITH_CLEANSING,
)

# A UK postcode: outward code (area, district, sub-district) and inward code.
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})$")


def normalise_postcode(text: str) -> str | None:
    """'ec2v7hh', ' EC2V  7HH ' -> 'EC2V 7HH'; None if it is not a UK postcode."""
    compact = re.sub(r"\s+", "", text or "").upper()
    if compact == "GIR0AA":
        return "GIR 0AA"
    found = POSTCODE.match(compact)
    return f"{found[1]} {found[2]}" if found else None


def new_form_id() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True)
class Report:
    """What the reporter said, as the form read it."""

    kind: str
    strand: str
    description: str
    place: str
    postcode: str  # normalised
    seen_at: datetime
    anonymous: bool
    latitude: float | None = None
    longitude: float | None = None


def report(reporter: User, form_id: str, said: Report, photos: list[Photo]) -> Finding:
    """The finding this form made: recorded now, or found if it was sent before."""
    sent_before = _sent_before(reporter, form_id)
    if sent_before is not None:
        return sent_before
    finding = Finding(
        public_id=secrets.token_hex(16),
        form_id=form_id,
        reporter_id=reporter.id,
        kind=said.kind,
        strand=said.strand,
        description=said.description.strip(),
        place=" ".join(said.place.split()),
        postcode=said.postcode,
        latitude=said.latitude,
        longitude=said.longitude,
        seen_at=said.seen_at,
        anonymous=said.anonymous,
    )
    try:
        with db.session.begin_nested():
            db.session.add(finding)
            db.session.flush()
    except IntegrityError:  # the same form, sent at the same moment, won
        return _sent_before(reporter, form_id)
    for position, photo in enumerate(photos, start=1):
        db.session.add(
            FindingPhoto(
                public_id=secrets.token_hex(16),
                finding_id=finding.id,
                position=position,
                data=photo.data,
                thumbnail=photo.thumbnail,
                width=photo.width,
                height=photo.height,
                taken_at=photo.taken_at,
            )
        )
    db.session.add(
        FindingEvent(finding_id=finding.id, step=FindingStep.REPORTED, actor_id=reporter.id)
    )
    audit.record(
        "finding_reported", finding, {"kind": said.kind, "photos": len(photos)}, reporter.id
    )
    return finding


def _sent_before(reporter: User, form_id: str) -> Finding | None:
    return db.session.scalar(
        select(Finding).where(Finding.reporter_id == reporter.id, Finding.form_id == form_id)
    )


def by_public_id(public_id: str) -> Finding | None:
    return db.session.scalar(
        select(Finding)
        .where(Finding.public_id == public_id)
        .options(selectinload(Finding.photos), selectinload(Finding.events))
    )


def photo_by_public_id(public_id: str) -> FindingPhoto | None:
    return db.session.scalar(
        select(FindingPhoto)
        .where(FindingPhoto.public_id == public_id)
        .options(selectinload(FindingPhoto.finding))
    )


def reported_by(user: User) -> Select:
    """The person's own findings, newest first."""
    return (
        select(Finding)
        .where(Finding.reporter_id == user.id)
        .order_by(Finding.reported_at.desc(), Finding.id.desc())
    )


def queue(show_all: bool = False) -> Select:
    """CST's queue: findings still to act on (or every one), newest first, with photos."""
    statement = select(Finding).options(selectinload(Finding.photos))
    if not show_all:
        statement = statement.where(Finding.status.in_(OPEN))
    return statement.order_by(Finding.reported_at.desc(), Finding.id.desc())
