"""People with no account who attended a face-to-face session, as the figures count them.

A walk-in known by name and organisation alone is a booking with no user
(elearn/models/face_to_face.py). Marked as attended, on a session that was not
cancelled, they count as trained on the session's date for their organisation, its
sector and the course, and towards coverage of the organisation's declared headcount
while the course's validity lasts from that date. They are not members, so coverage of
members is left as it is. The aggregates (aggregates.py) add these selects as one more
arm of their statements.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, and_, cast, distinct, func, literal, or_, select

from elearn.courses.catalogue import current_catalogue
from elearn.dates import add_months
from elearn.models import (
    Attendance,
    Booking,
    BookingStatus,
    SessionStatus,
    TrainingSession,
)
from elearn.reports.periods import Period
from elearn.reports.query import TOTAL, ReportQuery

course = TrainingSession.course_slug
attended_at = TrainingSession.starts_at


def person():
    """Who an attendee is, for counting people once: their organisation and their name
    (or the email they gave), as the register knows them."""
    name = func.lower(func.trim(func.coalesce(Booking.name, Booking.email, "")))
    return cast(Booking.organisation_id, String) + literal("|") + name


def attendees(query: ReportQuery, period: Period | None = None, *conditions):
    """A select (to add columns and groups to) of the attendances with no account that
    count for the query, those of the period if one is given."""
    dated = (attended_at >= period.starts_at, attended_at < period.ends_before) if period else ()
    return (
        select()
        .select_from(Booking)
        .join(TrainingSession, TrainingSession.id == Booking.session_id)
        .where(
            Booking.user_id.is_(None),
            Booking.organisation_id.is_not(None),
            Booking.status == BookingStatus.BOOKED,
            Booking.attendance == Attendance.ATTENDED,
            TrainingSession.status != SessionStatus.CANCELLED,
            *((course == query.course,) if query.course else ()),
            *dated,
            *conditions,
        )
    )


def valid_now(query: ReportQuery):
    """The attendance is still valid: the session began less than the course's
    valid_for_months before now (from the catalogue); a course that does not expire, or
    that the catalogue no longer holds, stays valid."""
    months = {c.slug: c.valid_for_months for c in current_catalogue() if c.valid_for_months}
    return or_(
        course.not_in(list(months)),
        *(
            and_(course == slug, attended_at > add_months(query.now, -count))
            for slug, count in sorted(months.items())
        ),
    )


def period_arms(query: ReportQuery, period: Period, which: int) -> list:
    """period_counts' arms for the attendees with no account, per course and in all."""
    arms = []
    for level, key in (("course", course), ("total", literal(TOTAL))):
        arm = attendees(query, period).add_columns(
            literal(level),
            key,
            literal(which, Integer),
            func.count(distinct(person())),
            func.count(),
        )
        arms.append(arm.group_by(course) if level == "course" else arm)
    return arms


def with_attendees(query: ReportQuery, pairs):
    """The (organisation, course) pairs with the organisation's attendees of the course
    who have no account and whose attendance is valid now, each person once."""
    if not query.counts_attendees:
        return select(pairs, literal(0, Integer).label("attended")).cte("covered")
    attended = (
        attendees(query, None, valid_now(query))
        .add_columns(
            Booking.organisation_id.label("organisation_id"),
            course.label("course_slug"),
            func.count(distinct(person())).label("attended"),
        )
        .group_by(Booking.organisation_id, course)
        .cte("attended")
    )
    return (
        select(pairs, func.coalesce(attended.c.attended, 0).label("attended"))
        .select_from(
            pairs.outerjoin(
                attended,
                and_(
                    attended.c.organisation_id == pairs.c.organisation_id,
                    attended.c.course_slug == pairs.c.course_slug,
                ),
            )
        )
        .cte("covered")
    )
