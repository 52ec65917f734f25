"""The emails about face-to-face sessions, each place with its calendar event (.ics).

Only the person booked is emailed, at their account's address: a booking with no account
(a walk-in known by name, or invited by email and not yet joined) gets nothing. People
on the waiting list get no calendar event until a place is theirs.

Called in a request, the emails go after the response (`elearn.mail.after_response`),
in an app context of their own, so the bookings are loaded again there by id; called
elsewhere (a command, a task), at once. Either way what the emails say is read first, in
work that only reads, and the transaction ended before the mail server is asked. An
email that cannot be sent is logged: the change it tells of is saved already.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from email.message import Message

from flask import has_request_context
from sqlalchemy import select, update

from elearn.certificates.reminders import send_once
from elearn.database import reading
from elearn.dates import LONDON
from elearn.extensions import db
from elearn.face_to_face.calendar import Method, calendar_attachment, course_title, location
from elearn.face_to_face.sessions import active_bookings, booking_open, closes_at
from elearn.mail import after_response, compose, deliver, one_connection
from elearn.models import (
    Booking,
    BookingStatus,
    SessionStatus,
    TrainingSession,
    User,
)
from elearn.web.filters import clock, london_date, london_datetime
from elearn.web.links import site_url

log = logging.getLogger(__name__)

# People booked are reminded once, this long before the session starts.
REMINDER_BEFORE = timedelta(hours=48)

# What `tell_changed` is told changed (scheduling.py's words), and the field each names.
CHANGED_FIELDS = {
    "Start": "starts_at",
    "End": "ends_at",
    "Venue": "venue",
    "Address": "address",
    "Access": "access_notes",
    "Joining link": "online_url",
}


def tell_booked(booking: Booking) -> None:
    """A place confirmed (booked by the person, or by their manager)."""
    _soon(_place_emails, [booking.id], "booked")


def tell_waiting(booking: Booking) -> None:
    """On the waiting list: no calendar event yet."""
    _soon(_place_emails, [booking.id], "waiting")


def tell_promoted(booking: Booking) -> None:
    """A place freed went to this person, first on the waiting list."""
    _soon(_place_emails, [booking.id], "promoted")


def tell_booking_cancelled(booking: Booking, had_place: bool) -> None:
    """Their place (`had_place`) or place on the waiting list is cancelled: a place's
    calendar event is withdrawn."""
    _soon(_place_emails, [booking.id], "booking_cancelled", had_place)


def tell_changed(session: TrainingSession, changes: list[str], before: dict) -> None:
    """The session changed: everyone booked or waiting is told what changed."""
    _soon(_changed_emails, session.id, list(changes), dict(before))


def tell_cancelled(session: TrainingSession, bookings: list[Booking]) -> None:
    """The session is cancelled: everyone who was booked or waiting is told."""
    was = [(booking.id, booking.status) for booking in bookings]
    _soon(_cancelled_emails, session.id, was)


# --- sending -------------------------------------------------------------------------------


def _soon(write: Callable[..., list[Message]], *args) -> None:
    """Write the emails and send them: after the response in a request, otherwise now."""

    def job() -> None:
        with reading():  # no write lock held while the emails are written
            messages = write(*args)
            db.session.commit()  # ends the transaction that read them
        _deliver_all(messages)

    if has_request_context():
        after_response(job)
    else:
        job()


def _deliver_all(messages: Iterable[Message]) -> None:
    with one_connection():
        for message in messages:
            try:
                deliver(message)
            except OSError:
                log.exception("a face-to-face session email could not be sent")  # no address


def session_page(session: TrainingSession) -> str:
    """The session's page, where a person sees their booking and cancels it."""
    return site_url("face_to_face.session", reference=session.public_id)


def _person(booking: Booking | None) -> User | None:
    """Whom to email about a booking: its account holder, while the account is in use."""
    if booking is None or booking.user is None:
        return None
    user = booking.user
    return user if user.active and user.erased_at is None else None


# --- what the emails say -------------------------------------------------------------------


def when(session: TrainingSession) -> str:
    """'10 July 2026 at 10:00am to 1:00pm', in London time."""
    starts, ends = session.starts_at.astimezone(LONDON), session.ends_at.astimezone(LONDON)
    end = clock(ends) if starts.date() == ends.date() else london_datetime(ends)
    return f"{london_datetime(session.starts_at)} to {end}"


def details(session: TrainingSession, has_place: bool = True) -> list[tuple[str, str]]:
    """The lines every email about a place gives: when, where, joining link (to those with
    a place only, as on the session's page), access."""
    lines = [("When", when(session))]
    place = location(session) if session.venue else "Online"
    lines.append(("Where", place))
    if session.online_url and has_place:
        lines.append(("Joining link", session.online_url))
    if session.access_notes:
        lines.append(("Access", session.access_notes))
    return lines


def _context(
    session: TrainingSession, user: User, now: datetime | None = None, has_place: bool = True
) -> dict:
    return {
        "name": user.full_name,
        "title": course_title(session),
        "session_title": session.title or "",
        "details": details(session, has_place),
        "link": session_page(session),
        "closes": closes_at(session),
        "still_open": booking_open(session, now),
    }


def _subject(what: str, session: TrainingSession) -> str:
    return f"{what}: {course_title(session)}, {london_date(session.starts_at)}"


def _email(
    booking: Booking,
    user: User,
    template: str,
    subject: str,
    method: Method | None,
    **context,
) -> Message:
    session = booking.session
    link = session_page(session)
    attachments = [calendar_attachment(session, method, user.email, link)] if method else []
    return compose(
        user.email,
        subject,
        f"face_to_face/{template}",
        attachments,
        **_context(session, user, has_place=booking.status == BookingStatus.BOOKED),
        **context,
    )


