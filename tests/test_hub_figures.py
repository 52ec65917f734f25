"""The hub's figures shared with partners, its export, removal times against the target,
and CST's partners and reporting links (docs/hub.md)."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from elearn.dates import LONDON, london_today
from elearn.extensions import db
from elearn.hub.figures import hub_figures
from elearn.models import AuditEvent, Finding, Organisation
from elearn.reports.periods import Period

NOW = datetime.now(UTC)


@pytest.fixture
def world(make):
    partner = make.organisation("Barbican Partners")
    other = make.organisation("Not A Partner Ltd")
    partner.hub_partner = True
    make.session.commit()
    return {
        "partner": partner,
        "other": other,
        "partner_manager": make.user(full_name="Pat Manager", org=partner, role="manager"),
        "partner_member": make.user(org=partner),
        "other_manager": make.user(org=other, role="manager"),
        "reporter": make.user(full_name="Rhea Porter", org=partner),
        "cst": make.user(full_name="Cass Tee", admin=True),
    }


def finding(session, **values) -> Finding:
    seen = values.pop("seen_at", NOW - timedelta(days=3))
    found = Finding(
        public_id=secrets.token_hex(16),
        form_id=secrets.token_hex(16),
        kind=values.pop("kind", "graffiti"),
        strand=values.pop("strand", "antisemitic"),
        description=values.pop("description", "A slogan"),
        place=values.pop("place", "Cheapside"),
        postcode=values.pop("postcode", "EC2V 6DN"),
        seen_at=seen,
        reported_at=values.pop("reported_at", seen + timedelta(hours=1)),
        anonymous=values.pop("anonymous", False),
        **values,
    )
    session.add(found)
    session.commit()
    return found


def test_findings_are_counted_by_kind_strand_area_and_month_once_each(browser, world, session):
    kept = finding(session, reporter_id=world["reporter"].id)
    finding(session, duplicate_of_id=kept.id, status="closed")  # the same thing again
    finding(session, kind="sticker", strand="race", postcode="EC2V 7HH")
    finding(session, kind="poster", strand="anti_muslim", postcode="EC1A 1BB")
    finding(session, seen_at=NOW - timedelta(days=800))  # before the period

    browser.sign_in(world["cst"])
    page = browser.get("/hub/figures")
    assert page.h1 == "What partners have reported"
    figures = [" ".join(li.get_text().split()) for li in page.soup.select(".app-figures li")]
    assert figures == [
        "3 findings seen in the period",
        "1 hate graffiti",
        "1 sticker",
        "1 poster or leaflet",
        "0 other concern",
    ]

    def rows(table_id):
        return [
            " ".join(tr.get_text(" ").split()) for tr in page.soup.select(f"#{table_id} tbody tr")
        ]

    assert rows("by-strand") == ["Race 1", "Antisemitic 1", "Anti-Muslim 1"]
    assert rows("by-area") == ["EC2V 2", "EC1A 1"]
    month = f"{NOW - timedelta(days=3):%b %y}"
    assert [row for row in rows("by-month") if row.startswith(month)] == [f"{month} 1 1 1"]
    assert "Rhea Porter" not in page.text()


def test_removal_times_are_reported_against_the_target(app, session, world):
    reported = NOW - timedelta(days=10)
    base = {"seen_at": reported - timedelta(hours=1), "reported_at": reported}
    finding(
        session,
        **base,
        removal_due_at=reported + timedelta(hours=24),
        removed_at=reported + timedelta(hours=10),
        status="removed",
    )
    finding(
        session,
        **base,
        removal_due_at=reported + timedelta(hours=24),
        removed_at=reported + timedelta(hours=30),
        status="removed",
    )
    finding(session, **base, removal_due_at=reported + timedelta(hours=24), status="with_cleansing")
    # removed by CST without street cleansing: marking it removed records the same target
    finding(
        session,
        **base,
        removal_due_at=reported + timedelta(hours=24),
        removed_at=reported + timedelta(hours=2),
        status="removed",
    )
    recent = NOW - timedelta(hours=2)
    finding(
        session,
        kind="sticker",
        seen_at=recent - timedelta(hours=1),
        reported_at=recent,
        removal_due_at=recent + timedelta(days=7),
        status="with_cleansing",
    )
    finding(session, kind="sticker")  # never to be removed: not counted

    with app.app_context():
        period = Period.last_twelve_months(london_today())
        graffiti, others = hub_figures(period, NOW).removals
    assert (graffiti.to_remove, graffiti.in_time, graffiti.late, graffiti.overdue) == (4, 2, 1, 1)
    assert graffiti.median_hours == 10.0 and graffiti.median_text == "10 hours"
    assert graffiti.in_time_percent == 67
    assert (others.to_remove, others.not_yet_due, others.overdue) == (1, 1, 0)
    assert others.median_text == "None removed"


def test_who_sees_the_figures(app, browser, world, make, session):
    finding(session)
    assert browser.client.get("/hub/figures").status_code == 302  # to sign in
    for who in ("partner_member", "other_manager", "reporter"):
        browser.sign_in(world[who])
        browser.get("/hub/figures", status=404)
        browser.get("/hub/figures.csv", status=404)
        browser.sign_out()
    browser.sign_in(world["partner_manager"])
    page = browser.get("/hub/figures")
    assert "Shared with Barbican Partners as a partner of the hub" in page.text()
    assert "Partners and reporting links" not in page.text()
    index = browser.get("/hub")
    assert index.soup.find("a", href="/hub/figures")

    world["partner"].status = "deactivated"
    session.commit()
    browser.get("/hub/figures", status=404)
    world["partner"].status = "approved"
    world["partner"].hub_partner = False
    session.commit()
    browser.get("/hub/figures", status=404)
    assert not browser.get("/hub").soup.find("a", href="/hub/figures")


def export(browser, query="") -> list[dict]:
    response = browser.client.get("/hub/figures.csv" + query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_hides_anonymous_reporters_from_partners_and_never_names_anyone(
    browser, world, session
):
    finding(
        session,
        organisation_id=world["partner"].id,
        reporter_id=world["reporter"].id,
        description='=HYPERLINK("http://x")',
        police_reference="CAD 1/05DEC",
    )
    finding(
        session,
        organisation_id=world["other"].id,
        anonymous=True,
        kind="sticker",
        postcode="EC1A 1BB",
    )

    browser.sign_in(world["partner_manager"])
    rows = export(browser)
    assert [(r["Kind"], r["Area"], r["Reported for"]) for r in rows] == [
        ("Hate graffiti", "EC2V", "Barbican Partners"),
        ("Sticker", "EC1A", "Not shared"),
    ]
    assert "What it says or shows" not in rows[0] and "Police reference" not in rows[0]
    seen = session.scalars(select(Finding.seen_at).order_by(Finding.seen_at)).first()
    assert rows[0]["Seen (London time)"] == f"{seen.astimezone(LONDON):%Y-%m-%d %H:%M}"
    text = browser.client.get("/hub/figures.csv").get_data(as_text=True)
    assert "Rhea Porter" not in text and "CAD 1" not in text and "Cheapside" not in text
    browser.sign_out()

    browser.sign_in(world["cst"])
    rows = export(browser)
    assert rows[1]["Reported for"] == "Not A Partner Ltd"
    assert rows[0]["What it says or shows"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["Police reference"] == "CAD 1/05DEC"
    assert "Rhea Porter" not in browser.client.get("/hub/figures.csv").get_data(as_text=True)


def test_the_period_filter_counts_only_its_days_and_says_what_is_wrong(browser, world, session):
    finding(session, seen_at=datetime(2026, 3, 10, 12, tzinfo=UTC))
    finding(session, seen_at=datetime(2026, 5, 10, 12, tzinfo=UTC))
    browser.sign_in(world["cst"])
    query = "?start=1&start=3&start=2026&end=31&end=3&end=2026"
    page = browser.get("/hub/figures" + query)
    assert "1 finding seen in the period" in page.text()
    assert len(export(browser, query)) == 1
    upside_down = "?start=1&start=5&start=2026&end=1&end=3&end=2026"
    page = browser.get("/hub/figures" + upside_down)
    assert "The end date must be on or after the start date" in page.text()
    page = browser.get("/hub/figures?start=40&start=x&start=2026")  # not a date
    assert "2 findings seen in the period" in page.text()  # the last twelve months
    browser.get("/hub/figures?start=%01", status=400)


def test_cst_shares_with_a_partner_and_manages_its_reporting_link(browser, world, make, session):
    other = world["other"]
    url = f"/hub/partners/{other.id}"
    browser.sign_in(world["other_manager"])
    browser.post(f"{url}/share", status=403)  # not CST
    browser.sign_out()

    browser.sign_in(world["cst"])
    browser.post(f"{url}/share", csrf=False, status=400)
    browser.post(f"{url}/dance", status=404)
    browser.post(f"{url}/share")
    session.refresh(other)
    assert other.hub_partner
    page = browser.get(f"/admin/organisations/{other.id}")
    assert "Stop sharing with Not A Partner Ltd" in page.text()

    browser.post(f"{url}/new-link")
    session.refresh(other)
    first = other.hub_link_token
    assert first and len(first) >= 40
    assert first in browser.get(f"/admin/organisations/{other.id}").text()
    browser.post(f"{url}/new-link")
    session.refresh(other)
    assert other.hub_link_token != first
    partners_page = browser.get("/hub/partners")
    assert (
        "Not A Partner Ltd" in partners_page.text() and "Barbican Partners" in partners_page.text()
    )
    browser.post(f"{url}/end-link")
    browser.post(f"{url}/stop-sharing")
    session.refresh(other)
    assert other.hub_link_token is None and not other.hub_partner
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.subject_type == "organisation", AuditEvent.subject_id == str(other.id))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "hub_sharing_started",
        "hub_link_made",
        "hub_link_made",
        "hub_link_ended",
        "hub_sharing_stopped",
    ]
    assert first not in str(session.scalars(select(AuditEvent.detail)).all())

    pending = make.organisation("Waiting Ltd", status="pending")
    browser.post(f"/hub/partners/{pending.id}/share")
    assert (
        "is not approved: approve it first"
        in browser.get(f"/admin/organisations/{pending.id}").text()
    )
    session.refresh(pending)
    assert not pending.hub_partner


def test_a_merge_moves_findings_and_ends_the_duplicate_s_link(app, world, session, make):
    from elearn.admin.merging import merge

    duplicate = make.organisation("Barbican Partners Limited")
    duplicate.hub_link_token = "x" * 43
    duplicate.hub_partner = True
    session.commit()
    moved = finding(session, organisation_id=duplicate.id)
    with app.app_context():
        merge(
            db.session.get(Organisation, duplicate.id),
            db.session.get(Organisation, world["partner"].id),
        )
        db.session.commit()
    session.refresh(duplicate)
    session.refresh(moved)
    assert moved.organisation_id == world["partner"].id
    assert duplicate.hub_link_token is None and not duplicate.hub_partner
    assert session.get(Organisation, world["partner"].id).hub_partner


def test_the_committee_paper_has_a_page_on_the_hub(browser, world, session):
    import docx

    from tests.test_documents import page_texts

    reported = NOW - timedelta(days=5)
    finding(
        session,
        seen_at=reported,
        reported_at=reported,
        removal_due_at=reported + timedelta(hours=24),
        removed_at=reported + timedelta(hours=6),
    )
    finding(session, kind="sticker", strand="race", postcode="EC1A 1BB", anonymous=True)
    browser.sign_in(world["cst"])
    response = browser.client.get("/reports/training-update.docx")
    document = docx.Document(io.BytesIO(response.get_data()))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    hub = [h for h in headings if "hub" in h or "Removal" in h or "Findings" in h]
    assert [h.split(". ", 1)[1] for h in hub] == [
        "Findings reported to the reporting hub",
        "Findings by hate strand or ideology",
        "Findings by area (postcode district)",
        "Removal against the target",
    ]
    texts = [p.text for p in document.paragraphs]
    assert any(
        t.startswith("Partners reported 2 findings seen in the period, 1 of them") for t in texts
    )
    cells = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    assert ["Hate graffiti: within 24 hours", "1", "1", "0", "0", "6 hours"] in cells
    assert ["EC1A", "1"] in cells
    pdf = " ".join(
        " ".join(page_texts(browser.client.get("/reports/training-update.pdf").get_data())).split()
    )
    assert "Findings by area (postcode district)" in pdf and "Rhea Porter" not in pdf

    # A paper of one channel is about that training alone.
    only = browser.client.get("/reports/training-update.docx?channel=face-to-face")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(only.get_data())).paragraphs]
    assert not any("reporting hub" in t for t in paragraphs)


def test_marking_a_report_removed_records_its_target_for_the_figures(app, world, session):
    from elearn.hub import triage

    reported = NOW - timedelta(days=2)
    found = finding(session, kind="sticker", seen_at=reported, reported_at=reported)
    with app.app_context():
        in_app = db.session.get(Finding, found.id)
        cst = db.session.get(type(world["cst"]), world["cst"].id)
        triage.mark_removed(in_app, cst, NOW - timedelta(hours=1))
        db.session.commit()
        assert in_app.removal_due_at == triage.removal_due(in_app)
        [_, others] = hub_figures(Period.last_twelve_months(london_today()), NOW).removals
    assert (others.to_remove, others.in_time) == (1, 1)


def test_the_figures_page_maps_the_findings_with_a_position_where_tiles_are_set(
    app, browser, world, session, monkeypatch
):
    import json

    finding(session, latitude=51.5142, longitude=-0.0931, postcode="EC2V 6DN")
    finding(session, kind="sticker")  # no position: in the tables, not on the map
    browser.sign_in(world["partner_manager"])
    page = browser.get("/hub/figures")
    assert page.soup.find(id="findings-map") is None  # no tiles, no map

    monkeypatch.setitem(
        app.config, "ELEARN_MAP_TILES", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    )
    monkeypatch.setitem(app.config, "ELEARN_MAP_ATTRIBUTION", "© OpenStreetMap contributors")
    page = browser.get("/hub/figures")
    assert page.soup.find(id="findings-map") is not None
    data = page.soup.find("script", type="application/json")
    [point] = json.loads(data.string)
    assert (point["lat"], point["lng"]) == (51.514, -0.093), "to about 100 m for a partner"
    assert point["label"].startswith("Hate graffiti, EC2V 6DN, ")
    policy = page.response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org" in policy
    browser.sign_out()
    browser.sign_in(world["cst"])
    data = browser.get("/hub/figures").soup.find("script", type="application/json")
    [point] = json.loads(data.string)
    assert (point["lat"], point["lng"]) == (51.5142, -0.0931), "exactly, for CST"


def test_findings_are_counted_in_the_london_day_and_month_they_were_seen(browser, world, session):
    # 00:30 on 1 July in London is 23:30 on 30 June in UTC.
    finding(session, seen_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    browser.sign_in(world["cst"])
    july = browser.get("/hub/figures?start=1&start=7&start=2026&end=31&end=7&end=2026")
    assert "1 finding seen in the period" in july.text()
    june = browser.get("/hub/figures?start=1&start=6&start=2026&end=30&end=6&end=2026")
    assert "0 findings seen in the period" in june.text()
    year = browser.get("/hub/figures?start=1&start=1&start=2026&end=31&end=12&end=2026")
    months = {" ".join(row.get_text(" ").split()) for row in year.soup.select("#by-month tbody tr")}
    assert "Jul 26 1" in months and "Jun 26 0" in months


def test_a_period_cst_or_a_partner_cannot_mean_is_refused_not_a_failure(browser, world, session):
    finding(session)
    browser.sign_in(world["partner_manager"])
    for query in (
        "?start=1&start=1&start=2026&end=31&end=12&end=9999",
        "?start=1&start=1&start=0001&end=31&end=12&end=2026",
    ):
        page = browser.get("/hub/figures" + query)
        assert "1 finding seen in the period" in page.text()  # the last twelve months
        assert page.error_summary()
        assert browser.client.get("/hub/figures.csv" + query).status_code == 200
    page = browser.get("/hub/figures?start=1&start=1&start=2000&end=31&end=12&end=2026")
    assert page.error_summary() == ["Choose a period of 5 years or less"]
    assert len(page.soup.select("#by-month tbody tr")) == 13  # the last twelve months
    browser.sign_out()
    browser.sign_in(world["cst"])
    page = browser.get("/reports?start=1&start=1&start=2026&end=31&end=12&end=9999")
    assert page.error_summary()
    page = browser.get("/reports?start=1&start=1&start=1990&end=31&end=12&end=2026")
    assert page.error_summary() == ["Choose a period of 5 years or less"]


def test_a_report_closed_without_being_removed_is_not_still_up(app, session, world):
    reported = NOW - timedelta(days=10)
    finding(
        session,
        seen_at=reported,
        reported_at=reported,
        status="closed",
        removal_due_at=reported + timedelta(hours=24),
        close_reason="Painted over",
    )
    with app.app_context():
        graffiti, _ = hub_figures(Period.last_twelve_months(london_today()), NOW).removals
    assert (graffiti.to_remove, graffiti.overdue, graffiti.not_yet_due) == (0, 0, 0)
