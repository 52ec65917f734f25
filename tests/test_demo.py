"""`flask demo`: months of training across the City's sectors, loaded fast and safely twice."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pypdfium2
from sqlalchemy import func, select

from elearn.admin.demo import DEMO_ORGANISATION, DEMO_REQUEST
from elearn.courses.catalogue import current_catalogue
from elearn.dates import LONDON
from elearn.models import (
    Assignment,
    Booking,
    Certificate,
    Completion,
    CourseStanding,
    ExternalRecord,
    Membership,
    ModuleView,
    Organisation,
    TrainingSession,
    User,
    utcnow,
)
from tests.conftest import Browser
from tests.test_shipped_courses import shipped_app  # noqa: F401 - the fixture

TABLES = (
    Organisation,
    User,
    Membership,
    Assignment,
    Completion,
    Certificate,
    CourseStanding,
    ModuleView,
    ExternalRecord,
    TrainingSession,
    Booking,
)


def load_demo(app, session) -> str:
    """What `flask demo` printed."""
    command = ["demo"]
    if session.get_bind().dialect.name != "sqlite":
        command.append("--force")  # the demo's passwords are published: never by accident
    result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 0, result.output
    return result.output


def printed_accounts(output: str) -> dict[str, str]:
    return dict(re.findall(r"(\S+@example\.org)\s+password: (\S+)", output))


def counts(session) -> dict[str, int]:
    return {
        table.__name__: session.scalar(select(func.count()).select_from(table)) for table in TABLES
    }


def test_demo_command_prints_accounts_that_can_sign_in(app, browser, session):
    if session.get_bind().dialect.name != "sqlite":
        refused = app.test_cli_runner().invoke(args=["demo"])
        assert refused.exit_code == 1 and "--force" in refused.output
        assert session.scalar(select(func.count()).select_from(User)) == 0
    output = load_demo(app, session)  # with the tests' one-course catalogue
    assert "Sign in at http://localhost/sign-in" in output
    assert "read them at http://localhost/dev/mail" in output
    accounts = printed_accounts(output)
    assert len(accounts) == 4
    for address, password in accounts.items():
        browser.sign_in(address, password)
        browser.sign_out()
    assert session.scalar(select(func.count()).where(User.is_cst_admin)) == 1


def test_the_demo_is_never_loaded_in_production(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "ELEARN_ENV", "production")
    result = app.test_cli_runner().invoke(args=["demo", "--force"])
    assert result.exit_code == 1 and "not loaded in production" in result.output
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_the_demo_shows_months_of_training_across_sectors(shipped_app, session, figures):  # noqa: F811
    started = time.perf_counter()
    load_demo(shipped_app, session)
    took = time.perf_counter() - started
    loaded = counts(session)
    figures.append(
        f"demo, {session.get_bind().dialect.name}: loaded in {took:.2f} s: "
        + ", ".join(f"{count} {name}" for name, count in loaded.items())
    )
    assert took < 10
    with shipped_app.app_context():
        courses = {course.slug: course for course in current_catalogue()}

    organisations = session.scalars(select(Organisation)).all()
    assert [o.name for o in organisations if o.status == "pending"] == [DEMO_REQUEST]
    approved = [o for o in organisations if o.status == "approved"]
    assert len(approved) == 9
    assert {o.sector for o in approved} == {
        "corporation_department",
        "business",
        "further_education",
        "voluntary",
        "faith",
    }
    assert loaded["Membership"] == 179 and loaded["User"] == 180
    names = session.scalars(select(User.full_name)).all()
    assert sum(not name.isascii() for name in names) >= 10, "names from many communities"
    emails = session.scalars(select(User.email)).all()
    assert len(set(emails)) == 180
    assert all(re.fullmatch(r"[a-z0-9.-]+@[a-z.]+\.(example|org)", e) for e in emails), emails

    completions = session.scalars(select(Completion)).all()
    assert {c.course_slug for c in completions} == set(courses), "every course"
    assert {c.course_version for c in completions} == {
        courses[c.course_slug].version for c in completions
    }
    now = utcnow()
    recent = [c.completed_at for c in completions if c.method == "e-learning"]
    months = {moment.strftime("%Y-%m") for moment in recent if now - moment < timedelta(270)}
    assert len(months) >= 7, "spread over the last nine months"
    assert {c.method for c in completions} == {"e-learning", "face-to-face"}
    assert loaded["Certificate"] == len(completions), "a certificate for every completion"
    assert session.scalar(select(func.count()).where(Assignment.due_on < now.date())) >= 5

    expires = CourseStanding.expires_at
    expired = session.scalar(select(func.count()).where(expires <= now))
    soon = session.scalar(select(func.count()).where(expires > now, expires <= now + timedelta(30)))
    assert expired >= 3 and soon >= 3
    [waiting] = session.scalars(select(ExternalRecord)).all()
    assert waiting.status == "pending"
    assert loaded["ModuleView"] > 50, "people part-way through a course"


def test_loading_the_demo_twice_changes_nothing(shipped_app, session):  # noqa: F811
    load_demo(shipped_app, session)
    before = counts(session), set(session.scalars(select(Certificate.code)))
    load_demo(shipped_app, session)
    assert (counts(session), set(session.scalars(select(Certificate.code)))) == before


def test_the_demo_fills_the_dashboard_the_committee_paper_and_an_organisation(
    shipped_app,  # noqa: F811
    session,
):
    accounts = printed_accounts(load_demo(shipped_app, session))
    cst = Browser(shipped_app.test_client())
    cst.sign_in("cst.admin@example.org", accounts["cst.admin@example.org"])
    page = cst.get("/reports")
    headline = [
        int(number.get_text(strip=True).replace(",", ""))
        for number in page.soup.select(".app-figures__number")
    ]
    assert len(headline) == 5 and all(headline), f"every headline figure: {headline}"
    paper = cst.client.get("/reports/training-update.pdf")
    assert paper.status_code == 200 and paper.mimetype == "application/pdf"
    document = pypdfium2.PdfDocument(paper.get_data())
    text = " ".join(
        " ".join(document[index].get_textpage().get_text_range().split())
        for index in range(len(document))
    )
    assert f"{headline[0]} people completed training between" in text

    manager = Browser(shipped_app.test_client())
    manager.sign_in("manager@example.org", accounts["manager@example.org"])
    organisation = session.scalar(
        select(Organisation.id).where(Organisation.name == DEMO_ORGANISATION)
    )
    overview = manager.get(f"/organisations/{organisation}")
    completed = overview.soup.select("a[href*='status=completed']")
    assert len(completed) == 2 and all(int(a.get_text().split()[0]) > 0 for a in completed)
    members = manager.get(f"/organisations/{organisation}/members")
    assert "27 members." in members.text()
    for status in ("Overdue", "Expired", "Not started", "In progress", "Completed"):
        assert status in members.text(), status


def test_the_demo_gives_cst_only_real_decisions(shipped_app, session):  # noqa: F811
    """Every demo organisation has a manager, and the nursery's request shares nothing with
    another organisation, so CST's home shows the request with no duplicate warning."""
    from elearn.admin.tasks import waiting

    load_demo(shipped_app, session)
    now = utcnow()
    admin = session.scalar(select(User.id).where(User.email == "cst.admin@example.org"))
    with shipped_app.app_context():
        found = waiting(current_catalogue(), now.date(), now, admin)
    assert found.without_manager_total == 0
    joined = session.execute(
        select(User.created_at, func.min(Membership.joined_at))
        .join(Membership, Membership.user_id == User.id)
        .group_by(User.id)
    ).all()
    assert all(created <= first for created, first in joined), "an account before it joins"
    assert [r.name for r in found.registrations] == [DEMO_REQUEST]
    assert found.duplicates == {found.registrations[0].id: []}


def test_the_demo_has_sessions_past_and_to_come(shipped_app, session):  # noqa: F811
    load_demo(shipped_app, session)
    now = utcnow()
    sessions = {row.public_id: row for row in session.scalars(select(TrainingSession))}
    past = sessions["demo-wrap-staff-past"]
    assert past.starts_at < now and past.register_closed_at is None
    marks = session.execute(
        select(Booking.attendance, func.count())
        .where(Booking.session_id == past.id)
        .group_by(Booking.attendance)
    ).all()
    assert dict(marks) == {"attended": 7, "partly": 1, "absent": 1, None: 1}
    attended = session.scalar(
        select(func.count())
        .select_from(Completion)
        .where(Completion.method == "face-to-face", Completion.completed_at == past.starts_at)
    )
    assert attended == 6, "six with accounts; the walk-in counts without one"
    livery = sessions["demo-ct-livery-hall"]
    booked = session.scalar(select(func.count()).where(Booking.session_id == livery.id))
    assert livery.starts_at > now and livery.capacity - booked == 1, "one place left"
    assert all(s.starts_at.astimezone(LONDON).weekday() < 5 for s in sessions.values())
