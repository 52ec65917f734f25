"""Face-to-face sessions through HTTP: scheduling, booking and the waiting list, managers
booking members, the register and what it records, walk-ins, and who may do what."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, inspect, select

from elearn.dates import london_moment
from elearn.extensions import db
from elearn.face_to_face import bookings, register, scheduling
from elearn.models import (
    Attendance,
    AuditEvent,
    Booking,
    BookingStatus,
    Certificate,
    Completion,
    CourseStanding,
    Facilitator,
    Invitation,
    Role,
    TrainingSession,
    utcnow,
)
from elearn.web.forms import read_time


@pytest.fixture
def run(app, session):
    """Call domain code as a request would, in an application context of its own, with
    the test's objects found again there; the test's session then sees what it did."""

    def call(function, *args, **kwargs):
        with app.app_context():
            found = [_again(arg) for arg in args]
            result = function(*found, **{key: _again(value) for key, value in kwargs.items()})
            db.session.commit()
            identity = inspect(result).identity if _is_model(result) else None
            kind = type(result)
        session.expire_all()
        return session.get(kind, identity) if identity else result

    return call


def _is_model(value) -> bool:
    return hasattr(value, "__table__")


def _again(value):
    if _is_model(value):
        return db.session.get(type(value), inspect(value).identity)
    return value


RUN = None


def a_session(cst, capacity=2, days=10, **values) -> TrainingSession:
    # At 10:00 UTC, so that a session never runs past midnight, whatever time the test runs.
    starts = (utcnow() + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)
    details = scheduling.SessionDetails(
        course_slug="basics",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=capacity,
        venue="Guildhall, Livery Hall",
        address="Gresham Street, London EC2V 7HH",
        **values,
    )
    return RUN(scheduling.create_session, details, by=cst)


def booking_of(session, training, user_id):
    session.expire_all()
    return session.scalar(
        select(Booking).where(Booking.session_id == training.id, Booking.user_id == user_id)
    )


@pytest.fixture(autouse=True)
def _run_for_a_session(run):
    global RUN
    RUN = run


@pytest.fixture
def cst(make):
    return make.user(email="cst@example.com", full_name="Casey Admin", admin=True)


@pytest.fixture
def facilitator(make, session, cst):
    person = make.user(email="fac@example.com", full_name="Farah Facilitator")
    session.add(Facilitator(user_id=person.id, named_by_id=cst.id))
    session.commit()
    return person


def test_london_times_across_the_clock_changes():
    assert london_moment(date(2027, 7, 1), time(10)) == datetime(2027, 7, 1, 9, tzinfo=UTC)
    assert london_moment(date(2027, 1, 8), time(10)) == datetime(2027, 1, 8, 10, tzinfo=UTC)
    # 28 March 2027: clocks go forward at 1am; 25 October 2026: back at 2am.
    assert london_moment(date(2027, 3, 28), time(10)) == datetime(2027, 3, 28, 9, tzinfo=UTC)
    assert london_moment(date(2026, 10, 25), time(1, 30)) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )
    assert read_time("2:30pm") == time(14, 30) and read_time("10:00") == time(10)
    assert read_time("10") is None and read_time("25:00") is None and read_time("x") is None


def test_cst_schedules_a_session_with_the_form(browser, cst, facilitator, session):
    browser.sign_in(cst)
    page = browser.get("/sessions/new")
    assert page.h1 == "Schedule a session"
    data = {
        "course": "basics",
        "title": "WRAP for colleges",
        "day": ["12", "7", "2027"],
        "starts": "10:00",
        "ends": "12:30pm",
        "venue": "Guildhall",
        "address": "Gresham Street",
        "capacity": "30",
        "closes_hours_before": "24",
        "audience": "all",
        "organisation": "0",
        "facilitators": str(facilitator.id),
    }
    done = browser.post("/sessions/new", data)
    training = session.scalar(select(TrainingSession))
    assert done.response.headers["Location"].endswith(f"/sessions/{training.public_id}")
    assert training.starts_at == datetime(2027, 7, 12, 9, tzinfo=UTC)  # 10am BST
    assert training.ends_at == datetime(2027, 7, 12, 11, 30, tzinfo=UTC)
    assert [person.id for person in training.facilitators] == [facilitator.id]
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "session_created"))
    page = browser.get(f"/sessions/{training.public_id}")
    assert "Monday 12 July 2027, 10:00am to 12:30pm" in page.text()
    # Bad input: a clear message, nothing saved.
    bad = browser.post("/sessions/new", {**data, "ends": "9", "capacity": "lots"}, status=200)
    assert "Enter a time, for example 10:00 or 2:30pm" in bad.error_summary()
    for change, message in [
        ({"audience": "organisation"}, "Choose the organisation the session is for."),
        ({"audience": "sectors"}, "Choose at least one sector."),
        ({"ends": "9:00"}, "The session must end after it starts."),
        ({"organisation": "abc", "capacity": "-3"}, "Places must be between 1 and 1,000"),
    ]:
        refused = browser.post("/sessions/new", {**data, **change}, status=200)
        assert message in refused.error_summary(), (change, refused.error_summary())
    assert session.scalar(select(func.count()).select_from(TrainingSession)) == 1


def test_booking_a_full_session_waits_and_a_freed_place_goes_to_the_first(
    browser, make, cst, session
):
    training = a_session(cst, capacity=1)
    first, second, third = (make.user(full_name=name) for name in ("Ada", "Bo", "Cy"))
    browser.sign_in(first)
    browser.post(f"/sessions/{training.public_id}/book")
    browser.post(f"/sessions/{training.public_id}/book")  # a double submit counts once
    assert session.scalar(select(func.count()).select_from(Booking)) == 1
    browser.sign_out()
    for person in (second, third):
        browser.sign_in(person)
        browser.post(f"/sessions/{training.public_id}/book")
        browser.sign_out()
    statuses = dict(session.execute(select(Booking.user_id, Booking.status)).all())
    assert statuses == {
        first.id: BookingStatus.BOOKED,
        second.id: BookingStatus.WAITING,
        third.id: BookingStatus.WAITING,
    }
    browser.sign_in(third)
    assert (
        "You are number 2 on the waiting list"
        in browser.get(f"/sessions/{training.public_id}").text()
    )
    browser.sign_out()
    browser.sign_in(first)
    mine = booking_of(session, training, first.id)
    browser.post(f"/sessions/{training.public_id}/bookings/{mine.id}/cancel")
    session.expire_all()
    statuses = dict(session.execute(select(Booking.user_id, Booking.status)).all())
    assert statuses[first.id] == BookingStatus.CANCELLED
    assert statuses[second.id] == BookingStatus.BOOKED  # the first waiting
    assert statuses[third.id] == BookingStatus.WAITING
    # Someone else's booking is not found, whoever asks.
    other = booking_of(session, training, second.id)
    browser.post(f"/sessions/{training.public_id}/bookings/{other.id}/cancel", status=404)


def test_booking_closes_before_the_start(browser, make, cst, session):
    training = a_session(cst, days=0.5)  # closes 24 hours before: closed already
    learner = make.user()
    browser.sign_in(learner)
    page = browser.get(f"/sessions/{training.public_id}")
    assert "Booking for this session has closed" in page.text()
    browser.post(f"/sessions/{training.public_id}/book")
    assert session.scalar(select(func.count()).select_from(Booking)) == 0


def test_the_last_place_goes_to_one_of_two_at_once(app, make, cst, session):
    """Two people take the last place at the same moment: one gets it, one waits."""
    training = a_session(cst, capacity=1)
    people = [make.user(full_name="Racer One"), make.user(full_name="Racer Two")]
    session_id, person_ids = training.id, [person.id for person in people]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def take(person_id: int) -> None:
        try:
            with app.test_request_context(method="POST"):
                from elearn.models import User

                barrier.wait(timeout=10)
                found = db.session.get(TrainingSession, session_id)
                person = db.session.get(User, person_id)
                bookings.book(found, person, person)
                db.session.remove()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=take, args=(person_id,)) for person_id in person_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    session.expire_all()
    statuses = sorted(session.scalars(select(Booking.status)))
    assert statuses == [BookingStatus.BOOKED, BookingStatus.WAITING]


def test_a_session_for_one_organisation_is_not_found_by_others(browser, make, cst, session):
    college, firm = make.organisation("City College", sector="education"), make.organisation()
    student = make.user(org=college)
    outsider = make.user(org=firm)
    training = a_session(cst, audience="organisation", organisation_id=college.id)
    sectoral = a_session(cst, audience="sectors", sectors=["education"])
    browser.sign_in(outsider)
    browser.get(f"/sessions/{training.public_id}", status=404)
    browser.get(f"/sessions/{sectoral.public_id}", status=404)
    assert training.public_id not in browser.get("/sessions").response.get_data(as_text=True)
    browser.post(f"/sessions/{training.public_id}/book", status=404)
    browser.sign_out()
    browser.sign_in(student)
    listed = browser.get("/sessions").response.get_data(as_text=True)
    assert training.public_id in listed and sectoral.public_id in listed
    browser.post(f"/sessions/{training.public_id}/book")
    assert booking_of(session, training, student.id).organisation_id == college.id


def test_a_manager_books_members_who_are_told(browser, make, cst, session):
    firm = make.organisation("Firm")
    manager = make.user(org=firm, role=Role.MANAGER, full_name="Mina Manager")
    members = [make.user(org=firm, full_name=f"Member {n}") for n in range(3)]
    stranger = make.user(full_name="Not A Member")
    training = a_session(cst, capacity=2)
    browser.sign_in(manager)
    page = browser.get(f"/sessions/{training.public_id}/book-members")
    assert "Not A Member" not in page.text() and "Member 0" in page.text()
    browser.post(
        f"/sessions/{training.public_id}/book-members",
        {"members": [str(person.id) for person in members] + [str(stranger.id)]},
    )
    found = dict(session.execute(select(Booking.user_id, Booking.status)).all())
    assert stranger.id not in found
    assert sorted(found.values()) == ["booked", "booked", "waiting"]
    assert {booking.booked_by_id for booking in session.scalars(select(Booking))} == {manager.id}
    # The manager cancels a member's place from the same page: the next waiting has it.
    waiting = next(user_id for user_id, status in found.items() if status == "waiting")
    placed = next(user_id for user_id, status in found.items() if status == "booked")
    page = browser.get(f"/sessions/{training.public_id}/book-members")
    cancel = page.soup.find("button", string=lambda text: text and "booking" in text)
    assert cancel is not None
    booking = booking_of(session, training, placed)
    done = browser.post(f"/sessions/{training.public_id}/bookings/{booking.id}/cancel")
    assert done.response.headers["Location"].endswith("/book-members")
    assert booking_of(session, training, waiting).status == BookingStatus.BOOKED
    # A learner who manages nothing books no one.
    browser.sign_out()
    browser.sign_in(members[0])
    browser.get(f"/sessions/{training.public_id}/book-members", status=403)


def test_the_register_records_completions_and_a_correction_withdraws_them(
    browser, make, cst, facilitator, session
):
    firm = make.organisation("Firm")
    learner = make.user(org=firm, full_name="Lee Learner")
    training = a_session(cst, capacity=5, days=-1, facilitator_ids=[facilitator.id])
    training.closes_hours_before = 0
    session.commit()
    booking = Booking(
        session_id=training.id, user_id=learner.id, organisation_id=firm.id, status="booked"
    )
    session.add(booking)
    session.commit()
    browser.sign_in(facilitator)
    page = browser.get(f"/sessions/{training.public_id}/register")
    assert "Lee Learner" in page.text()
    browser.post(
        f"/sessions/{training.public_id}/register/{booking.id}", {"attendance": "attended"}
    )
    browser.post(
        f"/sessions/{training.public_id}/register/{booking.id}", {"attendance": "attended"}
    )
    completion = session.scalar(select(Completion).where(Completion.user_id == learner.id))
    assert completion.method == "face-to-face" and completion.completed_at == training.starts_at
    certificate = session.scalar(select(Certificate).where(Certificate.user_id == learner.id))
    assert certificate.delivered.startswith("on ") and "Guildhall" in certificate.delivered
    assert "facilitated by Farah Facilitator" in certificate.delivered
    assert session.scalar(select(func.count()).select_from(Completion)) == 1
    assert session.get(CourseStanding, (learner.id, "basics")) is not None
    # Corrected: the completion goes, the certificate is revoked, the standing with it.
    browser.post(f"/sessions/{training.public_id}/register/{booking.id}", {"attendance": "absent"})
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Completion)) == 0
    certificate = session.get(Certificate, certificate.id)
    assert certificate.revoked_at is not None and certificate.completion_id is None
    assert session.get(CourseStanding, (learner.id, "basics")) is None
    # Nonsense marks change nothing, and nor does a mark before the session starts.
    future = a_session(cst, capacity=5, facilitator_ids=[facilitator.id])
    early = Booking(session_id=future.id, user_id=learner.id, status="booked")
    session.add(early)
    session.commit()
    browser.post(f"/sessions/{future.public_id}/register/{early.id}", {"attendance": "attended"})
    session.expire_all()
    assert session.get(Booking, early.id).attendance is None
    browser.post(f"/sessions/{training.public_id}/register/{booking.id}", {"attendance": "x"})
    assert session.get(Booking, booking.id).attendance == Attendance.ABSENT
    # Once CST closes the register, the marks are final.
    browser.post(f"/sessions/{training.public_id}/register/close", status=403)
    browser.sign_out()
    browser.sign_in(cst)
    browser.post(f"/sessions/{training.public_id}/register/close")
    browser.post(
        f"/sessions/{training.public_id}/register/{booking.id}", {"attendance": "attended"}
    )
    assert session.scalar(select(func.count()).select_from(Completion)) == 0


def test_an_e_learning_completion_stands_when_a_mark_is_corrected(
    make, cst, facilitator, session, run
):
    learner = make.user()
    earlier = make.completion(learner, method="e-learning")
    training = a_session(cst, capacity=5, days=-1, facilitator_ids=[facilitator.id])
    booking = Booking(session_id=training.id, user_id=learner.id, status="booked")
    session.add(booking)
    session.commit()
    run(register.mark, booking, Attendance.ATTENDED, facilitator)
    run(register.mark, booking, Attendance.PARTLY, facilitator)
    remaining = session.scalars(select(Completion.id)).all()
    assert remaining == [earlier.id]
    assert session.get(CourseStanding, (learner.id, "basics")) is not None


def test_no_one_marks_their_own_attendance(browser, make, cst, facilitator, session):
    training = a_session(cst, capacity=5, days=-1, facilitator_ids=[facilitator.id])
    own = Booking(session_id=training.id, user_id=facilitator.id, status="booked")
    session.add(own)
    session.commit()
    browser.sign_in(facilitator)
    browser.post(
        f"/sessions/{training.public_id}/register/{own.id}", {"attendance": "attended"}, status=403
    )
    assert session.scalar(select(func.count()).select_from(Completion)) == 0


def test_walk_ins_by_name_and_by_email(browser, make, cst, facilitator, session, run):
    firm = make.organisation("Firm")
    known = make.user(email="known@example.com", full_name="Known Person")
    training = a_session(cst, capacity=1, days=-1, facilitator_ids=[facilitator.id])
    browser.sign_in(facilitator)
    path = f"/sessions/{training.public_id}/register/walk-in"
    browser.post(path, {"name": "Nadia Noemail", "organisation": str(firm.id)})
    browser.post(path, {"email": "known@example.com", "organisation": "0"})
    browser.post(path, {"email": "new.person@example.com", "organisation": str(firm.id)})
    browser.post(path, {"name": "", "email": "", "organisation": "0"})  # nothing to add
    rows = session.scalars(select(Booking).order_by(Booking.id)).all()
    assert [(row.name, row.user_id, row.email) for row in rows] == [
        ("Nadia Noemail", None, None),
        (None, known.id, None),
        (None, None, "new.person@example.com"),
    ]
    assert all(row.status == BookingStatus.BOOKED and row.walk_in for row in rows)
    invitation = session.scalar(
        select(Invitation).where(Invitation.email == "new.person@example.com")
    )
    assert invitation is not None and invitation.organisation_id == firm.id
    for row in rows:
        browser.post(
            f"/sessions/{training.public_id}/register/{row.id}", {"attendance": "attended"}
        )
    # Only the one with an account has a completion; the others count without one.
    assert session.scalars(select(Completion.user_id)).all() == [known.id]
    # The invited walk-in accepts: their attendance becomes their completion.
    from elearn.organisations.invitations import accept_invitation

    newcomer = make.user(email="new.person@example.com", full_name="New Person")
    run(accept_invitation, invitation, newcomer)
    assert sorted(session.scalars(select(Completion.user_id)).all()) == sorted(
        [known.id, newcomer.id]
    )


def test_editing_and_cancelling_a_session(browser, make, cst, facilitator, session, run):
    training = a_session(cst, capacity=1, facilitator_ids=[facilitator.id])
    learner, waiting = make.user(), make.user()
    run(bookings.book, training, learner, learner)
    run(bookings.book, training, waiting, waiting)
    browser.sign_in(facilitator)
    page = browser.get(f"/sessions/{training.public_id}/edit")
    form = {
        field["name"]: field.get("value", "")
        for field in page.soup.select("form input[name]")
        if field.get("type") not in ("checkbox", "radio", "submit")
    }
    form.update(
        {
            "day": [field["value"] for field in page.soup.select("input[name=day]")],
            "course": "basics",
            "audience": "all",
            "organisation": "0",
            "facilitators": str(facilitator.id),
            "venue": "Mansion House",
            "capacity": "2",
            "address": "",
            "access_notes": "",
        }
    )
    browser.post(f"/sessions/{training.public_id}/edit", form)
    session.expire_all()
    assert session.get(TrainingSession, training.id).venue == "Mansion House"
    assert booking_of(session, training, waiting.id).status == BookingStatus.BOOKED
    browser.post(f"/sessions/{training.public_id}/cancel", {"reason": "Venue closed"})
    session.expire_all()
    assert session.get(TrainingSession, training.id).is_cancelled
    assert (
        "This session has been cancelled: Venue closed"
        in browser.get(f"/sessions/{training.public_id}").text()
    )


def test_who_may_run_a_session(browser, make, cst, facilitator, session):
    training = a_session(cst)
    firm = make.organisation()
    manager = make.user(org=firm, role=Role.MANAGER)
    learner = make.user(org=firm)
    for person in (learner, manager, facilitator):  # facilitator: not of this session
        browser.sign_in(person)
        for path in ("register", "edit", "cancel", "sign-in-sheet.pdf"):
            browser.get(f"/sessions/{training.public_id}/{path}", status=403)
        browser.get("/sessions/facilitators", status=403)
        browser.sign_out()
    browser.sign_in(learner)
    browser.get("/sessions/new", status=403)
    browser.get("/sessions/manage", status=403)


def test_cst_names_and_removes_facilitators(browser, make, cst, session):
    college = make.organisation("City College", sector="education")
    person = make.user(email="wrap@college.ac.uk", full_name="Wren Wrap")
    browser.sign_in(cst)
    browser.post(
        "/sessions/facilitators", {"email": "WRAP@college.ac.uk", "organisation": str(college.id)}
    )
    named = session.get(Facilitator, person.id)
    assert named is not None and named.organisation_id == college.id
    page = browser.post(
        "/sessions/facilitators", {"email": "nobody@example.com", "organisation": "0"}, status=200
    )
    assert "There is no account with that email address" in page.text()
    browser.post(f"/sessions/facilitators/{person.id}/remove")
    session.expire_all()
    assert session.get(Facilitator, person.id) is None


def test_course_page_and_my_training_show_sessions(browser, make, cst, session):
    learner = make.user()
    training = a_session(cst, title="WRAP in the Livery Hall")
    browser.sign_in(learner)
    course = browser.get("/courses/basics")
    assert training.public_id in course.response.get_data(as_text=True)
    browser.post(f"/sessions/{training.public_id}/book")
    mine = browser.get("/my-training")
    assert "WRAP in the Livery Hall" in mine.text() and "Booked" in mine.text()


def test_session_pages_cost_the_same_however_many_are_booked(app, browser, make, cst, session):
    from tests.test_query_counts import queries

    firm = make.organisation("Firm")
    past = a_session(cst, capacity=50, days=-1)
    coming = [a_session(cst, capacity=50, days=days) for days in (3, 4)]
    learner = make.user(org=firm)

    def book(count: int) -> None:
        for _ in range(count):
            person = make.user(org=firm)
            for training in (past, *coming):
                session.add(
                    Booking(
                        session_id=training.id,
                        user_id=person.id,
                        organisation_id=firm.id,
                        status="booked",
                        attendance="attended" if training is past else None,
                    )
                )
        session.add(Booking(session_id=past.id, name=f"Walk-in {count}", organisation_id=firm.id))
        session.commit()

    paths = [
        f"/sessions/{past.public_id}",
        f"/sessions/{past.public_id}/register",
        "/sessions/manage",
        "/sessions",
    ]
    book(2)
    for training in coming:
        session.add(Booking(session_id=training.id, user_id=learner.id, status="booked"))
    session.commit()
    browser.sign_in(cst)
    few = [queries(app, browser, path) for path in paths]
    book(10)
    many = [queries(app, browser, path) for path in paths]
    assert few == many, dict(zip(paths, zip(few, many, strict=True), strict=True))
    browser.sign_out()
    browser.sign_in(learner)
    assert queries(app, browser, "/my-training") == queries(app, browser, "/my-training")
    from tests.test_query_counts import counted

    with counted(app) as statements:
        assert browser.client.get("/courses/basics").status_code == 200
    about_sessions = [text for text in statements if "training_session" in text]
    assert len(about_sessions) == 1, "sessions, who may see them and places: one statement"


def test_the_register_files_names_as_people_read_them():
    names = ["Zoë Zielinski", "Łukasz Nowak", "Ádám Kovács", "mary Lee", "Nguyễn Lan"]
    assert sorted(names, key=register.name_order) == [
        "Ádám Kovács",
        "Łukasz Nowak",
        "mary Lee",
        "Nguyễn Lan",
        "Zoë Zielinski",
    ]


def test_a_visitor_sees_a_session_open_to_all_but_not_who_runs_it(browser, cst, facilitator):
    training = a_session(cst, facilitator_ids=[facilitator.id])
    page = browser.get(f"/sessions/{training.public_id}")
    assert "Sign in to book a place" in page.text()
    assert "Farah Facilitator" not in page.text()
    browser.post(f"/sessions/{training.public_id}/book", status=302)  # to sign in
