"""A business registers, CST approves it, its manager invites staff by CSV (a file with a
mistake first), requires WRAP by a date, and sees a member's progress change. Then CST
reads the figures, drills down to the organisation and exports CSV and PDF."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from tests.e2e.helpers import PASSWORD, follow, latest_link, sign_in

ADMIN = "cst@journey.example"


@pytest.fixture(scope="module")
def admin(server):
    from elearn.admin.operations import create_admin_user

    with server[0].app_context():
        create_admin_user(ADMIN, "Casey CST", PASSWORD)
    return ADMIN


def person(browser_instance):
    context = browser_instance.new_context(viewport={"width": 1280, "height": 900})
    return context.new_page()


def accept_invitation(page, base: str, link: str, name: str) -> None:
    page.goto(base + link)
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Accept and create account"))


def test_business_registers_is_approved_invites_by_csv_and_follows_progress(
    server, page, browser_instance, admin, accessibility, tmp_path
):
    app, base = server
    page.goto(base + "/organisations/register")
    accessibility.check(page)
    page.get_by_label("Name of the business or institution").fill("Leadenhall Lloyd's Brokers")
    page.get_by_label("Business", exact=True).check()
    page.get_by_label("How many people work, study or volunteer there?").fill("60")
    page.get_by_label("Your full name").fill("Mo Manager")
    page.get_by_label("Your work email address").fill("mo@leadenhall.example")
    follow(page, page.get_by_role("button", name="Send request"))
    expect(page.locator("h1")).to_have_text("Request sent")
    accessibility.check(page)

    cst = person(browser_instance)
    sign_in(cst, base, admin)
    follow(cst, cst.get_by_role("link", name="Organisations", exact=True))
    accessibility.check(cst)
    follow(cst, cst.get_by_role("link", name="Leadenhall Lloyd's Brokers"))
    accessibility.check(cst)
    follow(cst, cst.get_by_role("button", name="Approve and invite Mo Manager"))
    expect(cst.get_by_role("alert")).to_contain_text("is approved")

    manager = person(browser_instance)
    accept_invitation(
        manager, base, latest_link(app, "mo@leadenhall.example", "/invitations/"), "Mo Manager"
    )
    expect(manager.locator("h1")).to_have_text("Overview")  # she lands on her checklist
    expect(manager.locator(".govuk-task-list")).to_contain_text("Invite your people")
    accessibility.check(manager)
    follow(manager, manager.locator(".app-subnav").get_by_role("link", name="Invite people"))
    accessibility.check(manager)

    bad = tmp_path / "staff-with-a-mistake.csv"
    bad.write_text("name;email;team\nPat Staff;pat@leadenhall.example;Claims\nNo Email;;Claims\n")
    manager.get_by_label("Upload a CSV file").set_input_files(str(bad))
    manager.get_by_role("button", name="Check file").click()
    summary = manager.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Line 3: enter an email address")
    accessibility.check(manager)

    good = tmp_path / "staff.csv"
    good.write_text(
        "\ufeffname,email,team\nPat Staff,pat@leadenhall.example,Claims\n"
        "Sam Staff,sam@leadenhall.example,Legal\n",
        encoding="utf-8",
    )
    manager.get_by_label("Upload a CSV file").set_input_files(str(good))
    follow(manager, manager.get_by_role("button", name="Check file"))
    expect(manager.locator("main")).to_contain_text("2 new invitations will be sent")
    accessibility.check(manager)
    follow(manager, manager.get_by_role("button", name="Send 2 invitations"))
    expect(manager.get_by_role("alert")).to_contain_text("2 invitations sent")

    # A sender cut short (a worker restarted) leaves an invitation waiting: the page says
    # so, and sends it.
    from elearn.extensions import db
    from elearn.models import Invitation

    with app.app_context():
        db.session.execute(
            update(Invitation)
            .where(Invitation.email == "sam@leadenhall.example")
            .values(last_sent_at=None)
        )
        db.session.commit()
    manager.reload()
    expect(manager.locator("#waiting")).to_contain_text("1 invitation is waiting to be sent")
    accessibility.check(manager)
    manager.get_by_role("button", name="Send it now").click()
    expect(manager.get_by_role("alert")).to_contain_text("1 invitation sent")

    follow(manager, manager.locator(".app-subnav").get_by_role("link", name="Required training"))
    accessibility.check(manager)
    due = date.today() + timedelta(days=30)
    manager.get_by_label("Course").select_option(
        label="WRAP: Workshop to Raise Awareness of Prevent"
    )
    manager.get_by_label("Day").fill(str(due.day))
    manager.get_by_label("Month").fill(str(due.month))
    manager.get_by_label("Year").fill(str(due.year))
    manager.get_by_role("button", name="Require course").click()
    expect(manager.get_by_role("alert")).to_contain_text("is now required")

    follow(manager, manager.locator(".app-subnav").get_by_role("link", name="Members and progress"))
    row = manager.locator("tbody tr", has_text="Mo Manager")
    expect(row.locator(".govuk-tag")).to_have_text("Not started")

    staff = person(browser_instance)
    accept_invitation(
        staff, base, latest_link(app, "pat@leadenhall.example", "/invitations/"), "Pat Staff"
    )
    item = staff.locator(".app-course-list__item", has_text="WRAP")
    expect(item).to_contain_text("Required")
    expect(item).to_contain_text(f"Due by {due.day} {due:%B %Y}")
    follow(staff, item.get_by_role("link", name=re.compile("^Start")))

    manager.reload()
    row = manager.locator("tbody tr", has_text="Pat Staff")
    expect(row.locator(".govuk-tag")).to_have_text("In progress")
    accessibility.check(manager)


def test_cst_reads_the_figures_drills_down_and_exports(server, page, admin, accessibility):
    _, base = server
    sign_in(page, base, admin)
    follow(page, page.get_by_role("link", name="Reports", exact=True))
    expect(page.locator("h1")).to_have_text("Training coverage")
    accessibility.check(page)
    follow(
        page,
        page.locator("table", has_text="Training by sector").get_by_role(
            "link", name="Business", exact=True
        ),
    )
    accessibility.check(page)
    follow(page, page.get_by_role("link", name="Leadenhall Lloyd's Brokers"))
    expect(page.locator("h1")).to_have_text("Leadenhall Lloyd's Brokers")
    follow(page, page.get_by_role("link", name="Reports", exact=True))
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Download training by sector (CSV)").click()
    csv_text = csv_download.value.path().read_text(encoding="utf-8-sig")
    assert csv_text.startswith("Sector,Organisations,Members")
    assert "Business" in csv_text
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name=re.compile("training update")).click()
    assert pdf_download.value.path().read_bytes().startswith(b"%PDF")
