"""Record AuditEvents: who did what, to what, when and from where.

An event's detail is declared key by key: TYPED_WORDS are what someone wrote about the
subject (a reason, a note), removed from the events about a person when they are erased;
FACTS are ids, codes, counts and names, kept (a person's names are removed wherever they
appear: elearn/auth/personal_data.py). tests/test_personal_data.py fails for a key an
`audit.record` call uses that is in neither. The IP address is kept for
AUDIT_IP_DAYS days (`forget_addresses`, run by `flask retention apply`).
"""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import update

from elearn.extensions import db
from elearn.models import AuditEvent

TYPED_WORDS = frozenset({"reason", "note", "reference"})  # reference: the police's
FACTS = frozenset(
    {
        "already_members",
        "batch",
        "bookings",  # how many were told a session was cancelled
        "changed",  # which of a session's details changed
        "for",  # whom a place was booked for (an account's id)
        "invited",  # whether a walk-in was invited
        "mark",  # an attendance mark
        "session",  # a session's reference
        "status",  # a booking's status
        "was",  # the mark before a correction
        "replaced",  # whether a new reporting link ended one before it
        "before",  # an organisation's name and sector before a change
        "codes_wait_until",
        "course",
        "domain",
        "due_on",
        "from",  # a person's former name
        "headcount",
        "into",
        "name",  # a person's name printed, or an organisation's
        "new",
        "organisation",
        "previous",
        "renewed",
        "replacement",
        "role",
        "source",
        "team",
        "to",  # a person's new name
        "two_factor",
        "wrong_codes",
        # the reporting hub
        "assigned_to",  # the CST account a finding was assigned to
        "due_at",  # when street cleansing should have removed it
        "duplicate",  # the public id of a report closed into this one
        "duplicate_of",  # the public id of the report this one repeats
        "kind",  # what was reported: graffiti, sticker...
        "photos",  # how many photos came with a report
        "removed_at",  # when it was removed
    }
)


def record(
    action: str,
    subject: object | None = None,
    detail: dict | None = None,
    actor_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    if actor_id is None and has_request_context() and current_user.is_authenticated:
        actor_id = current_user.id
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        subject_type=type(subject).__name__.lower() if subject is not None else None,
        subject_id=str(subject.id) if subject is not None else None,
        detail=detail,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def forget_addresses(before: datetime) -> int:
    """Clear the IP address of every event recorded before `before`, in the caller's
    transaction: how many were cleared."""
    return db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.created_at < before, AuditEvent.ip_address.is_not(None))
        .values(ip_address=None)
        .execution_options(synchronize_session=False)
    ).rowcount
