"""A newly approved manager's first pages in the browser: she lands on her organisation's
checklist, and stopping a requirement asks once more."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, follow, sign_in


def test_a_new_manager_lands_on_her_checklist_and_confirms_a_change(server, page, accessibility):
    from sqlalchemy.orm import Session

    from elearn.extensions import db
    from elearn.models import WHOLE_ORGANISATION, Assignment
    from tests.conftest import Factory

    app, base = server
    with app.app_context(), Session(db.engine, expire_on_commit=False) as session:
        make = Factory(session)
        org = make.organisation("First Hour Florists")
        make.user("florist@journey.example", org=org, role="manager", password=PASSWORD)
        session.add(
            Assignment(
                organisation_id=org.id,
                course_slug="wrap",
                team=WHOLE_ORGANISATION,
                due_on=date(2027, 6, 30),
            )
        )
        session.commit()
    sign_in(page, base, "florist@journey.example")
    expect(page.locator("h1")).to_have_text("Overview")
    expect(page.locator(".govuk-task-list")).to_contain_text("Invite your people")
    accessibility.check(page)

    follow(page, page.get_by_role("link", name="Required training", exact=True))
    follow(page, page.get_by_role("link", name="Stop requiring WRAP"))
    expect(page.locator("h1")).to_have_text(
        "Stop requiring WRAP: Workshop to Raise Awareness of Prevent?"
    )
    accessibility.check(page)
    follow(page, page.get_by_role("button", name="Stop requiring it"))
    expect(page.get_by_role("alert")).to_contain_text("is no longer required")
