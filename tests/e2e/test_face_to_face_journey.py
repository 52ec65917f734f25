"""A face-to-face WRAP session in Chromium, every page checked by axe at 1280 and 320 px
and looked at in screenshots at 1280 and 375 px:

- a learner books the last place, another joins the waiting list;
- the first cancels, and the place goes to the one waiting;
- on the day the facilitator keeps the register on a phone-sized screen, adds a walk-in
  with no email, and marks people;
- the learner then has a certificate that says where and by whom.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from elearn.config import PROJECT_DIR
from tests.e2e.helpers import PASSWORD, follow, sign_in

ADMIN = "f2f.cst@journey.example"
FACILITATOR = "f2f.facilitator@journey.example"
FIRST = "f2f.first@journey.example"
SECOND = "f2f.second@journey.example"
SHOTS = PROJECT_DIR / "test-output" / "screens" / "face-to-face"


@pytest.fixture(scope="module")
def world(server):
    from sqlalchemy.orm import Session

    from elearn.admin.operations import create_admin_user
    from elearn.extensions import db
    from elearn.models import Facilitator, TrainingSession, User, utcnow
    from tests.conftest import Factory

    app, _ = server
    with app.app_context():
        create_admin_user(ADMIN, "Cass Admin", PASSWORD)
        with Session(db.engine, expire_on_commit=False) as session:
            make = Factory(session)
            college = make.organisation("Journey College", sector="education", headcount=80)
            facilitator = make.user(FACILITATOR, "Faye Facilitator", org=college)
            make.user(FIRST, "Fin First", org=college)
            make.user(SECOND, "Sam Second", org=college)
            session.add(Facilitator(user_id=facilitator.id, organisation_id=college.id))
            admin = session.query(User).filter_by(email=ADMIN).one()
            starts = (utcnow() + timedelta(days=14)).replace(
                hour=10, minute=0, second=0, microsecond=0
            )
            training = TrainingSession(
                public_id="journeywrap0001",
                course_slug="wrap",
                title="WRAP for colleges",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                venue="Guildhall, Livery Hall",
                address="Gresham Street, London EC2V 7HH",
                access_notes="Step-free entrance on Basinghall Street. Hearing loop.",
                capacity=1,
                created_by_id=admin.id,
                facilitators=[facilitator],
            )
            session.add(training)
            session.commit()
            return {"session": training.id, "reference": training.public_id}


def look(page, accessibility, name: str) -> None:
    accessibility.check(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        assert not page.evaluate(
            "() => document.documentElement.scrollWidth > window.innerWidth + 1"
        ), f"{name} scrolls sideways at {width}px"
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def submit(page, locator) -> None:
    """Click a button whose answer is the same page again (with a message)."""
    with page.expect_navigation():
        locator.click()


def sign_out(page) -> None:
    page.context.clear_cookies()


def test_book_wait_promote_register_on_a_phone_and_certificate(server, page, world, accessibility):
    app, base = server
    session_page = f"{base}/sessions/{world['reference']}"

    # The first learner finds the session from the course page and books the last place.
    sign_in(page, base, FIRST)
    page.goto(f"{base}/courses/wrap")
    follow(page, page.get_by_role("link", name="Guildhall, Livery Hall", exact=False).first)
    expect(page.locator("h1")).to_have_text("WRAP for colleges")
    look(page, accessibility, "01-session")
    submit(page, page.get_by_role("button", name="Book a place"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your place is booked")
    look(page, accessibility, "02-booked")
    sign_out(page)

    # The second finds it full and joins the waiting list.
    sign_in(page, base, SECOND)
    page.goto(session_page)
    expect(page.locator("main")).to_contain_text("Full")
    submit(page, page.get_by_role("button", name="Join the waiting list"))
    expect(page.locator("main")).to_contain_text("You are number 1 on the waiting list")
    look(page, accessibility, "03-waiting")
    sign_out(page)

    # The first cancels: the place goes to the second.
    sign_in(page, base, FIRST)
    page.goto(session_page)
    submit(page, page.get_by_role("button", name="Cancel my place"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your booking is cancelled")
    sign_out(page)
    sign_in(page, base, SECOND)
    page.goto(f"{base}/my-training")
    expect(page.locator("main")).to_contain_text("WRAP for colleges")
    expect(page.locator("main")).to_contain_text("Booked")
    look(page, accessibility, "04-my-training")
    sign_out(page)

    # The day comes.
    from elearn.extensions import db
    from elearn.models import TrainingSession, utcnow

    with app.app_context():
        training = db.session.get(TrainingSession, world["session"])
        training.starts_at = utcnow() - timedelta(minutes=30)
        training.ends_at = utcnow() + timedelta(minutes=90)
        db.session.commit()

    # The facilitator keeps the register on a phone.
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, base, FACILITATOR)
    page.goto(f"{session_page}/register")
    expect(page.locator("h1")).to_contain_text("Register")
    page.get_by_label("Full name").fill("Wanda Walk-in")
    page.get_by_label("Organisation").select_option(label="Journey College")
    submit(page, page.get_by_role("button", name="Add to the register"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Wanda Walk-in")
    button = page.get_by_role("button", name="Attended – Sam Second")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 88, box  # a thumb's target
    submit(page, button)
    submit(page, page.get_by_role("button", name="Partly – Wanda Walk-in"))
    expect(page.locator("#register-counts")).to_contain_text("1 attended, 1 partly, 0 absent")
    expect(page.get_by_role("button", name="Attended – Sam Second")).to_have_attribute(
        "aria-pressed", "true"
    )
    look(page, accessibility, "05-register")
    sign_out(page)

    # The learner's certificate says where and by whom.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, SECOND)
    page.goto(f"{base}/certificates")
    expect(page.locator("main")).to_contain_text("Prevent")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download", exact=False).first.click()
    from pypdf import PdfReader

    text = " ".join(PdfReader(download.value.path()).pages[0].extract_text().split())
    assert "completed face-to-face on" in text and "Guildhall" in text, text
    assert "facilitated by Faye Facilitator" in text, text
    look(page, accessibility, "06-certificates")


MANAGER = "f2f.manager@journey.example"


def test_cst_schedules_a_session_and_a_manager_books_members(server, page, world, accessibility):
    from sqlalchemy.orm import Session

    from elearn.extensions import db
    from elearn.models import Organisation
    from tests.conftest import Factory

    app, base = server
    with app.app_context(), Session(db.engine, expire_on_commit=False) as session:
        college = session.query(Organisation).filter_by(name="Journey College").one()
        Factory(session).user(MANAGER, "Mo Manager", org=college, role="manager")

    sign_in(page, base, ADMIN)
    page.goto(f"{base}/sessions/facilitators")
    expect(page.locator("main")).to_contain_text("Faye Facilitator")
    look(page, accessibility, "10-facilitators")
    page.goto(f"{base}/sessions/new")
    look(page, accessibility, "11-schedule")
    page.get_by_label("Course").select_option(value="wrap")
    page.get_by_label("Name of the session (optional)").fill("WRAP for Corporation staff")
    page.locator("#day-day").fill("12")
    page.locator("#day-month").fill("3")
    page.locator("#day-year").fill("2027")
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("End time").fill("12:30pm")
    page.get_by_label("Venue").fill("Guildhall, Committee Room 4")
    page.get_by_label("Places").fill("25")
    page.get_by_label("Faye Facilitator", exact=False).check()
    follow(page, page.get_by_role("button", name="Save session"))
    expect(page.locator("h1")).to_have_text("WRAP for Corporation staff")
    expect(page.locator("main")).to_contain_text("Friday 12 March 2027, 10:00am to 12:30pm")
    reference = page.url.rsplit("/", 1)[1]
    page.goto(f"{base}/sessions/manage")
    look(page, accessibility, "12-manage")
    page.goto(f"{base}/sessions/{reference}/edit")
    look(page, accessibility, "13-edit")
    page.goto(f"{base}/sessions/{reference}/cancel")
    look(page, accessibility, "14-cancel")
    page.goto(f"{base}/reports")
    expect(page.locator("main")).to_contain_text("WRAP for Corporation staff")
    page.context.clear_cookies()

    sign_in(page, base, MANAGER)
    page.goto(f"{base}/sessions/{reference}/book-members")
    look(page, accessibility, "15-book-members")
    page.get_by_label("Fin First", exact=False).check()
    submit(page, page.get_by_role("button", name="Book selected members"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Booked 1 person")
    expect(page.locator("main")).to_contain_text("Fin First (Journey College): place")
