"""Face-to-face sessions: when booking closes, places taken, and who may see and book them.

Times are entered as London wall-clock times and kept in UTC: a session at 10am on 29
March (the day the clocks go forward) is 09:00 UTC, one on 25 October 10:00 UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from elearn.extensions import db
from elearn.models import (
    Booking,
    BookingStatus,
    SessionStatus,
    TrainingSession,
    User,
    utcnow,
)
from elearn.permissions import sessions_open_to

# --- booking windows and places ----------------------------------------------------------


def closes_at(session: TrainingSession) -> datetime:
    return session.starts_at - timedelta(hours=session.closes_hours_before)


def booking_open(session: TrainingSession, now: datetime | None = None) -> bool:
    return not session.is_cancelled and (now or utcnow()) < closes_at(session)


def places_taken(session: TrainingSession) -> int:
    return db.session.scalar(
        select(func.count()).where(
            Booking.session_id == session.id, Booking.status == BookingStatus.BOOKED
        )
    )


def active_bookings(session: TrainingSession):
    """Everyone with a place or on the waiting list."""
    return db.session.scalars(
        select(Booking)
        .where(
            Booking.session_id == session.id,
            Booking.status.in_((BookingStatus.BOOKED, BookingStatus.WAITING)),
        )
        .order_by(Booking.status, Booking.waiting_since, Booking.id)
        .options(selectinload(Booking.user), selectinload(Booking.organisation))
    )


def taken_by_session(session_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(places taken, people waiting) for each session, in one statement."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(Booking.session_id, Booking.status, func.count())
        .where(
            Booking.session_id.in_(session_ids),
            Booking.status.in_((BookingStatus.BOOKED, BookingStatus.WAITING)),
        )
        .group_by(Booking.session_id, Booking.status)
    )
    taken: dict[int, list[int]] = {}
    for session_id, status, count in rows:
        pair = taken.setdefault(session_id, [0, 0])
        pair[0 if status == BookingStatus.BOOKED else 1] = count
    return {key: (booked, waiting) for key, (booked, waiting) in taken.items()}


def _counted(status: str):
    return (
        select(func.count())
        .where(Booking.session_id == TrainingSession.id, Booking.status == status)
        .correlate(TrainingSession)
        .scalar_subquery()
    )


def upcoming(
    user: User, course_slug: str | None = None, now: datetime | None = None
) -> list[tuple[TrainingSession, int, int]]:
    """Sessions not yet started that `user` may see, soonest first, each with its places
    left and the people waiting: one statement, whoever asks (a course page shows them)."""
    statement = select(
        TrainingSession, _counted(BookingStatus.BOOKED), _counted(BookingStatus.WAITING)
    ).where(
        TrainingSession.status == SessionStatus.SCHEDULED,
        TrainingSession.starts_at > (now or utcnow()),
    )
    if course_slug:
        statement = statement.where(TrainingSession.course_slug == course_slug)
    condition = sessions_open_to(user)
    if condition is not None:
        statement = statement.where(condition)
    return [
        (session, max(session.capacity - booked, 0), waiting)
        for session, booked, waiting in db.session.execute(
            statement.order_by(TrainingSession.starts_at)
        )
    ]
