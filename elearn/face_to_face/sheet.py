"""The sign-in sheet a facilitator prints before a session, for rooms with no phone signal:
everyone with a place, in the register's name order, a box to sign, and boxes to tick
for the mark afterwards; blank rows for people who had not booked.

Typeset by Typst from elearn/documents/sign_in_sheet.typ as a tagged PDF (see
elearn/documents/typesetting.py). Its rows are numbered and each page names the session's
reference (`public_id`), so the marks on a page can be matched to the register again. The
same session and bookings always give the same bytes: the document is dated when the
session was last changed.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from elearn.dates import LONDON
from elearn.documents.typesetting import tagged_pdf
from elearn.extensions import db
from elearn.face_to_face.register import register_of
from elearn.models import Booking, Organisation, TrainingSession
from elearn.web.filters import and_list, clock, london_date, weekday_date

WALK_IN_ROWS = 8
AUTHOR = "Community Safety Team, City of London Corporation"


def sign_in_sheet_pdf(session: TrainingSession, course_title: str) -> bytes:
    return tagged_pdf(
        "sign_in_sheet.typ",
        {"sheet": json.dumps(sheet_inputs(session, course_title), ensure_ascii=False)},
        session.updated_at or session.starts_at,
    )


def sheet_inputs(session: TrainingSession, course_title: str) -> dict:
    """What the sheet says, as plain strings (nothing in it is read as markup)."""
    booked = register_of(session)
    organisations = _organisation_names(booked)
    heading = f"{course_title} – {session.title}" if session.title else course_title
    return {
        "title": f"Sign-in sheet: {heading}, {london_date(session.starts_at)}",
        "author": AUTHOR,
        "course": course_title,
        "session": session.title or "",
        "date": london_date(session.starts_at),
        "when": time_span(session.starts_at, session.ends_at),
        "where": place(session),
        "facilitators": and_list(person.full_name for person in session.facilitators),
        "reference": session.public_id,
        "booked": [
            [booking.display_name, organisations.get(booking.organisation_id, "")]
            for booking in booked
        ],
        "walk_ins": WALK_IN_ROWS,
    }


def _organisation_names(bookings: list[Booking]) -> dict[int, str]:
    """Each booking's organisation's name, in one statement however many are booked."""
    ids = {booking.organisation_id for booking in bookings} - {None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
    )
    return {organisation_id: name for organisation_id, name in rows}


def time_span(starts_at: datetime, ends_at: datetime) -> str:
    """'Friday 11 December 2026, 10:00am to 12:30pm', in London time (the day again when
    a session ends on another day)."""
    start, end = starts_at.astimezone(LONDON), ends_at.astimezone(LONDON)
    same_day = end.date() == start.date()
    finish = clock(end) if same_day else f"{weekday_date(end)}, {clock(end)}"
    return f"{weekday_date(start)}, {clock(start)} to {finish}"


def place(session: TrainingSession) -> str:
    """'Guildhall, Gresham Street, London EC2V 7HH', or 'Online'."""
    if not session.venue:
        return "Online"
    lines = (line.strip().strip(",").strip() for line in (session.address or "").splitlines())
    return ", ".join([session.venue, *(line for line in lines if line)])
