"""Places on sessions: booking, the waiting list, cancelling, and a freed place going to
the first person waiting.

Every change to a session's places first locks the session's row (SELECT ... FOR UPDATE
on PostgreSQL; on SQLite a writer holds the database's write lock from its first
statement), so two people taking the last place at once are served one after the other:
one gets it, the other waits. A person has one booking per session (a unique key), so a
double submit finds the booking the first made.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from elearn import audit
from elearn.extensions import db
from elearn.face_to_face import notifications
from elearn.face_to_face.sessions import booking_open, closes_at, places_taken
from elearn.models import (
    Booking,
    BookingStatus,
    Membership,
    Organisation,
    TrainingSession,
    User,
    utcnow,
)


class BookingRefused(Exception):
    """A booking that cannot be made or changed; the message says why."""


def lock(session: TrainingSession) -> None:
    """Hold the session's row until the transaction ends: its places change one at a time."""
    db.session.execute(
        select(TrainingSession.id).where(TrainingSession.id == session.id).with_for_update()
    )


def booking_of(session: TrainingSession, user_id: int) -> Booking | None:
    return db.session.scalar(
        select(Booking).where(Booking.session_id == session.id, Booking.user_id == user_id)
    )


def organisation_for(session: TrainingSession, user_id: int) -> int | None:
    """The organisation a booking is credited to: the session's own, or the person's
    first organisation (a person in several is counted once, where they booked)."""
    memberships = select(Membership.organisation_id).where(
        Membership.user_id == user_id, Membership.left_at.is_(None)
    )
    if session.organisation_id is not None:
        memberships = memberships.where(Membership.organisation_id == session.organisation_id)
    elif session.sectors:
        memberships = memberships.join(
            Organisation, Organisation.id == Membership.organisation_id
        ).where(Organisation.sector.in_(session.sectors))
    return db.session.scalar(memberships.order_by(Membership.id).limit(1))


def book(
    session: TrainingSession,
    user: User,
    by: User,
    now: datetime | None = None,
    walk_in: bool = False,
) -> Booking:
    """A place for `user` on the session, or a place on its waiting list when it is full.
    Booking again (a double submit) returns the booking there is; a walk-in (marked in
    on the day) always has a place: they are in the room."""
    now = now or utcnow()
    if not walk_in and not booking_open(session, now):
        raise BookingRefused(
            "This session has been cancelled."
            if session.is_cancelled
            else "Booking for this session has closed."
        )
    lock(session)
    booking = booking_of(session, user.id)
    if booking is not None and booking.status != BookingStatus.CANCELLED:
        if walk_in and booking.status == BookingStatus.WAITING:
            booking.status, booking.waiting_since = BookingStatus.BOOKED, None
            db.session.commit()
        return booking
    full = places_taken(session) >= session.capacity and not walk_in
    if booking is None:
        booking = Booking(session_id=session.id, user_id=user.id)
    booking.status = BookingStatus.WAITING if full else BookingStatus.BOOKED
    booking.waiting_since = now if full else None
    booking.booked_at = now
    booking.booked_by_id = by.id
    booking.cancelled_at = None
    booking.walk_in = walk_in
    booking.organisation_id = organisation_for(session, user.id)
    try:
        with db.session.begin_nested():
            db.session.add(booking)
    except IntegrityError:  # the same person's other request booked first
        db.session.rollback()
        return booking_of(session, user.id)
    audit.record(
        "session_booked",
        booking,
        {"session": session.public_id, "status": booking.status, "for": user.id},
        actor_id=by.id,
    )
    db.session.commit()
    if not walk_in:
        if booking.status == BookingStatus.BOOKED:
            notifications.tell_booked(booking)
        else:
            notifications.tell_waiting(booking)
    return booking


def cancel(booking: Booking, by: User, now: datetime | None = None, late: bool = False) -> None:
    """Give up a place (or a place on the waiting list); the place goes to the first
    person waiting. Learners and managers cancel up to the booking close; a facilitator
    or CST later (`late`)."""
    session = booking.session
    now = now or utcnow()
    if booking.status == BookingStatus.CANCELLED:
        return
    if not late and now >= closes_at(session):
        raise BookingRefused(
            "Booking for this session has closed: ask the facilitator to cancel your place."
        )
    if booking.attendance is not None:
        raise BookingRefused("Attendance has been marked for this booking.")
    lock(session)
    had_place = booking.status == BookingStatus.BOOKED
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.waiting_since = None
    audit.record(
        "session_booking_cancelled", booking, {"session": session.public_id}, actor_id=by.id
    )
    promoted = promote_waiting(session, now) if had_place else []
    db.session.commit()
    notifications.tell_booking_cancelled(booking, had_place)
    for other in promoted:
        notifications.tell_promoted(other)


def promote_waiting(session: TrainingSession, now: datetime | None = None) -> list[Booking]:
    """Give free places to those waiting longest, in the caller's transaction (which has
    locked the session); the caller tells them once it has committed."""
    if session.is_cancelled or not booking_open(session, now):
        return []
    free = session.capacity - places_taken(session)
    if free <= 0:
        return []
    waiting = list(
        db.session.scalars(
            select(Booking)
            .where(Booking.session_id == session.id, Booking.status == BookingStatus.WAITING)
            .order_by(Booking.waiting_since, Booking.id)
            .limit(free)
        )
    )
    for booking in waiting:
        booking.status = BookingStatus.BOOKED
        booking.waiting_since = None
        audit.record("session_place_offered", booking, {"session": session.public_id})
    return waiting


def bookings_of(user_id: int) -> list[Booking]:
    """A person's bookings that are not cancelled, soonest session first."""
    return list(
        db.session.scalars(
            select(Booking)
            .join(TrainingSession, TrainingSession.id == Booking.session_id)
            .where(Booking.user_id == user_id, Booking.status != BookingStatus.CANCELLED)
            .order_by(TrainingSession.starts_at)
            .options(contains_eager(Booking.session))
        )
    )
