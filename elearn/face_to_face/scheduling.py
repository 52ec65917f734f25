"""Scheduling face-to-face sessions: created, changed (everyone booked is told what
changed) and cancelled (everyone is told)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from elearn import audit
from elearn.extensions import db
from elearn.face_to_face import notifications
from elearn.face_to_face.bookings import lock, promote_waiting
from elearn.face_to_face.sessions import active_bookings, places_taken
from elearn.models import Audience, SessionStatus, TrainingSession, User, utcnow


class SessionRefused(Exception):
    """A change to a session that cannot be made; the message says why, to the person,
    and `field` which of the form's answers it is about."""

    def __init__(self, message: str, field: str = "capacity") -> None:
        super().__init__(message)
        self.field = field


@dataclass
class SessionDetails:
    """What the person scheduling a session says about it."""

    course_slug: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    title: str | None = None
    venue: str | None = None
    address: str | None = None
    access_notes: str | None = None
    online_url: str | None = None
    audience: str = Audience.ALL
    organisation_id: int | None = None
    sectors: list[str] = field(default_factory=list)
    closes_hours_before: int = 24
    facilitator_ids: list[int] = field(default_factory=list)


# What booked people are told changed, in their words (the fields they act on).
_TOLD = {
    "starts_at": "Start",
    "ends_at": "End",
    "venue": "Venue",
    "address": "Address",
    "access_notes": "Access",
    "online_url": "Joining link",
}


def _check(details: SessionDetails) -> None:
    if details.ends_at <= details.starts_at:
        raise SessionRefused("The session must end after it starts.", "ends")
    if not (details.venue or details.online_url):
        raise SessionRefused("Give a venue, or a joining link for a session online.", "venue")
    if details.capacity < 1:
        raise SessionRefused("A session needs at least 1 place.")
    if details.audience == Audience.ORGANISATION and details.organisation_id is None:
        raise SessionRefused("Choose the organisation the session is for.", "organisation")
    if details.audience == Audience.SECTORS and not details.sectors:
        raise SessionRefused("Choose at least one sector.", "sectors")


def _apply(session: TrainingSession, details: SessionDetails) -> None:
    for name in (
        "course_slug",
        "title",
        "starts_at",
        "ends_at",
        "venue",
        "address",
        "access_notes",
        "online_url",
        "capacity",
        "audience",
        "closes_hours_before",
    ):
        setattr(session, name, getattr(details, name))
    session.organisation_id = (
        details.organisation_id if details.audience == Audience.ORGANISATION else None
    )
    session.sectors = sorted(details.sectors) if details.audience == Audience.SECTORS else []
    session.facilitators = list(
        db.session.scalars(select(User).where(User.id.in_(details.facilitator_ids)))
    )


def create_session(details: SessionDetails, by: User) -> TrainingSession:
    _check(details)
    session = TrainingSession(public_id=secrets.token_hex(8), created_by_id=by.id)
    _apply(session, details)
    db.session.add(session)
    db.session.flush()
    audit.record("session_created", session, {"course": session.course_slug}, actor_id=by.id)
    db.session.commit()
    return session


def edit_session(session: TrainingSession, details: SessionDetails, by: User) -> list[str]:
    """Change a session; everyone booked or waiting is told what changed (the times and
    the place: what they act on). Returns the changes told."""
    if session.is_cancelled:
        raise SessionRefused("This session has been cancelled.")
    _check(details)
    if details.capacity < places_taken(session):
        raise SessionRefused(
            f"{places_taken(session)} people have places: the session needs at least that many."
        )
    before = {name: getattr(session, name) for name in _TOLD}
    _apply(session, details)
    changes = [
        label
        for name, label in _TOLD.items()
        if (getattr(session, name) or None) != (before[name] or None)
    ]
    session.updated_at = utcnow()
    if changes:
        session.sequence += 1
    if "Start" in changes:
        session.reminded_at = None  # the reminder is for the new day
    audit.record("session_edited", session, {"changed": changes}, actor_id=by.id)
    lock(session)
    promoted = promote_waiting(session)  # a place may have opened
    db.session.commit()
    if changes:
        notifications.tell_changed(session, changes, before)
    for booking in promoted:
        notifications.tell_promoted(booking)
    return changes


def cancel_session(session: TrainingSession, reason: str, by: User) -> int:
    """Cancel a session; everyone booked or waiting is told. Returns how many."""
    if session.is_cancelled:
        return 0
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = utcnow()
    session.cancel_reason = reason or None
    session.sequence += 1
    told = list(active_bookings(session))
    audit.record("session_cancelled", session, {"bookings": len(told)}, actor_id=by.id)
    db.session.commit()
    notifications.tell_cancelled(session, told)
    return len(told)
