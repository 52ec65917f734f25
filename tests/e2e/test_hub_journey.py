"""The reporting hub in Chromium on a phone: a partner reports hate graffiti with the
phone's location and a photo, CST passes it to street cleansing, and the partner sees
the status. Every page is checked by axe and for sideways scrolling at 375 px."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from playwright.sync_api import expect

from elearn.config import PROJECT_DIR
from elearn.dates import LONDON
from tests.e2e.helpers import follow, sign_in

ADMIN = "hub.cst@journey.example"
REPORTER = "hub.reporter@journey.example"
SHOTS = PROJECT_DIR / "test-output" / "screens" / "hub"


def _people(app) -> None:
    from sqlalchemy.orm import Session

    from elearn.admin.operations import create_admin_user
    from elearn.extensions import db
    from tests.conftest import Factory

    with app.app_context():
        create_admin_user(ADMIN, "Cass Hub", "correct horse battery staple")
        with Session(db.engine, expire_on_commit=False) as session:
            make = Factory(session)
            make.user(REPORTER, "Pat Partner", org=make.organisation("Hub Partners"))


def look(page, accessibility, name: str) -> None:
    accessibility.check(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert not page.evaluate(
        "() => document.documentElement.scrollWidth > window.innerWidth + 1"
    ), f"{name} scrolls sideways"
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_report_with_location_and_photo_then_cst_acts_on_it(server, page, accessibility):
    from PIL import Image

    app, base = server
    _people(app)
    page.set_viewport_size({"width": 375, "height": 800})
    page.context.grant_permissions(["geolocation"], origin=base)
    page.context.set_geolocation({"latitude": 51.5142, "longitude": -0.0931})

    sign_in(page, base, REPORTER)
    page.goto(f"{base}/hub")
    follow(page, page.get_by_role("button", name="Report something"))
    expect(page.locator("h1")).to_have_text("Report something")
    look(page, accessibility, "01-form")
    page.get_by_label("Hate graffiti").check()
    page.get_by_label("Who or what does it target?").select_option("antisemitic")
    page.get_by_label("What does it say or show?").fill("A swastika, sprayed in black")
    page.get_by_label("Where is it?").fill("Cheapside, the bus shelter outside number 120")
    page.get_by_label("Postcode").fill("ec2v 6dn")
    page.get_by_role("button", name="Use my location").click()
    expect(page.locator("#location-status")).to_contain_text("will be sent")
    seen = datetime.now(LONDON) - timedelta(hours=1)
    page.get_by_label("Day").fill(str(seen.day))
    page.get_by_label("Month").fill(str(seen.month))
    page.get_by_label("Year").fill(str(seen.year))
    page.get_by_label("Time you saw it").fill(seen.strftime("%H:%M"))
    photo = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 120, 120)).save(photo, "JPEG")
    page.get_by_label("Photos (optional)").set_input_files(
        {"name": "wall.jpg", "mimeType": "image/jpeg", "buffer": photo.getvalue()}
    )
    follow(page, page.get_by_role("button", name="Send the report"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Thank you")
    expect(page.locator("main")).to_contain_text("With its position (from your phone or the map)")
    look(page, accessibility, "02-sent")
    page.context.clear_cookies()

    sign_in(page, base, ADMIN)
    page.goto(f"{base}/hub/triage")
    look(page, accessibility, "03-queue")
    follow(page, page.get_by_role("link", name="Hate graffiti (Antisemitic)"))
    expect(page.locator("main")).to_contain_text("within 24 hours of the report")
    look(page, accessibility, "04-triage")
    with page.expect_navigation():
        page.get_by_role("button", name="Pass to street cleansing").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("to be removed by")
    page.context.clear_cookies()

    sign_in(page, base, REPORTER)
    page.goto(f"{base}/hub")
    expect(page.locator("main")).to_contain_text("Passed to street cleansing")
    look(page, accessibility, "05-your-reports")
