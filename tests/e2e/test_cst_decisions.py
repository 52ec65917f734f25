"""CST's decisions in Chromium, at 1280 and 375 px, every page checked by axe:

- merging a duplicate: find the organisation to keep (none chosen), read what moves,
  then merge;
- an approved registration shows as "manager invited", and an organisation with no
  manager gets one from its CST page;
- training done elsewhere: a learner asked to choose their file again, a manager who
  must give a reason to reject, CST accepting after reading what it records, the
  decided list, and the learner's "Completed elsewhere";
- a sector's organisations a page at a time, and content due for review.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from elearn.config import PROJECT_DIR
from tests.e2e.helpers import PASSWORD, follow, sign_in

ADMIN = "decisions.cst@journey.example"
MANAGER = "decisions.manager@journey.example"
LEARNER = "decisions.learner@journey.example"
OTHER = "decisions.other@journey.example"
SHOTS = PROJECT_DIR / "test-output" / "screens" / "cst-decisions"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF"


@pytest.fixture(scope="module")
def world(server):
    """A duplicate organisation and the one to keep; a business whose manager has a
    member's evidence to check; a sector with more organisations than fit on a page."""
    from sqlalchemy.orm import Session

    from elearn.admin.operations import create_admin_user
    from elearn.extensions import db
    from elearn.models import ExternalRecord, OrganisationDomain
    from tests.conftest import Factory

    app, _ = server
    with app.app_context():
        create_admin_user(ADMIN, "Dana Decider", PASSWORD)
        with Session(db.engine, expire_on_commit=False) as session:
            make = Factory(session)
            kept = make.organisation("Decisions Coffee Limited", headcount=40)
            session.add(OrganisationDomain(organisation_id=kept.id, domain="beans.example"))
            duplicate = make.organisation("The Decisions Coffee Co", headcount=5)
            make.user("barista@beans.example", "Bea Barista", org=duplicate)
            make.organisation("Decisions Nobody Manages", sector="voluntary")
            bank = make.organisation("Decisions Bank", headcount=30)
            make.user(MANAGER, "Martha Manager", org=bank, role="manager")
            learner = make.user(LEARNER, "Lee Decisions", org=bank)
            other = make.user(OTHER, "Ola Decisions", org=bank)
            for number in range(30):
                # A sector of their own: other journeys look for theirs on a sector's page 1.
                make.organisation(f"Decisions Firm {number:02}", sector="other", headcount=10)
            for who, course, name in (
                (learner, "wrap", "Prevent awareness e-learning"),
                (other, "hate-crime", "Hate crime awareness"),
            ):
                session.add(
                    ExternalRecord(
                        user_id=who.id,
                        course_slug=course,
                        provider="Home Office",
                        course_name=name,
                        completed_on=date(2026, 2, 3),
                        evidence=PDF,
                        evidence_type="application/pdf",
                    )
                )
            session.commit()
            return {"kept": kept.id, "duplicate": duplicate.id, "bank": bank.id}


def look(page, accessibility, name: str) -> None:
    """axe at 1280 and 320 px, then a full-page screenshot at 1280 and 375 px to read."""
    accessibility.check(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        assert not page.evaluate(
            "() => document.documentElement.scrollWidth > window.innerWidth + 1"
        ), f"{name} scrolls sideways at {width}px"
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_cst_merges_a_duplicate_after_choosing_and_reading_what_moves(
    server, page, world, accessibility
):
    _, base = server
    sign_in(page, base, ADMIN)
    page.goto(f"{base}/admin/organisations/{world['duplicate']}")
    look(page, accessibility, "01-organisation")
    merge = page.get_by_role("search", name="The organisation to keep")
    expect(merge.get_by_role("combobox")).to_have_count(0)  # no select, nothing chosen
    follow(page, merge.get_by_role("button", name="Find the organisation to keep"))
    expect(page.locator("h1")).to_have_text("Which organisation do you want to keep?")
    expect(page.get_by_role("link", name="Keep Decisions Coffee Limited")).to_be_visible()
    look(page, accessibility, "02-merge-suggestions")
    page.get_by_label("Name or email domain of the organisation to keep").fill("beans.example")
    page.get_by_role("button", name="Find organisations").click()
    expect(page.locator("main")).to_contain_text("1 approved organisation matches")
    look(page, accessibility, "03-merge-search")
    follow(page, page.get_by_role("link", name="Keep this one (Decisions Coffee Limited)"))
    expect(page.locator("h1")).to_have_text(
        "Merge The Decisions Coffee Co into Decisions Coffee Limited?"
    )
    expect(page.locator("#what-moves")).to_contain_text("1 member")
    expect(page.locator("main")).to_contain_text("A merge cannot be undone.")
    look(page, accessibility, "04-merge-confirm")
    follow(page, page.get_by_role("button", name="Merge into Decisions Coffee Limited"))
    expect(page.locator("h1")).to_have_text("Decisions Coffee Limited")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The Decisions Coffee Co has been merged into Decisions Coffee Limited."
    )


