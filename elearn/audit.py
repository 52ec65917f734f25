"""Record AuditEvents: who did what, to what, when and from where."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from elearn.extensions import db
from elearn.models import AuditEvent


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
