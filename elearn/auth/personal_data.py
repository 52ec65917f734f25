"""Personal data under UK GDPR: everything held about a person, and erasing it.

Erasure keeps the rows that figures are made of (memberships, completions, attempts,
the audit trail by id) but strips what identifies the person: name, email, password,
two-step secret, the name printed on certificates, uploaded evidence and invitations.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update

from elearn import audit
from elearn.dates import add_months
from elearn.extensions import db
from elearn.models import (
    AuditEvent,
    Certificate,
    Completion,
    ExternalRecord,
    Invitation,
    Membership,
    ModuleView,
    Organisation,
    QuizAttempt,
    ReminderLog,
    User,
    utcnow,
)

ERASED_NAME = "Erased user"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_user_data(user: User) -> dict:
    """Everything elearn holds about one person, as plain JSON-ready data."""
    memberships = db.session.execute(
        select(Membership, Organisation.name)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user.id)
    ).all()

    def rows(model, *columns):
        statement = select(model).where(model.user_id == user.id)
        return [{c: _plain(getattr(r, c)) for c in columns} for r in db.session.scalars(statement)]

    return {
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "created_at": _iso(user.created_at),
            "last_signed_in_at": _iso(user.last_signed_in_at),
            "two_step_sign_in": user.two_factor_enabled,
            "cst_admin": user.is_cst_admin,
        },
        "memberships": [
            {
                "organisation": name,
                "role": m.role,
                "team": m.team,
                "joined_at": _iso(m.joined_at),
                "left_at": _iso(m.left_at),
            }
            for m, name in memberships
        ],
        "modules_viewed": rows(
            ModuleView, "course_slug", "module_slug", "first_viewed_at", "last_viewed_at"
        ),
        "quiz_attempts": rows(
            QuizAttempt,
            "course_slug",
            "module_slug",
            "course_version",
            "status",
            "questions",
            "answers",
            "score",
            "passed",
            "started_at",
            "submitted_at",
        ),
        "completions": rows(
            Completion, "course_slug", "course_version", "completed_at", "expires_at", "method"
        ),
        "certificates": rows(
            Certificate,
            "code",
            "name_printed",
            "course_title",
            "course_version",
            "completed_at",
            "expires_at",
            "revoked_at",
        ),
        "training_done_elsewhere": rows(
            ExternalRecord,
            "course_slug",
            "provider",
            "course_name",
            "completed_on",
            "reference",
            "status",
            "decision_note",
        ),
        "reminders_sent": rows(ReminderLog, "key", "sent_at"),
        "actions_recorded": [
            {"action": e.action, "at": _iso(e.created_at), "detail": e.detail}
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.id)
            )
        ],
    }


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def request_erasure(user: User) -> None:
    user.erasure_requested_at = utcnow()
    audit.record("erasure_requested", user, actor_id=user.id)


def withdraw_erasure_request(user: User) -> None:
    if user.erasure_requested_at is None:
        return
    user.erasure_requested_at = None
    audit.record("erasure_request_withdrawn", user, actor_id=user.id)


def erase_user(user: User, reason: str) -> None:
    """Remove what identifies a person; keep anonymous records so figures do not change."""
    email = user.email
    user.full_name = ERASED_NAME
    user.email = f"erased-{user.id}@erased.invalid"
    user.password_hash = None
    user.totp_secret = None
    user.totp_last_step = None
    user.active = False
    user.erased_at = utcnow()
    user.end_other_sessions()
    db.session.execute(
        update(Certificate)
        .where(Certificate.user_id == user.id)
        .values(name_printed="(name removed)")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(ExternalRecord)
        .where(ExternalRecord.user_id == user.id)
        .values(evidence=None, evidence_name=None, reference=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(delete(Invitation).where(Invitation.email == email))
    db.session.execute(delete(ReminderLog).where(ReminderLog.user_id == user.id))
    audit.record("user_erased", user, {"reason": reason})


def people_past_retention(months: int, now: datetime) -> list[User]:
    """People who left every organisation they belonged to more than `months` ago."""
    cutoff = add_months(now, -months)
    left = (
        select(Membership.user_id)
        .group_by(Membership.user_id)
        .having(
            func.count(Membership.left_at) == func.count(), func.max(Membership.left_at) < cutoff
        )
    )
    return list(
        db.session.scalars(
            select(User).where(
                User.id.in_(left),
                User.erased_at.is_(None),
                User.is_cst_admin.is_(False),
                (User.last_signed_in_at.is_(None)) | (User.last_signed_in_at < cutoff),
            )
        )
    )