def test_cst_invites_a_manager_for_an_organisation_with_none(
    server, browser_instance, world, accessibility
):
    """In a context of its own: the form shown again with its errors answers 400, which
    the `page` fixture's console check would count as an error."""
    _, base = server
    context = browser_instance.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, ADMIN)
    page.goto(base + "/admin/organisations?status=approved&manager=none&q=nobody")
    follow(page, page.get_by_role("link", name="Decisions Nobody Manages"))
    page.get_by_role("button", name="Invite as manager").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the full name of the person to invite"
    )
    look(page, accessibility, "05-invite-manager-error")
    page.get_by_label("Full name").fill("Nia Nobody")
    page.get_by_label("Email address").fill("nia@nobody.example")
    page.get_by_role("button", name="Invite as manager").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Nia Nobody has been invited to manage Decisions Nobody Manages."
    )
    expect(page.locator("main")).to_contain_text("Invited Nia Nobody nia@nobody.example")
    look(page, accessibility, "06-manager-invited")
    page.goto(base + "/admin")
    expect(page.locator(".govuk-summary-list")).to_contain_text(
        "Approved organisations with a manager invited"
    )
    look(page, accessibility, "07-tasks")
    context.close()


def test_training_done_elsewhere_is_decided_with_reasons_and_shown_to_the_learner(
    server, page, browser_instance, world, accessibility, tmp_path
):
    _, base = server
    sign_in(page, base, LEARNER)
    page.goto(base + "/certificates/external")
    page.get_by_label("Which of our courses does it match?").select_option(
        label="WRAP: Workshop to Raise Awareness of Prevent"
    )
    page.get_by_label("Who provided the training?").fill("Home Office")
    page.get_by_label("Name of the course").fill("Prevent refresher")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2026")
    evidence = tmp_path / "certificate.pdf"
    evidence.write_bytes(PDF)
    page.get_by_label("Upload your certificate (optional)").set_input_files(str(evidence))
    page.get_by_role("button", name="Send for checking").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Choose your file again (certificate.pdf)"
    )
    look(page, accessibility, "08-external-error")

    manager = browser_instance.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(manager, base, MANAGER)
    manager.goto(f"{base}/organisations/{world['bank']}/external")
    look(manager, accessibility, "09-manager-external-list")
    follow(manager, manager.get_by_role("link", name=re.compile("^Lee Decisions")))
    expect(manager.locator(".app-subnav [aria-current=page]")).to_have_text(
        "Training done elsewhere"
    )
    look(manager, accessibility, "10-manager-decide")
    manager.get_by_role("button", name="Reject it").click()
    expect(manager.locator(".govuk-error-summary")).to_contain_text(
        "Enter why you are rejecting it"
    )
    look(manager, accessibility, "11-manager-decide-error")
    expect(manager.locator("#accepting")).to_contain_text(
        "WRAP: Workshop to Raise Awareness of Prevent completed on 3 February 2026, valid until"
    )
    follow(manager, manager.get_by_role("button", name="Accept and record it"))
    expect(manager.locator(".govuk-notification-banner")).to_contain_text(
        "You accepted Lee Decisions's record of Prevent awareness e-learning."
    )
    expect(manager.locator("#decided ~ div table")).to_contain_text("Martha Manager")
    look(manager, accessibility, "12-manager-decided")
    manager.context.close()

    cst = browser_instance.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(cst, base, ADMIN)
    cst.goto(base + "/admin/external")
    follow(cst, cst.get_by_role("link", name=re.compile("^Ola Decisions")))
    look(cst, accessibility, "13-admin-decide")
    cst.get_by_label("Why are you rejecting it?").fill(
        "The certificate does not show your name. Upload one that does."
    )
    follow(cst, cst.get_by_role("button", name="Reject it"))
    look(cst, accessibility, "14-admin-decided")
    follow(cst, cst.locator("#decided ~ div table").get_by_role("link", name=re.compile("^Ola")))
    expect(cst.locator("main")).to_contain_text("The certificate does not show your name.")
    look(cst, accessibility, "15-admin-decided-record")
    cst.context.close()

    page.goto(base + "/my-training")
    item = page.locator(".app-course-list__item", has_text="WRAP")
    expect(item.locator(".govuk-tag").first).to_have_text("Completed elsewhere")
    expect(item.locator("progress")).to_have_count(0)
    expect(item).to_contain_text("Completed elsewhere on 3 February 2026")
    look(page, accessibility, "16-my-training")


def test_a_sector_is_paged_and_searched(server, page, world, accessibility):
    _, base = server
    sign_in(page, base, ADMIN)
    page.goto(base + "/reports/sectors/other")
    expect(page.locator(".govuk-pagination")).to_be_visible()
    expect(page.locator("table.app-report-table thead")).not_to_contain_text("Sector")
    look(page, accessibility, "17-sector")
    page.get_by_label("Organisation name").fill("firm 1")
    page.get_by_role("button", name="Find organisations").click()
    expect(page.locator("main")).to_contain_text("10 organisations match “firm 1”")
    page.goto(base + "/reports")
    look(page, accessibility, "18-dashboard")