def _place_emails(booking_ids: list[int], kind: str, had_place: bool = True) -> list[Message]:
    messages = []
    for booking_id in booking_ids:
        booking = db.session.get(Booking, booking_id)
        user = _person(booking)
        if user is not None:
            messages.append(_place_email(booking, user, kind, had_place))
    return messages


def _place_email(booking: Booking, user: User, kind: str, had_place: bool = True) -> Message:
    session = booking.session
    if kind == "booked":
        booked_by = None
        if booking.booked_by_id not in (None, booking.user_id):
            booked_by = db.session.get(User, booking.booked_by_id)
        return _email(
            booking,
            user,
            "booked",
            _subject("Place booked", session),
            Method.REQUEST,
            booked_by=booked_by.full_name if booked_by is not None else "",
        )
    if kind == "waiting":
        return _email(booking, user, "waiting", _subject("Waiting list", session), None)
    if kind == "promoted":
        subject = _subject("A place is now yours", session)
        return _email(booking, user, "promoted", subject, Method.REQUEST)
    return _email(
        booking,
        user,
        "booking_cancelled",
        _subject("Booking cancelled", session),
        Method.CANCEL if had_place else None,
        had_place=had_place,
    )


def what_changed(session: TrainingSession, changes: list[str], before: dict) -> list[str]:
    """'Start: now 10 July 2026 at 2:00pm (was 10 July 2026 at 10:00am)', one a change."""
    lines = []
    for label in changes:
        field = CHANGED_FIELDS.get(label)
        if field is None:
            lines.append(label)
            continue
        old, new = _shown(before.get(field)), _shown(getattr(session, field))
        if new and old:
            lines.append(f"{label}: now {new} (was {old})")
        elif new:
            lines.append(f"{label}: now {new}")
        else:
            lines.append(f"{label}: no longer given (was {old})")
    return lines


def _shown(value) -> str:
    if isinstance(value, datetime):
        return london_datetime(value)
    return (value or "").strip()


def _changed_emails(session_id: int, changes: list[str], before: dict) -> list[Message]:
    session = db.session.get(TrainingSession, session_id)
    if session is None:
        return []
    changed = what_changed(session, changes, before)
    unlinked = what_changed(session, [c for c in changes if c != "Joining link"], before)
    messages = []
    for booking in list(active_bookings(session)):
        user = _person(booking)
        if user is None:
            continue
        has_place = booking.status == BookingStatus.BOOKED
        if not has_place and not unlinked:
            continue  # only the joining link changed, which those waiting are not given
        messages.append(
            _email(
                booking,
                user,
                "changed",
                _subject("Session changed", session),
                Method.REQUEST if has_place else None,
                changed=changed if has_place else unlinked,
                has_place=has_place,
            )
        )
    return messages


def _cancelled_emails(session_id: int, was: list[tuple[int, str]]) -> list[Message]:
    session = db.session.get(TrainingSession, session_id)
    if session is None:
        return []
    messages = []
    for booking_id, status in was:
        booking = db.session.get(Booking, booking_id)
        user = _person(booking)
        if user is None:
            continue
        had_place = status == BookingStatus.BOOKED
        messages.append(
            _email(
                booking,
                user,
                "cancelled",
                _subject("Session cancelled", session),
                Method.CANCEL if had_place else None,
                had_place=had_place,
                reason=session.cancel_reason or "",
            )
        )
    return messages


# --- reminders -----------------------------------------------------------------------------


def send_session_reminders(now: datetime) -> int:
    """Remind everyone with a place, about two days before: each session starting within
    REMINDER_BEFORE that has not been reminded. People who booked within that time had
    their confirmation lately and are not reminded. Each person is reminded once
    (ReminderLog, as the training reminders are); the session is marked reminded once
    all have gone, so a run stopped by a failure is finished by the next. Returns how
    many were sent."""
    due = db.session.scalars(
        select(TrainingSession.id)
        .where(
            TrainingSession.status == SessionStatus.SCHEDULED,
            TrainingSession.reminded_at.is_(None),
            TrainingSession.starts_at > now,
            TrainingSession.starts_at <= now + REMINDER_BEFORE,
        )
        .order_by(TrainingSession.starts_at)
    ).all()
    sent = 0
    with one_connection():
        for session_id in due:
            sent += _remind(db.session.get(TrainingSession, session_id), now)
    return sent


def _remind(session: TrainingSession, now: datetime) -> int:
    bookings = db.session.scalars(
        select(Booking)
        .join(User, User.id == Booking.user_id)
        .where(
            Booking.session_id == session.id,
            Booking.status == BookingStatus.BOOKED,
            Booking.booked_at < session.starts_at - REMINDER_BEFORE,
            User.active.is_(True),
            User.erased_at.is_(None),
        )
        .order_by(Booking.id)
    ).all()
    # Everything the emails say, read before the first is sent (each send commits).
    link = session_page(session)
    letters = [
        (
            user.id,
            user.email,
            calendar_attachment(session, Method.REQUEST, user.email, link),
            _context(session, user, now),
        )
        for user in (booking.user for booking in bookings)
    ]
    subject = _subject("Reminder", session)
    # Once per person and start: a session moved to another day is reminded again.
    key = f"session-reminder:{session.public_id}:{session.starts_at:%Y%m%d%H%M}"
    sent = 0
    for user_id, email, attachment, context in letters:
        template = "face_to_face/reminder"
        if send_once(user_id, key, email, subject, template, attachments=[attachment], **context):
            sent += 1
    db.session.execute(
        update(TrainingSession)
        .where(TrainingSession.id == session.id, TrainingSession.reminded_at.is_(None))
        .values(reminded_at=now)
    )
    db.session.commit()
    return sent
