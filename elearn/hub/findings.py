"""Reporting a finding, and finding findings: a reporter's own, CST's queue, a photo.

`report` records what a partner saw with its photos (already made safe by
`photos.safe_photo`) and the first event, in the caller's transaction; the caller
commits. A form is sent once: the form's one-time id is unique, so the same form sent
again (a double tap, a retry after a slow network) finds the finding it made. A finding
sent through a partner's reporting link has no reporter (no account) and that partner's
organisation; a signed-in reporter's is their organisation (`reporting_for`).
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
    Membership,
    Organisation,
    OrganisationStatus,
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


def reporting_for(reporter: User) -> int | None:
    """The organisation a signed-in person reports for: the approved organisation they
    are an active member of, the earliest joined if several; None if they have none."""
    return db.session.scalar(
        select(Membership.organisation_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            Membership.user_id == reporter.id,
            Membership.left_at.is_(None),
            Organisation.status == OrganisationStatus.APPROVED,
        )
        .order_by(Membership.joined_at, Membership.id)
        .limit(1)
    )


def report(
    reporter: User | None,
    organisation_id: int | None,
    form_id: str,
    said: Report,
    photos: list[Photo],
) -> Finding:
    """The finding this form made: recorded now, or found if it was sent before.
    `reporter` is None for a report through a partner's link."""
    sent_before = _sent_before(reporter, form_id)
    if sent_before is not None:
        return sent_before
    reporter_id = reporter.id if reporter is not None else None
    finding = Finding(
        public_id=secrets.token_hex(16),
        form_id=form_id,
        reporter_id=reporter_id,
        organisation_id=organisation_id,
        by_link=reporter is None,
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
        won = _sent_before(reporter, form_id)
        if won is None:  # another person's form id: not something a form sends
            raise
        return won
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
        FindingEvent(finding_id=finding.id, step=FindingStep.REPORTED, actor_id=reporter_id)
    )
    event = audit.record(
        "finding_reported", finding, {"kind": said.kind, "photos": len(photos)}, reporter_id
    )
    # audit.record names whoever is signed in when no actor is given: a link's report
    # is no one's, even when someone signed in happens to use the link.
    event.actor_id = reporter_id
    return finding


def _sent_before(reporter: User | None, form_id: str) -> Finding | None:
    """A form id is unique on its own; a signed-in reporter's lookup stays theirs."""
    statement = select(Finding).where(Finding.form_id == form_id)
    if reporter is not None:
        statement = statement.where(Finding.reporter_id == reporter.id)
    return db.session.scalar(statement)


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
