"""The emails about face-to-face sessions and their calendar events: what each person is
told when they book, wait, get a freed place, cancel, and when a session changes, is
cancelled or is two days away; each .ics parsed as a calendar program reads it."""

from __future__ import annotations

import email
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from email.message import Message
from pathlib import Path

import pytest
from icalendar import Calendar

from elearn import mail, schedule
from elearn.dates import london_moment
from elearn.extensions import db
from elearn.face_to_face import notifications
from elearn.face_to_face.bookings import book, cancel
from elearn.face_to_face.register import add_walk_in
from elearn.face_to_face.scheduling import (
    SessionDetails,
    cancel_session,
    create_session,
    edit_session,
)
from elearn.models import Booking, BookingStatus, ReminderLog, TrainingSession, User, utcnow

SUMMER = date(2027, 7, 8)  # British Summer Time: 10:00 in London is 09:00 UTC
WINTER = date(2027, 1, 14)  # Greenwich Mean Time: 10:00 in London is 10:00 UTC


# --- reading what was sent ------------------------------------------------------------------


def mails(app) -> list[Message]:
    folder = Path(app.config["MAIL_DIR"])
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def mails_to(app, person: User) -> list[Message]:
    return [message for message in mails(app) if message["To"] == person.email]


def only_mail_to(app, person: User) -> Message:
    found = mails_to(app, person)
    assert len(found) == 1, [message["Subject"] for message in found]
    return found[0]


