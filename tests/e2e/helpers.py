"""Steps the journeys share, written as a person would take them."""

from __future__ import annotations

import email
import re
from pathlib import Path

from playwright.sync_api import Page, expect

PASSWORD = "correct horse battery staple"


def latest_link(app, address: str, path: str) -> str:
    """The link in the newest email to an address (mail goes to files in the test)."""
    folder = Path(app.config["MAIL_DIR"])
    for file in sorted(folder.glob("*.eml"), reverse=True):
        message = email.message_from_bytes(file.read_bytes())
        if message["To"] == address:
            body = message.get_payload(decode=True).decode()
            return re.search(rf"https?://[^/\s]+({re.escape(path)}\S+)", body).group(1)
    raise AssertionError(f"no email to {address}")


def sign_in(page: Page, base: str, address: str, password: str = PASSWORD) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(address)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).not_to_have_text("Sign in")


def answer_quiz(page: Page, right_answers: dict[str, set[str]], right: bool) -> None:
    """Tick the right options of every question, or a wrong one."""
    for fieldset in page.locator("fieldset.govuk-fieldset").all():
        legend = fieldset.locator("legend").inner_text()
        question = next(text for text in right_answers if text in legend)
        labels = fieldset.locator(
            "label.govuk-label, label.govuk-radios__label, label.govuk-checkboxes__label"
        )
        for label in labels.all():
            text = label.inner_text().strip()
            wanted = text in right_answers[question]
            if (right and wanted) or (not right and not wanted):
                label.click()
                if not right:
                    break


def follow(page: Page, locator) -> None:
    """Click a link or button and wait for the next page (its h1 changes)."""
    heading = page.locator("h1").inner_text()
    locator.click()
    expect(page.locator("h1")).not_to_have_text(heading)
