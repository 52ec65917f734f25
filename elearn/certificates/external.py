"""Training done elsewhere: the learner records it, a manager or CST accepts or rejects it.

An accepted record becomes a Completion marked external: it counts in coverage and in
the learner's status, and gets no elearn certificate. A rejection carries a reason the
learner reads. Either way the learner is emailed the decision, at their account's
address. Who may decide is `permissions.can_decide_external` (never the learner).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from elearn import audit
from elearn.courses.catalogue import Course
from elearn.courses.operations import new_completion
from elearn.courses.standing import update_standing
from elearn.dates import add_months, london_today
from elearn.extensions import db
from elearn.mail import send_mail_or_log
from elearn.models import (
    Completion,
    CompletionMethod,
    ExternalRecord,
    ExternalStatus,
    Membership,
    User,
    utcnow,
)
from elearn.web.links import site_url

EVIDENCE_TYPES = {
    b"%PDF": "application/pdf",
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
REASON_MAX = 500  # the decision_note column


class ExternalRefused(Exception):
    pass


def evidence_type(data: bytes) -> str:
    """The evidence's type from its first bytes, not from what the browser claimed."""
    for magic, mimetype in EVIDENCE_TYPES.items():
        if data.startswith(magic):
            return mimetype
    raise ExternalRefused("The file must be a PDF, PNG or JPEG")


def record_external(
    user: User,
    course: Course,
    provider: str,
    course_name: str,
    completed_on: date,
    reference: str | None,
    evidence: tuple[str, bytes] | None,
) -> ExternalRecord:
    if completed_on > london_today():
        raise ExternalRefused("The date you completed it must be today or in the past")
    record = ExternalRecord(
        user_id=user.id,
        course_slug=course.slug,
        provider=provider.strip(),
        course_name=course_name.strip(),
        completed_on=completed_on,
        reference=(reference or "").strip() or None,
    )
    if evidence is not None:
        name, data = evidence
        record.evidence_type = evidence_type(data)
        record.evidence_name = name[-200:]
        record.evidence = data
    db.session.add(record)
    db.session.flush()
    audit.record("external_training_recorded", record, {"course": course.slug})
    return record


def evidence_filename(record: ExternalRecord) -> str:
    """evidence-12.pdf: the extension from the type found in the file's first bytes."""
    extension = EXTENSIONS.get(record.evidence_type or "")
    return f"evidence-{record.id}.{extension}" if extension else f"evidence-{record.id}"


@dataclass(frozen=True)
class AcceptedAs:
    """What accepting a record records: the course done on a date, valid until another."""

    course_title: str
    completed_on: date
    expires_on: date | None


def accepted_as(record: ExternalRecord, course: Course) -> AcceptedAs:
    completed_at = _completed_at(record)
    expires_at = _expires_at(completed_at, course)
    return AcceptedAs(course.title, record.completed_on, expires_at.date() if expires_at else None)


def decide(record: ExternalRecord, by: User, course: Course, accept: bool, reason: str) -> None:
    """Accept the record (it becomes a completion), or reject it for a reason the learner
    reads. Whether `by` may decide is asked first, of permissions.can_decide_external."""
    if record.status != ExternalStatus.PENDING:
        raise ExternalRefused("This record has already been decided")
    reason = " ".join(reason.split()) if reason else ""
    if not accept and not reason:
        raise ExternalRefused("Enter why you are rejecting it: the learner will read it")
    if len(reason) > REASON_MAX:
        raise ExternalRefused(f"The reason must be {REASON_MAX} characters or fewer")
    record.status = ExternalStatus.ACCEPTED if accept else ExternalStatus.REJECTED
    record.decided_by_id = by.id
    record.decided_at = utcnow()
    record.decision_note = None if accept else reason
    if accept:
        record.completion_id = _external_completion(record, course).id
    audit.record(
        "external_training_accepted" if accept else "external_training_rejected",
        record,
        {"note": record.decision_note},
    )


def tell_learner(record: ExternalRecord, course: Course, decided_by: str) -> bool | None:
    """Email the learner the decision, once it is saved: to their account's address (the
    one they proved when the account was made), never another. The reason goes as plain
    text in a plain-text email. False when the email could not be sent (logged); None
    when there is nobody to tell (an erased or closed account)."""
    learner = record.user
    if learner.erased_at is not None or not learner.is_active:
        return None
    accepted = record.status == ExternalStatus.ACCEPTED
    return send_mail_or_log(
        learner.email,
        f"{course.title}: your training done elsewhere is {'' if accepted else 'not '}accepted",
        "external_decision",
        learner=learner,
        record=record,
        accepted=accepted,
        accepted_as=accepted_as(record, course) if accepted else None,
        course_title=course.title,
        decided_by=decided_by,
        link=site_url("courses.my_training" if accepted else "certificates.record_external"),
    )


def _completed_at(record: ExternalRecord) -> datetime:
    return datetime.combine(record.completed_on, time(12), tzinfo=UTC)


def _expires_at(completed_at: datetime, course: Course) -> datetime | None:
    if not course.valid_for_months:
        return None
    return add_months(completed_at, course.valid_for_months)


def _external_completion(record: ExternalRecord, course: Course) -> Completion:
    completion = new_completion(
        record.user_id,
        course,
        _completed_at(record),
        CompletionMethod.EXTERNAL,
        course_version=f"external: {record.course_name}"[:40],
    )
    db.session.add(completion)
    db.session.flush()
    update_standing(record.user_id, course.slug)
    return completion


def _records(organisation_id: int | None, viewer_id: int) -> Select:
    """Records an organisation's active members made (or everyone's, for CST), but not
    the viewer's own: nobody decides on their own."""
    statement = (
        select(ExternalRecord)
        .where(ExternalRecord.user_id != viewer_id)
        .options(selectinload(ExternalRecord.user))
    )
    if organisation_id is not None:
        statement = statement.join(Membership, Membership.user_id == ExternalRecord.user_id).where(
            Membership.organisation_id == organisation_id, Membership.left_at.is_(None)
        )
    return statement


def pending_for(organisation_id: int | None, viewer_id: int) -> list[ExternalRecord]:
    """Records waiting for a decision, oldest first."""
    statement = _records(organisation_id, viewer_id).where(
        ExternalRecord.status == ExternalStatus.PENDING
    )
    return list(db.session.scalars(statement.order_by(ExternalRecord.created_at)))


def decided_for(organisation_id: int | None, viewer_id: int) -> Select:
    """Records decided, the latest decision first (a statement, to be paged)."""
    return (
        _records(organisation_id, viewer_id)
        .where(ExternalRecord.status != ExternalStatus.PENDING)
        .order_by(ExternalRecord.decided_at.desc(), ExternalRecord.id.desc())
    )


def deciders(records: list[ExternalRecord]) -> dict[int, str]:
    """The name of whoever decided each of these records, in one query."""
    ids = {record.decided_by_id for record in records if record.decided_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def records_of(user_id: int) -> list[ExternalRecord]:
    return list(
        db.session.scalars(
            select(ExternalRecord)
            .where(ExternalRecord.user_id == user_id)
            .order_by(ExternalRecord.created_at.desc())
        )
    )
