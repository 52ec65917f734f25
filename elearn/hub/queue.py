"""CST's triage queue: which reports it shows (to act on, past their removal target, or
every one; of a kind, a strand, an area; assigned to whom) and in what order.

The filters come from the address (a GET form: reading changes nothing); anything not
recognised is ignored, as in CST's other lists (elearn/admin/listing.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from elearn.extensions import db
from elearn.hub.findings import KINDS, OPEN, STRANDS, normalise_postcode
from elearn.models import Finding

SHOW = {"open": "To act on", "overdue": "Past their removal target", "all": "Every report"}
ASSIGNED = {"me": "You", "nobody": "No one yet"}
AREA = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")  # a postcode's outward code: EC2V


def _one_of(value: str | None, allowed: Mapping[str, str]) -> str | None:
    return value if value in allowed else None


def _area(value: str | None) -> str | None:
    """'ec2v' -> 'EC2V'; a whole postcode is kept whole ('EC2V 6DN'); else None."""
    text = re.sub(r"\s+", "", (value or "")[:20]).upper()
    if AREA.match(text):
        return text
    return normalise_postcode(text)


@dataclass(frozen=True)
class QueueFilters:
    show: str = "open"
    kind: str | None = None
    strand: str | None = None
    area: str | None = None  # an outward code, or a whole postcode
    assigned: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> QueueFilters:
        return cls(
            show=_one_of(args.get("show"), SHOW) or "open",
            kind=_one_of(args.get("kind"), KINDS),
            strand=_one_of(args.get("strand"), STRANDS),
            area=_area(args.get("area")),
            assigned=_one_of(args.get("assigned"), ASSIGNED),
        )

    def args(self) -> dict[str, str]:
        """The filters in force, as the address gives them (for links that keep them)."""
        named = {key: value for key, value in asdict(self).items() if value}
        if named.get("show") == "open":
            del named["show"]
        return named


def _overdue(now: datetime) -> tuple:
    return (
        Finding.status.in_(OPEN),
        Finding.removal_due_at < now,
        Finding.removed_at.is_(None),
    )


def queue(filters: QueueFilters, me: int, now: datetime) -> Select:
    """The reports to show, with their photos: newest first, or, past their removal
    target, the longest overdue first."""
    statement = select(Finding).options(selectinload(Finding.photos))
    if filters.show == "open":
        statement = statement.where(Finding.status.in_(OPEN))
    elif filters.show == "overdue":
        statement = statement.where(*_overdue(now))
    if filters.kind:
        statement = statement.where(Finding.kind == filters.kind)
    if filters.strand:
        statement = statement.where(Finding.strand == filters.strand)
    if filters.area:
        statement = statement.where(
            Finding.postcode == filters.area
            if " " in filters.area
            else Finding.postcode.startswith(filters.area + " ", autoescape=True)
        )
    if filters.assigned == "me":
        statement = statement.where(Finding.assigned_to_id == me)
    elif filters.assigned == "nobody":
        statement = statement.where(Finding.assigned_to_id.is_(None))
    if filters.show == "overdue":
        return statement.order_by(Finding.removal_due_at, Finding.id)
    return statement.order_by(Finding.reported_at.desc(), Finding.id.desc())


def overdue_count(now: datetime) -> int:
    """How many reports are still up past their removal target, whatever the filters."""
    return db.session.scalar(select(func.count()).select_from(Finding).where(*_overdue(now)))


def is_overdue(finding: Finding, now: datetime) -> bool:
    return bool(
        finding.status in OPEN
        and finding.removal_due_at is not None
        and finding.removed_at is None
        and finding.removal_due_at < now
    )
