"""How long the hub keeps what it holds when nobody asks (docs/hub.md, Retention).

A finding is finished once it is removed or closed (a duplicate included); its clock
starts at the last step CST took on it (`Finding.updated_at`, which every step sets), so
a step taken later starts it again. An open finding keeps everything, however old.

- HUB_PHOTO_MONTHS after that, its photos are deleted: a photo may show people, faces and
  number plates as well as the wall.
- HUB_DETAIL_MONTHS after that, it is reduced to what the partnership's figures need
  (`personal_data.reduce_findings`, the same reduction as erasing its reporter), and the
  reporter is taken off the "reported" step and its audit event too: the account still
  exists, and the link to it is what goes.

`apply` runs from `retention` (elearn/schedule.py: nightly, and `flask retention apply`)
in the caller's transaction; the caller commits. Running it again changes nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import Select, delete, func, or_, select, update

from elearn.auth.holdings import REMOVED
from elearn.auth.personal_data import reduce_findings
from elearn.dates import add_months
from elearn.extensions import db
from elearn.models import (
    AuditEvent,
    Finding,
    FindingEvent,
    FindingPhoto,
    FindingStatus,
    FindingStep,
)

FINISHED = (FindingStatus.REMOVED, FindingStatus.CLOSED)
BATCH = 500  # findings reduced per statement: well under any database's limit on values


@dataclass(frozen=True)
class HubRetained:
    photos: int = 0  # deleted: their finding finished over HUB_PHOTO_MONTHS ago
    findings: int = 0  # reduced: finished over HUB_DETAIL_MONTHS ago


def finished_before(cutoff: datetime) -> Select:
    """The ids of the findings removed or closed with no step on them since `cutoff`."""
    return select(Finding.id).where(Finding.status.in_(FINISHED), Finding.updated_at < cutoff)


def _photos_past(now: datetime):
    cutoff = add_months(now, -current_app.config["HUB_PHOTO_MONTHS"])
    return FindingPhoto.finding_id.in_(finished_before(cutoff))


def _not_reduced():
    return or_(
        Finding.reporter_id.is_not(None),
        Finding.description != REMOVED,
        Finding.place != REMOVED,
        Finding.latitude.is_not(None),
        Finding.longitude.is_not(None),
        Finding.police_reference.is_not(None),
        Finding.close_reason.is_not(None),
    )


def findings_past_retention(now: datetime) -> list[int]:
    """The ids of the findings finished over HUB_DETAIL_MONTHS ago and not yet reduced."""
    cutoff = add_months(now, -current_app.config["HUB_DETAIL_MONTHS"])
    return list(
        db.session.scalars(finished_before(cutoff).where(_not_reduced()).order_by(Finding.id))
    )


def apply(now: datetime, dry_run: bool = False) -> HubRetained:
    """Delete the photos of findings finished over HUB_PHOTO_MONTHS ago and reduce those
    finished over HUB_DETAIL_MONTHS ago; with `dry_run`, only count them."""
    past = findings_past_retention(now)
    if dry_run:
        photos = db.session.scalar(
            select(func.count()).select_from(FindingPhoto).where(_photos_past(now))
        )
        return HubRetained(photos=photos, findings=len(past))
    photos = db.session.execute(
        delete(FindingPhoto).where(_photos_past(now)).execution_options(synchronize_session=False)
    ).rowcount
    for start in range(0, len(past), BATCH):
        ids = past[start : start + BATCH]
        _forget_reporter(ids)
        reduce_findings(ids)
    return HubRetained(photos=photos, findings=len(past))


def _forget_reporter(ids: list[int]) -> None:
    """Take the reporter off the "reported" step of these findings and off its audit
    event, which would otherwise still link each to their account."""
    db.session.execute(
        update(FindingEvent)
        .where(FindingEvent.finding_id.in_(ids), FindingEvent.step == FindingStep.REPORTED)
        .values(actor_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(AuditEvent)
        .where(
            AuditEvent.subject_type == "finding",
            AuditEvent.subject_id.in_([str(i) for i in ids]),
            AuditEvent.action == "finding_reported",
        )
        .values(actor_id=None)
        .execution_options(synchronize_session=False)
    )
