"""The register on the day: attendance marks, walk-ins, and what a mark records.

Marking someone with an account as attended records a face-to-face completion of the
course (the edition taught, the session's date) and issues its certificate, which says
where and by whom it was delivered. Correcting the mark withdraws what it created: the
completion is deleted and its certificate revoked (its code then says so); completions
from other evidence (e-learning, another session, training done elsewhere) stand. A
walk-in with no account is marked like anyone else and counts in their organisation's
figures, with no completion. Marks can be corrected until CST closes the register.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from elearn import audit
from elearn.certificates.operations import issue_certificate, revoke_certificate
from elearn.courses.catalogue import current_catalogue
from elearn.courses.operations import new_completion
from elearn.courses.standing import update_standing
from elearn.events import member_joined
from elearn.extensions import db
from elearn.face_to_face.bookings import book
from elearn.models import (
    Attendance,
    Booking,
    BookingStatus,
    Certificate,
    Completion,
    CompletionMethod,
    Invitation,
    Organisation,
    TrainingSession,
    User,
    normalise_email,
    utcnow,
)
from elearn.organisations.invitations import invite_one
from elearn.web.filters import and_list, london_date


class RegisterRefused(Exception):
    """A mark that cannot be made; the message says why."""


def register_of(session: TrainingSession) -> list[Booking]:
    """Everyone with a place (walk-ins included), in name order, for the register."""
    bookings = db.session.scalars(
        select(Booking)
        .where(Booking.session_id == session.id, Booking.status == BookingStatus.BOOKED)
        .options(selectinload(Booking.user), selectinload(Booking.organisation))
    ).all()
    return sorted(bookings, key=lambda booking: name_order(booking.display_name))


_UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})


def name_order(name: str) -> str:
    """How a name files in a list: Łukasz with the Ls and Zoë with the Zs, not after Z."""
    plain = unicodedata.normalize("NFKD", name.casefold().translate(_UNDECOMPOSED))
    return "".join(letter for letter in plain if not unicodedata.combining(letter))


def delivered(session: TrainingSession) -> str:
    """What the certificate prints: 'on 12 December 2026 at Guildhall, facilitated by
    Amira Khan and Tom Reid'."""
    where = session.venue or "online"
    names = [person.full_name for person in session.facilitators]
    said = f"on {london_date(session.starts_at)} at {where}"
    if names:
        said += f", facilitated by {and_list(names)}"
    return said[:500]


def mark(booking: Booking, attendance: str, by: User, now: datetime | None = None) -> None:
    """Mark one person; a completion (and certificate) follows attendance, and is
    withdrawn when the mark is corrected."""
    session = booking.session
    if session.register_closed:
        raise RegisterRefused("The register for this session has been closed by CST.")
    if attendance not in set(Attendance):
        raise RegisterRefused("Choose attended, partly attended or absent.")
    if booking.status != BookingStatus.BOOKED:
        raise RegisterRefused("Only people with a place are on the register.")
    now = now or utcnow()
    if now < session.starts_at:
        raise RegisterRefused("Attendance can be marked once the session has started.")
    if booking.attendance == attendance:
        return  # a double submit, or the same mark again
    before = booking.attendance
    booking.attendance = attendance
    booking.marked_at = now
    booking.marked_by_id = by.id
    if attendance == Attendance.ATTENDED:
        _record_completion(booking, now)
    elif booking.completion_id is not None:
        _withdraw_completion(booking, by)
    audit.record(
        "attendance_marked",
        booking,
        {"session": session.public_id, "mark": attendance, "was": before},
        actor_id=by.id,
    )
    db.session.commit()


def _record_completion(booking: Booking, now: datetime) -> None:
    if booking.user_id is None or booking.completion_id is not None:
        return
    session = booking.session
    course = current_catalogue().get(session.course_slug)
    if course is None:
        return
    completion = new_completion(
        booking.user_id, course, session.starts_at, CompletionMethod.FACE_TO_FACE
    )
    db.session.add(completion)
    db.session.flush()
    booking.completion_id = completion.id
    update_standing(booking.user_id, course.slug)
    issue_certificate(completion, course, booking.user, delivered=delivered(session))


