"""Training done elsewhere: the learner records it, a manager or CST accepts or rejects it.

An accepted record becomes a Completion marked external: it counts in coverage and in
the learner's status, and gets no elearn certificate.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import func, select

from elearn import audit
from elearn.courses.catalogue import Course
from elearn.courses.standing import update_standing
from elearn.dates import add_months
from elearn.extensions import db
from elearn.models import (
    Completion,
    CompletionMethod,
    ExternalRecord,
    ExternalStatus,
    Membership,
    Organisation,
    User,
    utcnow,
)

EVIDENCE_TYPES = {
    b"%PDF": "application/pdf",
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


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
    if completed_on > utcnow().date():
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


def can_decide(user: User, record: ExternalRecord, organisation: Organisation | None) -> bool:
    """CST, or a manager deciding through an organisation the learner belongs to now."""
    if user.is_cst_admin:
        return True
    if organisation is None:
        return False
    member = db.session.scalar(
        select(Membership.id).where(
            Membership.user_id == record.user_id,
            Membership.organisation_id == organisation.id,
            Membership.left_at.is_(None),
        )
    )
    return member is not None


def decide(record: ExternalRecord, by: User, course: Course, accept: bool, note: str) -> None:
    if record.status != ExternalStatus.PENDING:
        raise ExternalRefused("This record has already been decided")
    record.status = ExternalStatus.ACCEPTED if accept else ExternalStatus.REJECTED
    record.decided_by_id = by.id
    record.decided_at = utcnow()
    record.decision_note = note.strip() or None
    if accept:
        record.completion_id = _external_completion(record, course).id
    audit.record(
        "external_training_accepted" if accept else "external_training_rejected",
        record,
        {"note": record.decision_note},
    )


def _external_completion(record: ExternalRecord, course: Course) -> Completion:
    completed_at = datetime.combine(record.completed_on, time(12), tzinfo=UTC)
    sequence = db.session.scalar(
        select(func.coalesce(func.max(Completion.sequence), 0)).where(
            Completion.user_id == record.user_id, Completion.course_slug == course.slug
        )
    )
    organisations = db.session.scalars(
        select(Organisation)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == record.user_id, Membership.left_at.is_(None))
    ).all()
    completion = Completion(
        user_id=record.user_id,
        course_slug=course.slug,
        course_version=f"external: {record.course_name}"[:40],
        sequence=sequence + 1,
        completed_at=completed_at,
        expires_at=add_months(completed_at, course.valid_for_months)
        if course.valid_for_months
        else None,
        method=CompletionMethod.EXTERNAL,
        organisations=list(organisations),
    )
    db.session.add(completion)
    db.session.flush()
    update_standing(record.user_id, course.slug)
    return completion


def pending_for(organisation_id: int | None) -> list[ExternalRecord]:
    """Records waiting for a decision: an organisation's active members', or all (CST)."""
    statement = select(ExternalRecord).where(ExternalRecord.status == ExternalStatus.PENDING)
    if organisation_id is not None:
        statement = statement.join(Membership, Membership.user_id == ExternalRecord.user_id).where(
            Membership.organisation_id == organisation_id, Membership.left_at.is_(None)
        )
    return list(db.session.scalars(statement.order_by(ExternalRecord.created_at)))


def records_of(user_id: int) -> list[ExternalRecord]:
    return list(
        db.session.scalars(
            select(ExternalRecord)
            .where(ExternalRecord.user_id == user_id)
            .order_by(ExternalRecord.created_at.desc())
        )
    )
