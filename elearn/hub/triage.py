"""CST's steps on a finding: assign it, pass it to the police or to street cleansing, mark
it removed, close it, or close another report of the same thing into it.

Each step is a FindingEvent and an audit event, in the caller's transaction (the caller
commits). A closed finding takes no more steps (TriageRefused). Who may take them is
`permissions.can_triage`.

Removal targets: hate graffiti within 24 hours of the report, anything else within 5
working days (Monday to Friday but England and Wales's bank holidays, at the same time
of day).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from elearn import audit
from elearn.dates import LONDON, is_working_day
from elearn.extensions import db
from elearn.models import (
    Finding,
    FindingEvent,
    FindingKind,
    FindingStatus,
    FindingStep,
    User,
    utcnow,
)

GRAFFITI_HOURS = 24
WORKING_DAYS = 5
DUPLICATE_DAYS = 7
REASON_MAX = 500


class TriageRefused(Exception):
    pass


def removal_due(finding: Finding) -> datetime:
    """When street cleansing should have removed it, counted from the report."""
    return due_by(finding.kind, finding.reported_at)


def due_by(kind: str, reported_at: datetime) -> datetime:
    """The removal target for a finding of this kind reported then."""
    if kind == FindingKind.GRAFFITI:
        return reported_at + timedelta(hours=GRAFFITI_HOURS)
    local = reported_at.astimezone(LONDON)
    day, counted = local.date(), 0
    while counted < WORKING_DAYS:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return datetime.combine(day, local.time(), tzinfo=LONDON).astimezone(UTC)


def _step(finding: Finding, by: User, step: FindingStep, **values) -> FindingEvent:
    if finding.is_closed:
        raise TriageRefused("This report is closed: it takes no more steps")
    event = FindingEvent(finding_id=finding.id, step=step, actor_id=by.id, **values)
    db.session.add(event)
    finding.updated_at = utcnow()
    return event


def assign(finding: Finding, by: User, officer: User) -> None:
    if not officer.is_cst_admin or not officer.active:
        raise TriageRefused("Choose someone in the Community Safety Team")
    _step(finding, by, FindingStep.ASSIGNED, assigned_to_id=officer.id)
    finding.assigned_to_id = officer.id
    if finding.status == FindingStatus.NEW:
        finding.status = FindingStatus.ASSIGNED
    audit.record("finding_assigned", finding, {"assigned_to": officer.id}, by.id)


def pass_to_police(finding: Finding, by: User, reference: str) -> None:
    reference = " ".join((reference or "").split())
    if not reference:
        raise TriageRefused("Enter the police reference")
    _step(finding, by, FindingStep.POLICE, reference=reference)
    finding.police_reference = reference
    finding.status = FindingStatus.WITH_POLICE
    audit.record("finding_passed_to_police", finding, {"reference": reference}, by.id)


def pass_to_cleansing(finding: Finding, by: User) -> datetime:
    """Asks street cleansing to remove it; returns when it is due to go."""
    _step(finding, by, FindingStep.CLEANSING)
    finding.removal_due_at = removal_due(finding)
    finding.status = FindingStatus.WITH_CLEANSING
    due = finding.removal_due_at.isoformat()
    audit.record("finding_passed_to_cleansing", finding, {"due_at": due}, by.id)
    return finding.removal_due_at


def mark_removed(finding: Finding, by: User, removed_at: datetime) -> None:
    if removed_at > utcnow() + timedelta(minutes=5):
        raise TriageRefused("The time it was removed must be now or in the past")
    if removed_at < finding.seen_at:
        raise TriageRefused("The time it was removed must be after it was seen")
    _step(finding, by, FindingStep.REMOVED)
    finding.removed_at = removed_at
    # Measured against the same target whether or not street cleansing was asked.
    finding.removal_due_at = finding.removal_due_at or removal_due(finding)
    finding.status = FindingStatus.REMOVED
    audit.record("finding_removed", finding, {"removed_at": removed_at.isoformat()}, by.id)


def close(finding: Finding, by: User, reason: str) -> None:
    reason = " ".join((reason or "").split())
    if not reason:
        raise TriageRefused("Enter why it is closed")
    if len(reason) > REASON_MAX:
        raise TriageRefused(f"The reason must be {REASON_MAX} characters or fewer")
    _step(finding, by, FindingStep.CLOSED, note=reason)
    _closed(finding, reason)
    audit.record("finding_closed", finding, {"reason": reason}, by.id)


def _closed(finding: Finding, reason: str) -> None:
    finding.status = FindingStatus.CLOSED
    finding.closed_at = utcnow()
    finding.close_reason = reason


def possible_duplicates(finding: Finding, limit: int = 10) -> list[Finding]:
    """Other reports from the same postcode seen within a week either side, not already
    closed as someone else's duplicate."""
    window = timedelta(days=DUPLICATE_DAYS)
    return list(
        db.session.scalars(
            select(Finding)
            .where(
                Finding.postcode == finding.postcode,
                Finding.id != finding.id,
                Finding.duplicate_of_id.is_(None),
                Finding.seen_at.between(finding.seen_at - window, finding.seen_at + window),
            )
            .order_by(Finding.seen_at, Finding.id)
            .limit(limit)
        )
    )


def merge(kept: Finding, duplicate: Finding, by: User) -> None:
    """Close `duplicate` as a report of the same thing as `kept`: an event on both."""
    if kept.id == duplicate.id:
        raise TriageRefused("A report cannot be a duplicate of itself")
    if kept.is_closed:
        raise TriageRefused("This report is closed: merge others into one still open")
    if duplicate not in possible_duplicates(kept, limit=1000):
        raise TriageRefused("That report is not a possible duplicate of this one")
    _step(duplicate, by, FindingStep.DUPLICATE, other_finding_id=kept.id)
    db.session.add(
        FindingEvent(
            finding_id=kept.id,
            step=FindingStep.MERGED,
            actor_id=by.id,
            other_finding_id=duplicate.id,
        )
    )
    duplicate.duplicate_of_id = kept.id
    _closed(duplicate, "A duplicate of another report")
    kept.updated_at = utcnow()
    audit.record("finding_closed_as_duplicate", duplicate, {"duplicate_of": kept.public_id}, by.id)
    audit.record("finding_merged", kept, {"duplicate": duplicate.public_id}, by.id)


def cst_people() -> list[User]:
    """Who a finding can be assigned to: active CST admins, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.is_cst_admin, User.active)  # "= 1": ix_user_account_cst's condition
            .order_by(User.full_name)
        )
    )
