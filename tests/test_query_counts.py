"""The number of SQL queries a page runs does not grow with the rows it shows (no N+1)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from elearn.extensions import db
from elearn.models import ExternalRecord, Finding, Membership, QuizAttempt, utcnow


@contextmanager
def counted(app):
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def queries(app, browser, path: str) -> int:
    with counted(app) as statements:
        assert browser.client.get(path).status_code == 200
    return len(statements)


def grow(make, org, count: int) -> None:
    for _ in range(count):
        learner = make.user(org=org, team="Team")
        make.completion(learner)


@pytest.mark.parametrize(
    "path",
    ["/organisations/{org}/members", "/organisations/{org}", "/organisations/{org}/invitations"],
)
def test_manager_pages(app, browser, make, path):
    org = make.organisation()
    browser.sign_in(make.user(org=org, role="manager"))
    grow(make, org, 3)
    few = queries(app, browser, path.format(org=org.id))
    grow(make, org, 20)
    many = queries(app, browser, path.format(org=org.id))
    assert few == many, f"{path}: {few} queries for 4 members, {many} for 24"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/organisations",
        "/reports",
        "/reports?channel=face-to-face",
        "/certificates",
        "/admin",
        "/admin/organisations?q=organisation&status=approved&sector=business",
        "/admin/users",
        "/admin/users?q=person&kind=member&account=active",
    ],
)
def test_admin_pages(app, browser, make, path):
    admin = make.user(admin=True)
    browser.sign_in(admin)
    for _ in range(2):
        grow(make, make.organisation(), 2)
    few = queries(app, browser, path)
    for _ in range(8):
        grow(make, make.organisation(), 2)
    many = queries(app, browser, path)
    assert few == many, f"{path}: {few} queries, then {many} with five times the rows"


def sessions_with_bookings(make, session, org, count: int) -> None:
    """Face-to-face sessions past and to come, each with a member who attended, one with
    no account who attended and one who was absent."""
    from datetime import timedelta

    from elearn.models import Booking, TrainingSession, utcnow

    for days in range(-count, count):
        starts = utcnow() + timedelta(days=days * 7 + 1)
        training = TrainingSession(
            public_id=f"{make.count:0>32}",
            course_slug="basics",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=10,
        )
        make.count += 1
        session.add(training)
        session.flush()
        learner = make.user(org=org)
        for user_id, name, attendance in [
            (learner.id, None, "attended"),
            (None, f"Walk-in {make.count}", "attended"),
            (None, f"Absent {make.count}", "absent"),
        ]:
            session.add(
                Booking(
                    session_id=training.id,
                    user_id=user_id,
                    name=name,
                    organisation_id=org.id,
                    attendance=attendance,
                )
            )
    session.commit()


@pytest.mark.parametrize("path", ["/reports", "/reports?channel=face-to-face"])
def test_the_dashboard_costs_the_same_however_many_sessions(app, browser, make, session, path):
    """Sessions, bookings and attendees with no account are counted in SQL: the upcoming
    sessions and the no-show rate are one statement each, whatever their number."""
    browser.sign_in(make.user(admin=True))
    org = make.organisation()
    sessions_with_bookings(make, session, org, 1)
    few = queries(app, browser, path)
    sessions_with_bookings(make, session, org, 6)
    many = queries(app, browser, path)
    assert few == many, f"{path}: {few} queries for 2 sessions, {many} for 14"
    assert many <= 13, many  # the figures worked out (none are kept in the tests)


def test_my_training_and_course_pages_use_a_fixed_number_of_queries(app, browser, make):
    learner = make.user(org=make.organisation())
    browser.sign_in(learner)
    counts = {path: queries(app, browser, path) for path in ("/my-training", "/courses/basics")}
    assert counts["/my-training"] <= 10, counts
    assert counts["/courses/basics"] <= 8, counts


@pytest.mark.parametrize("path", ["/contacts", "/courses", "/courses/basics"])
def test_content_pages_for_a_visitor_read_nothing(app, browser, path):
    """Content is held in memory: a visitor's content pages run no query."""
    assert queries(app, browser, path) == 0


def waiting_for_cst(make, session, count: int) -> None:
    """Requests to register (some with look-alikes) and training done elsewhere."""
    for _ in range(count):
        kept = make.organisation(contact_email=f"boss@org{make.count}.example")
        make.user(org=kept, role="manager")
        make.organisation(
            f"The {kept.name} Ltd", status="pending", contact_email=f"x@org{kept.id}.example"
        )
        learner = make.user(org=kept)
        session.add(
            ExternalRecord(
                user_id=learner.id,
                course_slug="basics",
                provider="P",
                course_name="C",
                completed_on=date(2026, 1, 1),
            )
        )
    session.commit()


