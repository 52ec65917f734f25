"""The calendar event (.ics) sent with the emails about a face-to-face session.

Every email about one session carries the same event: one UID (the session's public id
on the site's host), so a calendar program updates or removes the event it already has
instead of adding another. A place confirmed, or a session changed, is METHOD:REQUEST
with the session's SEQUENCE (raised on each change people act on); a place or a session
cancelled is METHOD:CANCEL with STATUS:CANCELLED. Times are in UTC, which Outlook, Google
and Apple show in the reader's own time zone.
"""

from __future__ import annotations

import enum
from datetime import datetime
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event, vCalAddress

from elearn.courses.catalogue import current_catalogue
from elearn.mail import Attachment
from elearn.models import TrainingSession, utcnow

PRODUCT = "-//City of London Corporation//Community Safety e-learning//EN"


class Method(enum.StrEnum):
    REQUEST = "REQUEST"  # add the event, or update the one there is
    CANCEL = "CANCEL"  # remove it


def event_uid(session: TrainingSession) -> str:
    """The same for the session's whole life, whatever changes: 'session-<id>@<host>'."""
    host = urlsplit(current_app.config["ELEARN_BASE_URL"]).hostname or "elearn"
    return f"session-{session.public_id}@{host}"


def course_title(session: TrainingSession) -> str:
    """The course the session teaches, as the catalogue names it."""
    course = current_catalogue().get(session.course_slug)
    return course.title if course is not None else (session.title or session.course_slug)


def location(session: TrainingSession) -> str:
    """The venue and its address, or the joining link for a session online."""
    place = ", ".join(part.strip() for part in (session.venue, session.address) if part)
    return place or (session.online_url or "")


def _description(session: TrainingSession, url: str, method: Method) -> str:
    lines = []
    if method == Method.CANCEL:
        lines += ["Cancelled.", ""]
    if session.title:
        lines.append(session.title)
    if session.access_notes:
        lines.append(f"Access: {session.access_notes}")
    if session.online_url and session.venue:
        lines.append(f"Joining link: {session.online_url}")
    if method == Method.CANCEL:
        lines.append(f"The session's page: {url}")
    else:
        lines.append(f"Your booking, and how to cancel it: {url}")
    return "\n".join(lines)


def _organiser() -> vCalAddress:
    name, address = parseaddr(current_app.config["MAIL_FROM"])
    organiser = vCalAddress(f"mailto:{address}")
    if name:
        organiser.params["CN"] = name
    return organiser


def _attendee(email: str, method: Method) -> vCalAddress:
    attendee = vCalAddress(f"mailto:{email}")
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    if method == Method.REQUEST:
        attendee.params["PARTSTAT"] = "ACCEPTED"
    attendee.params["RSVP"] = "FALSE"  # booked on the site: nothing to answer
    return attendee


def session_calendar(
    session: TrainingSession,
    method: Method,
    attendee: str,
    url: str,
    now: datetime | None = None,
) -> bytes:
    """The iCalendar file for one person's place on the session: `attendee` is their
    email address, `url` the session's page."""
    event = Event()
    event.add("uid", event_uid(session))
    event.add("sequence", session.sequence)
    event.add("dtstamp", now or utcnow())
    event.add("last-modified", session.updated_at)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", course_title(session))
    event.add("location", location(session))
    event.add("url", url)
    event.add("description", _description(session, url, method))
    event.add("status", "CANCELLED" if method == Method.CANCEL else "CONFIRMED")
    event.add("organizer", _organiser())
    event.add("attendee", _attendee(attendee, method))
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", str(method))
    calendar.add_component(event)
    return calendar.to_ical()


def calendar_attachment(
    session: TrainingSession, method: Method, attendee: str, url: str
) -> Attachment:
    """The event as an email attachment, its method in the Content-Type as well (RFC 6047),
    which is how Outlook and Gmail know it for an invitation or a cancellation."""
    return Attachment(
        filename="cancelled.ics" if method == Method.CANCEL else "session.ics",
        mimetype="text/calendar",
        content=session_calendar(session, method, attendee, url).decode(),
        parameters=(("method", str(method)),),
    )
