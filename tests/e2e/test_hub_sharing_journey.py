"""The hub's figures shared with a partner, in Chromium: CST makes an organisation a
partner and gives it a reporting link; someone without an account reports through the
link; the partner's manager reads the figures on a phone and downloads the export. Every
page is checked by axe and for sideways scrolling."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.e2e.helpers import follow, sign_in
from tests.e2e.test_hub_journey import look

ADMIN = "sharing.cst@journey.example"
MANAGER = "sharing.manager@journey.example"
PARTNER = "Barbican Residents' Association"


def _world(app) -> int:
    import secrets

    from sqlalchemy.orm import Session

    from elearn.admin.operations import create_admin_user
    from elearn.extensions import db
    from elearn.models import Finding
    from tests.conftest import Factory

    with app.app_context():
        create_admin_user(ADMIN, "Cass Sharing", "correct horse battery staple")
        with Session(db.engine, expire_on_commit=False) as session:
            make = Factory(session)
            partner = make.organisation(PARTNER, sector="community")
            make.user(MANAGER, "Mo Manager", org=partner, role="manager")
            now = datetime.now(UTC)
            for days, kind, strand, postcode in (
                (3, "graffiti", "antisemitic", "EC2V 6DN"),
                (20, "sticker", "extreme_right", "EC2Y 8DS"),
                (40, "poster", "anti_muslim", "EC1A 7BE"),
                (70, "graffiti", "race", "EC2Y 8DS"),
            ):
                reported = now - timedelta(days=days)
                session.add(
                    Finding(
                        public_id=secrets.token_hex(16),
                        form_id=secrets.token_hex(16),
                        kind=kind,
                        strand=strand,
                        description="Seen on an audit",
                        place="A wall",
                        postcode=postcode,
                        seen_at=reported - timedelta(hours=2),
                        reported_at=reported,
                        removal_due_at=reported + timedelta(hours=24),
                        removed_at=reported + timedelta(hours=8 if days > 10 else 30),
                        status="removed",
                    )
                )
            session.commit()
            return partner.id


def test_cst_shares_the_figures_and_a_partner_reads_them_on_a_phone(server, page, accessibility):
    app, base = server
    partner_id = _world(app)

    sign_in(page, base, ADMIN)
    page.goto(f"{base}/admin/organisations/{partner_id}")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Share the hub's figures with {PARTNER}").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("now sees the hub's figures")
    with page.expect_navigation():
        page.get_by_role("button", name="Make a reporting link").click()
    link = page.locator("#hub ~ p code").inner_text()
    assert "/hub/report/" in link
    look(page, accessibility, "10-organisation-partner")
    page.goto(f"{base}/hub/partners")
    expect(page.locator("main")).to_contain_text(PARTNER)
    look(page, accessibility, "11-partners")
    page.goto(f"{base}/hub/figures")
    with app.app_context():  # the journeys share a server: others may have reported too
        from sqlalchemy import func, select

        from elearn.extensions import db
        from elearn.models import Finding

        seen = db.session.scalar(select(func.count()).select_from(Finding))
    expect(page.locator("main")).to_contain_text(f"{seen} findings seen in the period")
    look(page, accessibility, "12-figures-cst")
    page.context.clear_cookies()

    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, base, MANAGER)
    page.goto(f"{base}/hub")
    follow(page, page.get_by_role("link", name="What partners have reported"))
    main = page.locator("main")
    expect(main).to_contain_text(f"Shared with {PARTNER} as a partner of the hub")
    expect(page.locator("#by-area").get_by_role("row", name="EC2Y 2")).to_be_visible()
    removals = page.locator("#removals tbody tr").first
    expect(removals).to_contain_text("Hate graffiti: within 24 hours")
    look(page, accessibility, "13-figures-partner")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download every finding in this period (CSV)").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == seen and "What it says or shows" not in rows[0]
