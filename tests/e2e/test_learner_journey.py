"""A learner is invited, completes WRAP (failing the quiz once), and checks their
certificate: with a mouse, and again with the keyboard alone."""

from __future__ import annotations

import io
import re

import pypdfium2
from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, answer_quiz, follow

# One word wider than a phone's screen: the page wraps it rather than scroll sideways.
LONG_ADDRESS = "ada.augusta.kingnoel.countessoflovelace@analyticalengine.journeybank.example"


def invite(app, address: str, name: str) -> str:
    """An organisation, its manager, and an invitation to `address`; returns the link."""
    from elearn.extensions import db
    from elearn.models import Organisation, User
    from elearn.organisations.invitations import invite_one
    from elearn.organisations.outbox import claim_for_sending

    with app.app_context():
        organisation = Organisation(name=f"Journey Bank for {name}", sector="business")
        db.session.add(organisation)
        db.session.flush()
        manager = User(email=f"manager.{address}", full_name="Journey Manager", password=PASSWORD)
        db.session.add(manager)
        db.session.flush()
        invitation = invite_one(organisation, address, manager, full_name=name)
        token = claim_for_sending(invitation.id)  # the link its email would carry
        db.session.commit()
    return f"/invitations/{token}"


def test_learner_accepts_invitation_completes_wrap_and_verifies_certificate(
    server, page, accessibility, right_answers
):
    app, base = server
    page.goto(base + invite(app, LONG_ADDRESS, "Ada Lovelace"))
    accessibility.check(page)
    expect(page.locator("h1")).to_have_text(re.compile("Join Journey Bank"))
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Accept and create account").click()
    expect(page.locator("h1")).to_have_text("My training")
    expect(page.get_by_role("alert")).to_contain_text("You have joined")
    accessibility.check(page)

    page.get_by_role("link", name="WRAP: Workshop to Raise Awareness of Prevent").first.click()
    accessibility.check(page)
    follow(page, page.get_by_role("button", name="Start course"))
    while page.locator("fieldset.govuk-fieldset").count() == 0:
        accessibility.check(page)
        follow(page, page.locator("a[rel=next]"))
    accessibility.check(page)

    answer_quiz(page, right_answers, right=False)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator("h1")).to_have_text("Your result: not passed yet")
    accessibility.check(page)
    follow(page, page.get_by_role("button", name="Take the quiz again").first)
    answer_quiz(page, right_answers, right=True)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator("h1")).to_have_text("Your result: you passed")
    expect(page.locator("main")).to_contain_text("You have completed WRAP")
    accessibility.check(page)

    page.get_by_role("link", name="My training").first.click()
    wrap = page.locator(".app-course-list__item", has_text="WRAP")
    expect(wrap.locator(".govuk-tag").first).to_have_text("Completed")
    with page.expect_download() as download:
        wrap.get_by_role("link", name=re.compile("Download your certificate")).click()
    pdf = download.value.path().read_bytes()
    text = pypdfium2.PdfDocument(io.BytesIO(pdf))[0].get_textpage().get_text_range()
    assert "Ada Lovelace" in text and "WRAP: Workshop to Raise Awareness of Prevent" in text
    code = re.search(r"Verification code: ([A-Z2-9-]+)", text).group(1)

    page.goto(base + "/verify")
    accessibility.check(page)
    page.get_by_label("Verification code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Check certificate").click()
    expect(page.locator("h1")).to_have_text("This certificate is valid")
    expect(page.locator("main")).to_contain_text("Ada Lovelace")
    accessibility.check(page)


def tab_to(page, selector: str, limit: int = 400) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"could not reach {selector} with the Tab key")


def test_the_same_journey_with_the_keyboard_alone(server, page, right_answers):
    app, base = server
    page.goto(base + invite(app, "grace@journey.example", "Grace Hopper"))
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    tab_to(page, "#confirm")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("My training")

    tab_to(page, "a[href='/courses/wrap']")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("WRAP: Workshop to Raise Awareness of Prevent")
    tab_to(page, "a.govuk-button")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).not_to_have_text("WRAP: Workshop to Raise Awareness of Prevent")
    while page.locator("fieldset.govuk-fieldset").count() == 0:
        heading = page.locator("h1").inner_text()
        tab_to(page, "a[rel=next]")
        page.keyboard.press("Enter")
        expect(page.locator("h1")).not_to_have_text(heading)

    for fieldset in page.locator("fieldset.govuk-fieldset").all():
        legend = fieldset.locator("legend").inner_text()
        question = next(text for text in right_answers if text in legend)
        options = fieldset.locator("input").all()
        labels = [
            page.locator(f"label[for='{o.get_attribute('id')}']").inner_text().strip()
            for o in options
        ]
        if options[0].get_attribute("type") == "radio":
            # Tab reaches a radio group once; the arrow keys choose within it.
            tab_to(page, f"input[name='{options[0].get_attribute('name')}']")
            page.keyboard.press("Space")
            target = labels.index(next(t for t in labels if t in right_answers[question]))
            for _ in range(target):
                page.keyboard.press("ArrowDown")
            assert options[target].is_checked()
            continue
        for option, label in zip(options, labels, strict=True):
            if label in right_answers[question]:
                tab_to(page, f"#{option.get_attribute('id')}")
                page.keyboard.press("Space")
    tab_to(page, "button[type=submit].govuk-button")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Your result: you passed")
    # Focus is visible: the first Tab lands on the skip link, shown in the focus yellow.
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.textContent.trim(),"
        " getComputedStyle(document.activeElement).backgroundColor]"
    )
    assert focused == ["Skip to main content", "rgb(255, 221, 0)"]
