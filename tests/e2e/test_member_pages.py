"""A manager's members, invitations and required training, and a learner's certificates,
in Chromium at 1280 and 375 px and on paper. axe checks every page (at 1280 and 320); on a
phone each table's rows are cards, so a member's status, an invitation's outcome and a
certificate's "Download" are on screen without scrolling sideways; on paper and at
desktop width they are tables.

ELEARN_SCREENSHOTS=1 also saves each page at both widths in test-output/member-pages/.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from elearn.config import PROJECT_DIR
from tests.e2e.helpers import PASSWORD, sign_in

MANAGER = "members.manager@journey.example"
NEW_MANAGER = "members.new@journey.example"
LEARNER = "members.learner@journey.example"
SHOTS = PROJECT_DIR / "test-output" / "member-pages"  # not under e2e/, emptied by each run
PAGE_SCROLLS_SIDEWAYS = "() => document.documentElement.scrollWidth > window.innerWidth + 1"
# The cells of stacked tables that reach beyond the screen's right edge.
CELLS_BEYOND = r"""() => [...document.querySelectorAll('main .app-stacked-table tbody > tr > *')]
  .filter(cell => cell.getClientRects().length)
  .filter(cell => cell.getBoundingClientRect().right > window.innerWidth + 1)
  .map(cell => cell.textContent.trim().slice(0, 40))"""


@pytest.fixture(scope="module")
def world(server):
    """Demo Insurance Brokers Ltd: a manager, members in teams and in none, two required
    courses (one of one team, overdue), certificates; and a new organisation with none."""
    from sqlalchemy.orm import Session

    from elearn.certificates.codes import new_code
    from elearn.extensions import db
    from elearn.models import Assignment, utcnow
    from tests.conftest import Factory

    app, _ = server
    with app.app_context(), Session(db.engine, expire_on_commit=False) as session:
        make = Factory(session)
        org = make.organisation("Demo Insurance Brokers Ltd")
        make.user(
            MANAGER, "Morgan Manager", org=org, role="manager", team="Claims", password=PASSWORD
        )
        learner = make.user(LEARNER, "Lee Learner", org=org, team="Claims", password=PASSWORD)
        for name, team in (
            ("Ana Silva", None),
            ("Bogdan Ionescu", "Operations"),
            ("Mohammed Rahman-Featherstonehaugh", "Operations"),
            ("Priya Shah", None),
            ("Zeynep Aydın", "Underwriting"),
        ):
            email = name.split()[0].lower() + "@brokers.example"
            make.user(email, name, org=org, team=team)
        for slug, title in (
            ("wrap", "WRAP: Workshop to Raise Awareness of Prevent"),
            ("counter-terrorism-awareness", "Counter-terrorism awareness for City organisations"),
        ):
            completion = make.completion(
                learner, slug, expires_at=utcnow() + timedelta(days=3 * 365)
            )
            make.certificate(completion, new_code(), course_title=title, course_version="2026.2")
        session.add_all(
            [
                Assignment(organisation_id=org.id, course_slug="wrap", due_on=date(2027, 1, 3)),
                Assignment(
                    organisation_id=org.id,
                    course_slug="counter-terrorism-awareness",
                    team="Operations",
                    due_on=date(2026, 11, 14),
                ),
            ]
        )
        empty = make.organisation("Cheapside Coffee Ltd")
        make.user(NEW_MANAGER, "Nia New", org=empty, role="manager", password=PASSWORD)
        session.commit()
        return {"org": org.id, "empty": empty.id}


@pytest.fixture
def page(browser_instance):
    """As conftest's `page`, but a form sent with a problem answers 400 here, which
    Chromium logs as a failed resource: that is the only console error expected."""
    context = browser_instance.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    expected = ("favicon", "status of 404", "status of 400")
    unexpected = [e for e in errors if not any(text in e for text in expected)]
    assert not unexpected, f"browser console errors: {unexpected}"


def shoot(page, name: str) -> None:
    if not os.environ.get("ELEARN_SCREENSHOTS"):
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def at_both_widths(page, accessibility, name: str, facts=()) -> None:
    """axe, then the page at 1280 and 375: nothing wider than the screen, and each of
    `facts` (locators) fully on screen at 375."""
    accessibility.check(page)
    shoot(page, name)
    page.set_viewport_size({"width": 375, "height": 900})
    try:
        assert not page.evaluate(PAGE_SCROLLS_SIDEWAYS), f"{name}: the page scrolls sideways"
        assert page.evaluate(CELLS_BEYOND) == [], f"{name}: cells beyond the screen"
        for fact in facts:  # not scrolled into view: that would scroll a table sideways
            box = fact.first.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 376, (name, box)
        shoot(page, name)
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def rows_display(page) -> str:
    return page.locator("main tbody tr").first.evaluate("row => getComputedStyle(row).display")


def test_a_manager_s_member_pages_at_1280_375_and_on_paper(server, page, world, accessibility):
    _, base = server
    org = world["org"]
    sign_in(page, base, MANAGER)

    page.goto(f"{base}/organisations/{org}/members")
    table = page.locator("main table")
    assert rows_display(page) == "table-row"
    overdue = page.locator("tbody tr", has_text="Bogdan Ionescu").locator(".govuk-tag").first
    expect(overdue).to_have_text("Overdue")
    at_both_widths(page, accessibility, "members", [overdue])
    page.set_viewport_size({"width": 375, "height": 900})
    assert rows_display(page) == "flex", "a card on a phone"
    expect(table).to_have_attribute("role", "table")
    label = page.locator("tbody tr", has_text="Bogdan Ionescu").locator(".app-stacked-table__label")
    expect(label.first).to_have_text("Team")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 680, "height": 900})  # A4 less 15mm margins
    assert rows_display(page) == "table-row", "a table on paper"
    expect(page.locator("main thead")).to_be_visible()
    expect(page.locator("main tbody input[type=checkbox]").first).to_be_hidden()
    expect(label.first).to_be_hidden()
    expect(page.get_by_role("heading", name="Put members in a team")).to_be_hidden()
    shoot(page, "members-print")
    assert page.evaluate(CELLS_BEYOND) == [], "the table fits the page"
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{base}/organisations/{org}/members?team=Operations&status=overdue")
    expect(page.locator("p[role=status]")).to_contain_text("2 members match")
    at_both_widths(page, accessibility, "members-filtered", [overdue])
    page.goto(f"{base}/organisations/{org}/members?team=Underwriting&status=overdue")
    expect(page.locator("p[role=status]")).to_contain_text("0 members match")
    shoot(page, "members-none")
    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator("p[role=status]")).to_have_text(re.compile(r"^\s*7 members\."))

    # Several members in a team at once; first with nothing chosen.
    page.get_by_role("button", name="Put selected members in this team").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the members")
    at_both_widths(page, accessibility, "members-team-error")
    page.get_by_label("Select Ana Silva").check()
    page.get_by_label("Select Priya Shah").check()
    page.locator("#bulk-team").select_option("Underwriting")
    page.get_by_role("button", name="Put selected members in this team").click()
    expect(page.get_by_role("alert")).to_contain_text("2 members are now in the Underwriting team")

    # One member's team, then a name refused.
    page.get_by_role("link", name="Ana Silva").click()
    expect(page.locator("h1")).to_have_text("Ana Silva")
    at_both_widths(page, accessibility, "member", [page.get_by_role("link", name="Change team")])
    page.get_by_label("Or a new team").fill("Claims\u202e")
    page.get_by_role("button", name="Save team").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("control characters")
    at_both_widths(page, accessibility, "member-team-error")
    page.get_by_label("Or a new team").fill("Front desk")
    page.get_by_role("button", name="Save team").click()
    expect(page.get_by_role("alert")).to_contain_text("Ana Silva is now in the Front desk team")

    # Removing her is asked first.
    page.get_by_role("button", name="Remove Ana Silva").click()
    expect(page.locator("h1")).to_have_text("Remove Ana Silva from Demo Insurance Brokers Ltd?")
    at_both_widths(page, accessibility, "remove-member")
    page.get_by_role("button", name="Remove Ana Silva").click()
    expect(page.get_by_role("alert")).to_contain_text("Ana Silva has been removed")

    # Inviting a list with a repeat, a member and a mistake.
    page.locator(".app-subnav").get_by_role("link", name="Invite people").click()
    page.get_by_label("Email addresses").fill(
        "Ana Silva <ana@brokers.example>; ben.jones@brokers.example\n"
        "ben.jones@brokers.example, members.learner@journey.example, not-an-email, bad@"
    )
    page.get_by_role("button", name="Check addresses").click()
    summary = page.locator(".govuk-error-summary__list li")
    expect(summary).to_have_count(2)
    expect(page.locator("#emails-error")).to_contain_text("There are 2 problems")
    at_both_widths(page, accessibility, "invite-problems")
    page.get_by_label("Email addresses").fill(
        "Ana Silva <ana@brokers.example>; ben.jones@brokers.example\n"
        "ben.jones@brokers.example, members.learner@journey.example"
    )
    page.get_by_role("button", name="Check addresses").click()
    expect(page.locator("h1")).to_have_text("Check who will be invited")
    member_row = page.locator("tbody tr", has_text="members.learner@journey.example")
    outcome = member_row.get_by_text("Already a member: nothing will be sent")
    repeat = page.locator("tbody tr", has_text="ben.jones").get_by_text("In the list 2 times")
    at_both_widths(page, accessibility, "invite-preview", [outcome, repeat])
    page.get_by_role("button", name="Send 2 invitations").click()
    expect(page.get_by_role("alert")).to_contain_text("2 invitations sent")
    withdraw = page.get_by_role("button", name="Withdraw invitation to ben.jones@brokers.example")
    at_both_widths(page, accessibility, "invitations", [withdraw])

    page.locator(".app-subnav").get_by_role("link", name="Required training").click()
    stop = page.get_by_role("link", name=re.compile("^Stop requiring Counter-terrorism"))
    expect(page.get_by_role("button", name="Require course")).to_be_visible()
    at_both_widths(page, accessibility, "assignments", [stop])

    page.locator(".app-subnav").get_by_role("link", name="Join code").click()
    page.get_by_role("button", name="Switch on a join code").click()
    expect(page.get_by_text("Share it in a staff briefing")).to_be_visible()
    page.get_by_role("button", name="Switch the code off").click()
    expect(page.get_by_role("link", name="invite them by email")).to_be_visible()
    expect(page.get_by_text("Share it in a staff briefing")).to_have_count(0)
    at_both_widths(page, accessibility, "join-code-off")


def test_a_new_organisation_is_told_it_has_no_certificates_yet(server, page, world, accessibility):
    _, base = server
    sign_in(page, base, NEW_MANAGER)
    page.goto(f"{base}/organisations/{world['empty']}/members")
    expect(page.get_by_text("No certificates to download yet")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("certificates \\(zip\\)"))).to_have_count(0)
    page.goto(f"{base}/organisations/{world['empty']}/certificates.zip")
    expect(page.locator("h1")).to_have_text("Everyone's certificates")
    expect(page.get_by_text("no current certificates yet")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Prepare"))).to_have_count(0)
    at_both_widths(page, accessibility, "certificates-none")


def test_a_learner_s_certificates_at_375_keep_download_on_screen(
    server, page, world, accessibility
):
    _, base = server
    sign_in(page, base, LEARNER)
    page.goto(f"{base}/certificates")
    downloads = page.get_by_role("link", name=re.compile("^Download"))
    expect(downloads).to_have_count(2)
    at_both_widths(page, accessibility, "certificates", [downloads.first, downloads.last])
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 680, "height": 900})
    assert rows_display(page) == "table-row"
    assert page.evaluate(CELLS_BEYOND) == [], "the table fits the page"
    shoot(page, "certificates-print")
    page.emulate_media(media="screen")
