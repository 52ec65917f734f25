"""The emails written to files, opened in the browser as a developer would (development
only), checked by axe-core at desktop and phone width."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, follow


def test_a_developer_opens_the_newest_email(server, page, accessibility):
    from sqlalchemy.orm import Session

    from elearn.extensions import db
    from tests.conftest import Factory

    app, base = server
    with app.app_context(), Session(db.engine) as session:
        Factory(session).user(
            "mail.reader@journey.example", full_name="Siobhán O'Brien", password=PASSWORD
        )
    page.goto(base + "/reset-password")
    page.get_by_label("Email address").fill("mail.reader@journey.example")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.locator("h1")).to_have_text("Check your email")

    page.goto(base + "/dev/mail")
    expect(page.locator("h1")).to_have_text("Emails written to files")
    newest = page.locator("tbody tr").first
    expect(newest).to_contain_text("mail.reader@journey.example")
    accessibility.check(page)

    follow(page, newest.get_by_role("link"))
    expect(page.locator("h1")).to_have_text("Reset your Community Safety e-learning password")
    expect(page.locator("main")).to_contain_text("Dear Siobhán O'Brien,")
    link = page.locator(".govuk-inset-text a")
    expect(link).to_have_attribute("href", link.inner_text())
    assert "/reset-password/" in link.inner_text()
    accessibility.check(page)