def text_of(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def calendars(message: Message) -> list[Calendar]:
    return [
        Calendar.from_ical(part.get_payload(decode=True))
        for part in message.walk()
        if part.get_content_type() == "text/calendar"
    ]


def event_of(message: Message):
    """The one calendar (and its one event) attached to an email."""
    (calendar,) = calendars(message)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def clear_mail(app) -> None:
    for path in Path(app.config["MAIL_DIR"]).glob("*.eml"):
        path.unlink()


# --- sessions and people --------------------------------------------------------------------


def details(day: date = SUMMER, capacity: int = 10, **values) -> SessionDetails:
    return SessionDetails(
        **{
            "course_slug": "basics",
            "starts_at": london_moment(day, time(10)),
            "ends_at": london_moment(day, time(13)),
            "capacity": capacity,
            "title": "WRAP for colleges",
            "venue": "Guildhall",
            "address": "Gresham Street, London EC2V 7HH",
            "access_notes": "Step-free entrance on Basinghall Street.",
            **values,
        }
    )


@pytest.fixture
def cst(make) -> User:
    return make.user(full_name="Amira Khan", admin=True)


@dataclass(frozen=True)
class Scheduled:
    """A session as the test refers to it, outside any app context."""

    id: int
    public_id: str


def schedule_session(app, cst: User, **values) -> Scheduled:
    with app.app_context():
        created = create_session(details(**values), by=cst)
        return Scheduled(created.id, created.public_id)


def book_on(app, training: Scheduled, person: User, now: datetime | None = None) -> str:
    """Book `person` (by themselves): the booking's status."""
    with app.app_context():
        session = db.session.get(TrainingSession, training.id)
        return book(session, db.session.get(User, person.id), person, now=now).status


def booking_of(app, training: Scheduled, person: User) -> int:
    with app.app_context():
        return (
            db.session.query(Booking.id)
            .filter_by(session_id=training.id, user_id=person.id)
            .scalar()
        )


def cancel_place(app, training: Scheduled, person: User, now=None) -> None:
    with app.app_context():
        booking = db.session.get(Booking, booking_of(app, training, person))
        cancel(booking, db.session.get(User, person.id), now=now)


def session_page(training: Scheduled) -> str:
    return f"http://localhost/sessions/{training.public_id}"


# --- a place booked, and the waiting list ---------------------------------------------------


@pytest.mark.parametrize(("day", "utc_hour"), [(SUMMER, 9), (WINTER, 10)], ids=["summer", "winter"])
def test_a_place_booked_is_confirmed_with_a_calendar_event_at_the_right_moment(
    app, session, make, cst, day, utc_hour
):
    learner = make.user(email="priya@example.com", full_name="Priya Shah")
    training = schedule_session(app, cst, day=day)

    assert book_on(app, training, learner) == BookingStatus.BOOKED

    message = only_mail_to(app, learner)
    when = f"{day:%-d %B %Y}"
    assert message["Subject"] == f"Place booked: Basics of safeguarding, {when}"
    text = text_of(message)
    assert "Dear Priya Shah," in text
    assert f"When: {when} at 10:00am to 1:00pm" in text, "London time, winter or summer"
    assert "Where: Guildhall, Gresham Street, London EC2V 7HH" in text
    assert "Access: Step-free entrance on Basinghall Street." in text
    assert session_page(training) in text
    calendar, event = event_of(message)
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == f"session-{training.public_id}@localhost"
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event.decoded("DTSTART") == datetime.combine(day, time(utc_hour), tzinfo=UTC)
    assert event.decoded("DTEND") == datetime.combine(day, time(utc_hour + 3), tzinfo=UTC)
    assert f"DTSTART:{day:%Y%m%d}T{utc_hour:02}0000Z" in calendar.to_ical().decode()
    assert str(event["SUMMARY"]) == "Basics of safeguarding"
    assert str(event["LOCATION"]) == "Guildhall, Gresham Street, London EC2V 7HH"
    assert str(event["URL"]) == session_page(training)
    assert "Step-free entrance on Basinghall Street." in str(event["DESCRIPTION"])
    assert str(event["ATTENDEE"]) == "mailto:priya@example.com"
    assert str(event["ORGANIZER"]) == "mailto:no-reply@localhost"


def test_a_place_booked_by_a_manager_says_who_booked_it(app, session, make, cst):
    organisation = make.organisation("Barbican College")
    manager = make.user(full_name="Tom Reid", org=organisation, role="manager")
    learner = make.user(org=organisation)
    training = schedule_session(app, cst)
    with app.app_context():
        training_row = db.session.get(TrainingSession, training.id)
        book(training_row, db.session.get(User, learner.id), manager)

    assert "Tom Reid booked it for you." in text_of(only_mail_to(app, learner))
    assert mails_to(app, manager) == []


def test_an_online_session_gives_its_joining_link_as_where(app, session, make, cst):
    learner = make.user()
    training = schedule_session(
        app, cst, venue=None, address=None, online_url="https://meet.example.org/wrap"
    )
    book_on(app, training, learner)

    message = only_mail_to(app, learner)
    assert "Where: Online" in text_of(message)
    assert "Joining link: https://meet.example.org/wrap" in text_of(message)
    assert str(event_of(message)[1]["LOCATION"]) == "https://meet.example.org/wrap"


def test_the_waiting_list_is_told_so_with_no_calendar_event(app, session, make, cst):
    first, second = make.user(), make.user()
    training = schedule_session(app, cst, capacity=1)
    book_on(app, training, first)

    assert book_on(app, training, second) == BookingStatus.WAITING

    message = only_mail_to(app, second)
    assert message["Subject"].startswith("Waiting list: Basics of safeguarding")
    assert "you are on its waiting list" in text_of(message)
    assert calendars(message) == [], "no place yet: nothing for the calendar"


def test_in_a_request_the_email_goes_after_the_response(app, session, make, cst):
    learner = make.user()
    training = schedule_session(app, cst)
    with app.test_request_context("/sessions/book", method="POST"):
        training_row = db.session.get(TrainingSession, training.id)
        book(training_row, db.session.get(User, learner.id), learner)
        assert mails(app) == [], "not while the person waits for the page"
        response = app.process_response(app.response_class("Booked"))
    response.close()  # the server has sent it

    assert only_mail_to(app, learner)["Subject"].startswith("Place booked:")


def test_a_booking_stands_when_its_email_cannot_be_sent(app, session, make, cst, monkeypatch):
    learner = make.user()
    training = schedule_session(app, cst)

    def mail_server_down(message, folder):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(mail, "_write_file", mail_server_down)
    assert book_on(app, training, learner) == BookingStatus.BOOKED
    monkeypatch.undo()
    assert mails(app) == []
    with app.app_context():
        booking = db.session.get(Booking, booking_of(app, training, learner))
        assert booking.status == BookingStatus.BOOKED


# --- a place cancelled ----------------------------------------------------------------------


def test_a_cancelled_place_goes_to_the_first_waiting_who_is_told_with_the_event(
    app, session, make, cst
):
    booked, first_waiting, next_waiting = make.user(), make.user(), make.user()
    training = schedule_session(app, cst, capacity=1)
    for person in (booked, first_waiting, next_waiting):
        book_on(app, training, person)
    clear_mail(app)

    cancel_place(app, training, booked)

    cancelled = only_mail_to(app, booked)
    assert cancelled["Subject"].startswith("Booking cancelled: Basics of safeguarding")
    assert "Your place on this training session has been cancelled." in text_of(cancelled)
    calendar, event = event_of(cancelled)
    assert (calendar["METHOD"], event["STATUS"]) == ("CANCEL", "CANCELLED")
    assert str(event["UID"]) == f"session-{training.public_id}@localhost"

    promoted = only_mail_to(app, first_waiting)
    assert promoted["Subject"].startswith("A place is now yours: Basics of safeguarding")
    assert "it is now yours" in text_of(promoted)
    calendar, event = event_of(promoted)
    assert (calendar["METHOD"], event["STATUS"]) == ("REQUEST", "CONFIRMED")
    assert str(event["UID"]) == f"session-{training.public_id}@localhost"
    assert mails_to(app, next_waiting) == [], "still waiting: nothing new to tell"


def test_leaving_the_waiting_list_sends_no_calendar_cancellation(app, session, make, cst):
    booked, waiting = make.user(), make.user()
    training = schedule_session(app, cst, capacity=1)
    book_on(app, training, booked)
    book_on(app, training, waiting)
    clear_mail(app)

    cancel_place(app, training, waiting)

    message = only_mail_to(app, waiting)
    assert "You are no longer on the waiting list" in text_of(message)
    assert calendars(message) == []
    assert mails_to(app, booked) == []


# --- a session changed or cancelled ---------------------------------------------------------


def test_a_change_of_time_and_venue_tells_everyone_what_changed(app, session, make, cst):
    booked, waiting = make.user(), make.user()
    training = schedule_session(app, cst, capacity=1)
    book_on(app, training, booked)
    book_on(app, training, waiting)
    clear_mail(app)

    with app.app_context():
        changed = edit_session(
            db.session.get(TrainingSession, training.id),
            replace(
                details(capacity=1),
                starts_at=london_moment(SUMMER, time(14)),
                ends_at=london_moment(SUMMER, time(17)),
                venue="Barbican Library",
                address="Silk Street, London EC2Y 8DS",
            ),
            by=cst,
        )
    assert changed == ["Start", "End", "Venue", "Address"]

    for person in (booked, waiting):
        text = text_of(only_mail_to(app, person))
        assert "Start: now 8 July 2027 at 2:00pm (was 8 July 2027 at 10:00am)" in text
        assert "End: now 8 July 2027 at 5:00pm (was 8 July 2027 at 1:00pm)" in text
        assert "Venue: now Barbican Library (was Guildhall)" in text
        assert "Address: now Silk Street, London EC2Y 8DS" in text
        assert "When: 8 July 2027 at 2:00pm to 5:00pm" in text
    calendar, event = event_of(only_mail_to(app, booked))
    assert calendar["METHOD"] == "REQUEST"
    assert event["SEQUENCE"] == 1, "a calendar program replaces the event it has"
    assert str(event["UID"]) == f"session-{training.public_id}@localhost"
    assert event.decoded("DTSTART") == datetime(2027, 7, 8, 13, tzinfo=UTC)
    assert str(event["LOCATION"]) == "Barbican Library, Silk Street, London EC2Y 8DS"
    assert calendars(only_mail_to(app, waiting)) == []
    assert "You are still on the waiting list." in text_of(only_mail_to(app, waiting))


def test_a_change_no_one_acts_on_sends_nothing(app, session, make, cst):
    learner = make.user()
    training = schedule_session(app, cst)
    book_on(app, training, learner)
    clear_mail(app)

    with app.app_context():
        session_row = db.session.get(TrainingSession, training.id)
        assert edit_session(session_row, details(capacity=20), by=cst) == []

    assert mails(app) == []


def test_one_event_from_booking_to_change_to_cancellation(app, session, make, cst):
    learner = make.user()
    training = schedule_session(app, cst)
    book_on(app, training, learner)
    with app.app_context():
        edit_session(
            db.session.get(TrainingSession, training.id),
            details(access_notes="Lift to the first floor."),
            by=cst,
        )
        cancel_session(db.session.get(TrainingSession, training.id), "The room flooded.", cst)

    sent = mails_to(app, learner)
    assert [message["Subject"].split(":")[0] for message in sent] == [
        "Place booked",
        "Session changed",
        "Session cancelled",
    ]
    events = [event_of(message) for message in sent]
    assert {str(event["UID"]) for _, event in events} == {f"session-{training.public_id}@localhost"}
    assert [event["SEQUENCE"] for _, event in events] == [0, 1, 2]
    assert [calendar["METHOD"] for calendar, _ in events] == ["REQUEST", "REQUEST", "CANCEL"]
    assert "Access: now Lift to the first floor." in text_of(sent[1])


def test_a_cancelled_session_tells_everyone_and_cancels_the_places_events(app, session, make, cst):
    booked, waiting = make.user(), make.user()
    organisation = make.organisation()
    training = schedule_session(app, cst, capacity=1)
    book_on(app, training, booked)
    book_on(app, training, waiting)
    with app.app_context():
        add_walk_in(
            db.session.get(TrainingSession, training.id),
            cst,
            name="Walk-in With No Account",
            organisation=organisation,
        )
    clear_mail(app)

    with app.app_context():
        told = cancel_session(
            db.session.get(TrainingSession, training.id), "The room flooded.", cst
        )
    assert told == 3, "the walk-in is counted"

    message = only_mail_to(app, booked)
    assert message["Subject"] == "Session cancelled: Basics of safeguarding, 8 July 2027"
    assert "Reason: The room flooded." in text_of(message)
    calendar, event = event_of(message)
    assert (calendar["METHOD"], event["STATUS"]) == ("CANCEL", "CANCELLED")
    assert event["SEQUENCE"] == 1
    assert str(event["UID"]) == f"session-{training.public_id}@localhost"
    waiting_message = only_mail_to(app, waiting)
    assert "You were on its waiting list" in text_of(waiting_message)
    assert calendars(waiting_message) == []
    assert len(mails(app)) == 2, "the walk-in with no account gets no email"


# --- reminders ------------------------------------------------------------------------------


def test_everyone_with_a_place_is_reminded_once_two_days_before(app, session, make, cst):
    now = utcnow()
    earlier = now - timedelta(days=3)
    a, b, c, d, e = (make.user() for _ in range(5))
    soon = schedule_session(app, cst, capacity=3)
    with app.app_context():
        row = db.session.get(TrainingSession, soon.id)
        row.starts_at, row.ends_at = now + timedelta(hours=47), now + timedelta(hours=50)
        db.session.commit()
    for person in (a, b, d, c, e):  # c and e wait
        book_on(app, soon, person, now=earlier)
    cancel_place(app, soon, b, now=earlier + timedelta(hours=1))  # c has b's place
    later = schedule_session(app, cst)  # July: not yet
    book_on(app, later, a)
    clear_mail(app)

    schedule.send_session_reminders()  # the periodic task, through the queue
    schedule.send_session_reminders()  # the next hour's run

    reminded = [m for m in mails(app) if m["Subject"].startswith("Reminder:")]
    assert sorted(m["To"] for m in reminded) == sorted(p.email for p in (a, c, d))
    assert len(mails(app)) == 3
    message = reminded[0]
    text = text_of(message)
    assert "A reminder of the training session you have a place on." in text
    assert "Where: Guildhall, Gresham Street, London EC2V 7HH" in text
    assert "Access: Step-free entrance on Basinghall Street." in text
    assert session_page(soon) in text
    calendar, event = event_of(message)
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == f"session-{soon.public_id}@localhost"
    with app.app_context():
        assert db.session.get(TrainingSession, soon.id).reminded_at is not None
        assert db.session.get(TrainingSession, later.id).reminded_at is None
        assert db.session.query(ReminderLog).count() == 3


def test_a_reminder_waits_for_the_two_days_and_skips_those_just_booked(app, session, make, cst):
    early, late, online = make.user(), make.user(), make.user()
    starts = datetime(2027, 1, 14, 10, tzinfo=UTC)
    training = schedule_session(app, cst, day=WINTER, online_url="https://meet.example.org/w")
    book_on(app, training, early, now=starts - timedelta(days=10))
    book_on(app, training, late, now=starts - timedelta(hours=40))  # in the two days
    clear_mail(app)

    with app.app_context():
        assert notifications.send_session_reminders(starts - timedelta(hours=49)) == 0
        assert db.session.get(TrainingSession, training.id).reminded_at is None
        assert notifications.send_session_reminders(starts - timedelta(hours=47)) == 1
        assert notifications.send_session_reminders(starts - timedelta(hours=46)) == 0

    message = only_mail_to(app, early)
    assert "Joining link: https://meet.example.org/w" in text_of(message)
    assert "When: 14 January 2027 at 10:00am to 1:00pm" in text_of(message)
    assert event_of(message)[1].decoded("DTSTART") == starts
    assert mails_to(app, late) == []
    assert mails_to(app, online) == []


def test_a_cancelled_session_is_not_reminded(app, session, make, cst):
    learner = make.user()
    training = schedule_session(app, cst, day=WINTER)
    starts = datetime(2027, 1, 14, 10, tzinfo=UTC)
    book_on(app, training, learner, now=starts - timedelta(days=10))
    with app.app_context():
        cancel_session(db.session.get(TrainingSession, training.id), "", cst)
    clear_mail(app)

    with app.app_context():
        assert notifications.send_session_reminders(starts - timedelta(hours=47)) == 0
    assert mails(app) == []


# --- the email as a mail server gets it -----------------------------------------------------


def test_the_calendar_event_goes_to_a_mail_server_as_seven_bit_text(
    app, session, make, cst, monkeypatch
):
    learner = make.user(full_name="Zoë Ayşe")
    training = schedule_session(app, cst, venue="Café Zoë", address="Ñ Street")
    book_on(app, training, learner)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.org")
    with app.app_context():
        booking = db.session.get(Booking, booking_of(app, training, learner))
        message = notifications._place_email(booking, booking.user, "booked")

    assert message.as_bytes().isascii()
    parsed = email.message_from_bytes(message.as_bytes())
    assert parsed.get_content_type() == "multipart/mixed"
    assert "Dear Zoë Ayşe," in text_of(parsed)
    (part,) = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "session.ics"
    assert str(event_of(parsed)[1]["LOCATION"]) == "Café Zoë, Ñ Street"


def test_a_session_moved_to_another_day_is_reminded_again(app, session, make, cst):
    learner = make.user()
    training = schedule_session(app, cst, day=WINTER)
    starts = datetime(2027, 1, 14, 10, tzinfo=UTC)
    book_on(app, training, learner, now=starts - timedelta(days=10))
    with app.app_context():
        assert notifications.send_session_reminders(starts - timedelta(hours=47)) == 1
        moved = WINTER + timedelta(days=7)
        edit_session(
            db.session.get(TrainingSession, training.id),
            replace(
                details(day=moved),
                starts_at=london_moment(moved, time(10)),
                ends_at=london_moment(moved, time(13)),
            ),
            by=cst,
        )
        assert db.session.get(TrainingSession, training.id).reminded_at is None
        later = starts + timedelta(days=7)
        assert notifications.send_session_reminders(later - timedelta(hours=47)) == 1
        assert notifications.send_session_reminders(later - timedelta(hours=46)) == 0


def test_the_joining_link_goes_only_to_those_with_a_place(app, session, make, cst):
    placed, waiting = make.user(), make.user()
    link = "https://meet.example.org/wrap-1"
    training = schedule_session(app, cst, capacity=1, venue=None, online_url=link)
    book_on(app, training, placed)
    book_on(app, training, waiting)
    assert link in text_of(only_mail_to(app, placed))
    assert link not in text_of(only_mail_to(app, waiting))
    clear_mail(app)
    with app.app_context():
        edit_session(
            db.session.get(TrainingSession, training.id),
            details(capacity=1, venue=None, online_url=link + "-new"),
            by=cst,
        )
    assert link + "-new" in text_of(only_mail_to(app, placed))
    assert mails_to(app, waiting) == [], "only the link changed: nothing to tell them"