@pytest.mark.parametrize("path", ["/admin", "/admin/organisations?status=pending"])
def test_what_is_waiting_costs_the_same_however_much_waits(app, browser, make, session, path):
    browser.sign_in(make.user(admin=True))
    waiting_for_cst(make, session, 2)
    few = queries(app, browser, path)
    waiting_for_cst(make, session, 10)
    many = queries(app, browser, path)
    assert few == many, f"{path}: {few} queries for 2 requests, {many} for 12"


def history(make, session, learner, count: int) -> None:
    for _ in range(count):
        sequence = make.count
        make.certificate(make.completion(learner, sequence=sequence), f"{sequence:0>28}")
        session.add(
            QuizAttempt(
                public_id=f"{sequence:032x}",
                user_id=learner.id,
                course_slug=f"course-{sequence}",
                module_slug="check",
                course_version="1.0",
                status="submitted",
                questions=[],
                question_count=1,
                score=100,
                pass_mark=50,
                passed=True,
            )
        )
        session.add(Membership(user_id=learner.id, organisation_id=make.organisation().id))
        session.add(
            ExternalRecord(
                user_id=learner.id,
                course_slug="basics",
                provider="P",
                course_name="C",
                completed_on=date(2026, 1, 1),
            )
        )
        make.count += 1
    session.commit()


def test_a_person_s_page_costs_the_same_however_long_their_history(app, browser, make, session):
    browser.sign_in(make.user(admin=True))
    learner = make.user()
    history(make, session, learner, 2)
    few = queries(app, browser, f"/admin/users/{learner.id}")
    history(make, session, learner, 10)
    many = queries(app, browser, f"/admin/users/{learner.id}")
    assert few == many, f"{few} queries for a short history, {many} for a long one"


def test_the_quiz_and_its_result_cost_the_same_however_many_attempts(app, browser, make):
    """The quiz page (an open attempt shown) and a failed attempt's result read the
    learner's past attempts in one statement, not one for each attempt."""
    from tests.test_journey import COURSE, answer, open_quiz, read_modules

    browser.sign_in(make.user())
    read_modules(browser)

    def fail_once() -> tuple[int, int]:
        page, action = open_quiz(browser)  # the attempt is opened (written) here
        quiz = queries(app, browser, f"{COURSE}/check")  # and shown again here
        result = browser.post(action, answer(page, right=False)).response.headers["Location"]
        return quiz, queries(app, browser, result)

    few = fail_once()
    for _ in range(4):
        many = fail_once()
    assert few == many, f"quiz and result: {few} queries after one attempt, {many} after five"
    assert many[0] <= 5 and many[1] <= 5, many  # 4 on both engines today


# --- statements that read an index, not every row ------------------------------------------


def sqlite_plans(app, browser, path: str) -> list[tuple[str, str]]:
    """Each statement the page runs and SQLite's plan for it (EXPLAIN QUERY PLAN)."""
    with counted(app) as statements:
        assert browser.client.get(path).status_code == 200
    found = []
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            for statement in statements:
                if statement.lstrip().upper().startswith("SELECT"):
                    params = [None] * statement.count("?")
                    rows = connection.execute(f"EXPLAIN QUERY PLAN {statement}", params)
                    found.append((statement, " | ".join(row[3] for row in rows)))
        finally:
            connection.close()
    return found


@pytest.mark.parametrize(
    ("path", "table", "index"),
    [
        ("/admin/users", "user_account", "ix_user_account_name"),
        ("/admin", "user_account", "ix_user_account_erasure_waiting"),
        ("/admin", "membership", "ix_membership_role_active"),
        ("/admin/organisations", "membership", "ix_membership_role_active"),
        ("/organisations/{org}/members", "certificate", "ix_certificate_current"),
        ("/hub/triage/{finding}", "user_account", "ix_user_account_cst"),
    ],
)
def test_cst_and_member_pages_read_small_indexes(app, browser, make, session, path, table, index):
    """The people list's page by name, the count of those waiting to be erased, every
    organisation's current managers and an organisation's current certificates each
    read an index: at City scale (100,000 people, 105,000 memberships, 237,000
    certificates) reading every row took 7 to 30 ms."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's plans (PostgreSQL picks by its statistics)")
    org = make.organisation()
    admin = make.user(admin=True)
    make.user(org=org, role="manager")
    browser.sign_in(admin)
    finding = Finding(
        public_id="e" * 32,
        form_id="e" * 32,
        kind="graffiti",
        strand="race",
        description="x",
        place="x",
        postcode="EC2V 6DN",
        seen_at=utcnow(),
    )
    session.add(finding)
    session.commit()
    plans = sqlite_plans(app, browser, path.format(org=org.id, finding=finding.public_id))
    reading = [plan for statement, plan in plans if f"FROM {table}" in statement]
    assert any(index in plan for plan in reading), reading
    assert not any("TEMP B-TREE FOR ORDER BY" in plan for plan in reading), reading
