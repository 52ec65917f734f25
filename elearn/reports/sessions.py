"""Face-to-face sessions on the dashboard: the next ones with their places left, and the
no-show rate of the period's sessions that have taken place. One statement each."""

from __future__ import annotations

from sqlalchemy import and_, case, func, select

from elearn.extensions import db
from elearn.models import Attendance, Booking, BookingStatus, SessionStatus, TrainingSession
from elearn.reports.query import ReportQuery

UPCOMING = 10  # sessions shown


def upcoming(query: ReportQuery, limit: int = UPCOMING) -> list[dict]:
    """The next sessions (not cancelled, starting after now; of the query's course if it
    has one): when, what, where, places left (capacity less places booked) and people
    waiting."""
    booked = func.count(case((Booking.status == BookingStatus.BOOKED, 1)))
    waiting = func.count(case((Booking.status == BookingStatus.WAITING, 1)))
    statement = (
        select(
            TrainingSession.public_id,
            TrainingSession.starts_at,
            TrainingSession.course_slug,
            TrainingSession.title,
            TrainingSession.venue,
            TrainingSession.capacity,
            booked.label("booked"),
            waiting.label("waiting"),
        )
        .outerjoin(
            Booking,
            and_(
                Booking.session_id == TrainingSession.id,
                Booking.status.in_((BookingStatus.BOOKED, BookingStatus.WAITING)),
            ),
        )
        .where(
            TrainingSession.status != SessionStatus.CANCELLED,
            TrainingSession.starts_at > query.now,
            *((TrainingSession.course_slug == query.course,) if query.course else ()),
        )
        .group_by(TrainingSession.id)
        .order_by(TrainingSession.starts_at, TrainingSession.id)
        .limit(limit)
    )
    return [
        {
            "public_id": row.public_id,
            "starts_at": row.starts_at,
            "course": row.course_slug,
            "session_title": row.title,
            "venue": row.venue or "Online",
            "capacity": row.capacity,
            "booked": row.booked,
            "places_left": max(row.capacity - row.booked, 0),
            "waiting": row.waiting,
        }
        for row in db.session.execute(statement)
    ]


def no_shows(query: ReportQuery) -> dict:
    """Of the marked places on the period's sessions that have started (not cancelled),
    those marked absent: absent ÷ (attended + partly + absent), as a percentage."""
    period = query.period

    def marked(attendance: str):
        return func.count(case((Booking.attendance == attendance, 1)))

    row = db.session.execute(
        select(
            marked(Attendance.ATTENDED),
            marked(Attendance.PARTLY),
            marked(Attendance.ABSENT),
        )
        .select_from(Booking)
        .join(TrainingSession, TrainingSession.id == Booking.session_id)
        .where(
            Booking.status == BookingStatus.BOOKED,
            Booking.attendance.is_not(None),
            TrainingSession.status != SessionStatus.CANCELLED,
            TrainingSession.starts_at >= period.starts_at,
            TrainingSession.starts_at < period.ends_before,
            TrainingSession.starts_at <= query.now,
            *((TrainingSession.course_slug == query.course,) if query.course else ()),
        )
    ).one()
    attended, partly, absent = (int(count) for count in row)
    marked_places = attended + partly + absent
    return {
        "attended": attended,
        "partly": partly,
        "absent": absent,
        "marked": marked_places,
        "rate": round(100 * absent / marked_places, 1) if marked_places else None,
    }