def _withdraw_completion(booking: Booking, by: User) -> None:
    completion = db.session.get(Completion, booking.completion_id)
    booking.completion_id = None
    if completion is None:
        return
    for certificate in db.session.scalars(
        select(Certificate).where(
            Certificate.completion_id == completion.id, Certificate.revoked_at.is_(None)
        )
    ):
        revoke_certificate(certificate, "Withdrawn: the attendance record was corrected.")
        certificate.completion_id = None
    db.session.flush()
    db.session.delete(completion)
    db.session.flush()
    update_standing(completion.user_id, completion.course_slug)
    audit.record(
        "completion_withdrawn",
        completion,
        {"course": completion.course_slug, "session": booking.session.public_id},
        actor_id=by.id,
    )


def add_walk_in(
    session: TrainingSession,
    by: User,
    email: str | None = None,
    name: str | None = None,
    organisation: Organisation | None = None,
) -> tuple[Booking, Invitation | None]:
    """Someone in the room who had not booked: by email (someone with an account is
    booked; anyone else is invited to the organisation, and linked when they accept), or
    by name and organisation for people with no email. Returns the booking and whether
    an invitation is to be sent."""
    if session.register_closed:
        raise RegisterRefused("The register for this session has been closed by CST.")
    if email:
        email = normalise_email(email)
        person = db.session.scalar(select(User).where(User.email == email))
        if person is not None:
            return book(session, person, by, walk_in=True), None
        if organisation is None:
            raise RegisterRefused("Choose the organisation to invite them to.")
        existing = db.session.scalar(
            select(Booking).where(Booking.session_id == session.id, Booking.email == email)
        )
        if existing is not None:
            return existing, None
        invitation = invite_one(organisation, email, by)
    else:
        invitation = None
    if not email and (not name or organisation is None):
        raise RegisterRefused("Give their email address, or their name and organisation.")
    booking = Booking(
        session_id=session.id,
        name=(name or "").strip() or None,
        email=email or None,
        organisation_id=organisation.id if organisation else None,
        status=BookingStatus.BOOKED,
        booked_by_id=by.id,
        walk_in=True,
    )
    db.session.add(booking)
    db.session.flush()
    audit.record(
        "session_walk_in",
        booking,
        {"session": session.public_id, "invited": bool(email)},
        actor_id=by.id,
    )
    db.session.commit()
    return booking, invitation


@member_joined.connect
def link_walk_ins(user: User) -> int:
    """Someone invited as a walk-in has an account now: their bookings become theirs,
    and attendance already marked records its completion. Returns how many."""
    bookings = db.session.scalars(
        select(Booking).where(
            Booking.email == normalise_email(user.email), Booking.user_id.is_(None)
        )
    ).all()
    for booking in bookings:
        clash = db.session.scalar(
            select(Booking.id).where(
                Booking.session_id == booking.session_id, Booking.user_id == user.id
            )
        )
        if clash is not None:
            continue
        booking.user_id = user.id
        booking.email = None
        if booking.attendance == Attendance.ATTENDED:
            _record_completion(booking, utcnow())
    return len(bookings)


def close_register(session: TrainingSession, by: User) -> None:
    """CST closes the register: the marks are final."""
    if session.register_closed:
        return
    session.register_closed_at = utcnow()
    session.register_closed_by_id = by.id
    audit.record("register_closed", session, {}, actor_id=by.id)
    db.session.commit()


def reopen_register(session: TrainingSession, by: User) -> None:
    """CST reopens a register closed in error."""
    session.register_closed_at = None
    session.register_closed_by_id = None
    audit.record("register_reopened", session, {}, actor_id=by.id)
    db.session.commit()


def attendance_by_session(session_ids: list[int]) -> dict[int, dict[str, int]]:
    """For each session, how many were marked attended, partly and absent, and how many
    with a place are not marked yet: one statement for a facilitator's list."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(Booking.session_id, Booking.attendance, func.count())
        .where(Booking.session_id.in_(session_ids), Booking.status == BookingStatus.BOOKED)
        .group_by(Booking.session_id, Booking.attendance)
    )
    found: dict[int, dict[str, int]] = {}
    for session_id, attendance, count in rows:
        found.setdefault(session_id, {})[attendance or "unmarked"] = count
    return found
