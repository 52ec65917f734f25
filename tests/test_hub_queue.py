"""CST's triage queue: its filters, and reports past their removal target flagged and
counted (docs/hub.md, Triage)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.test_hub_figures import finding

NOW = datetime.now(UTC)


@pytest.fixture
def cst(make):
    return make.user(full_name="Cass Tee", admin=True)


def listed(page) -> list[str]:
    return [
        " ".join(th.get_text().split()) for th in page.soup.select("table tbody th[role=rowheader]")
    ]


def test_the_queue_filters_by_what_cst_acts_on(browser, cst, make, session):
    other = make.user(full_name="Other Officer", admin=True)
    hours = iter(range(1, 100))

    def reported(**values):
        at = NOW - timedelta(hours=next(hours))
        return finding(session, seen_at=at - timedelta(hours=1), reported_at=at, **values)

    reported(
        kind="graffiti",
        strand="race",
        postcode="EC2V 6DN",
        assigned_to_id=cst.id,
        status="assigned",
    )
    reported(kind="sticker", strand="antisemitic", postcode="EC2V 7HH")
    reported(
        kind="poster",
        strand="anti_muslim",
        postcode="EC1A 1BB",
        assigned_to_id=other.id,
        status="assigned",
    )
    reported(kind="graffiti", strand="race", postcode="EC3V 9AA", status="removed", removed_at=NOW)
    browser.sign_in(cst)

    def shown(query=""):
        return listed(browser.get("/hub/triage" + query))

    assert shown() == [
        "Hate graffiti (Race)",
        "Sticker (Antisemitic)",
        "Poster or leaflet (Anti-Muslim)",
    ]
    assert len(shown("?show=all")) == 4
    assert shown("?kind=graffiti") == ["Hate graffiti (Race)"]
    assert shown("?strand=antisemitic") == ["Sticker (Antisemitic)"]
    assert shown("?area=ec2v") == ["Hate graffiti (Race)", "Sticker (Antisemitic)"]
    assert shown("?area=EC2V+7HH") == ["Sticker (Antisemitic)"]
    assert shown("?assigned=me") == ["Hate graffiti (Race)"]
    assert shown("?assigned=nobody") == ["Sticker (Antisemitic)"]
    assert shown("?show=all&kind=graffiti") == ["Hate graffiti (Race)", "Hate graffiti (Race)"]
    # what is not a filter is left out, never a failure
    assert len(shown("?show=everything&kind=zebra&area=%3Cscript%3E&assigned=x")) == 3
    page = browser.get("/hub/triage?kind=graffiti&area=EC2V")
    assert (
        page.soup.find("select", {"name": "kind"}).find("option", selected=True)["value"]
        == "graffiti"
    )
    assert page.soup.find("input", {"name": "area"})["value"] == "EC2V"
    browser.get("/hub/triage?area=%01", status=400)


def test_reports_past_their_removal_target_are_counted_flagged_and_listed_first(
    browser, cst, session
):
    def due(hours_ago: int, **values):
        reported = NOW - timedelta(days=3)
        return finding(
            session,
            seen_at=reported,
            reported_at=reported,
            removal_due_at=NOW - timedelta(hours=hours_ago),
            **{"status": "with_cleansing", **values},
        )

    due(2, postcode="EC2V 1AA")
    due(30, postcode="EC2V 2AA", kind="sticker")
    due(-5, postcode="EC2V 3AA", kind="poster")  # not yet due
    due(50, postcode="EC2V 4AA", removed_at=NOW - timedelta(hours=60), status="removed")
    browser.sign_in(cst)
    page = browser.get("/hub/triage")
    assert "2 reports are still up past their removal target." in page.text()
    flagged = [
        " ".join(row.select_one("th").get_text().split())
        for row in page.soup.select("table tbody tr")
        if "Past its removal target" in row.get_text()
    ]
    assert sorted(flagged) == ["Hate graffiti (Antisemitic)", "Sticker (Antisemitic)"]
    overdue = browser.get("/hub/triage?show=overdue")
    assert listed(overdue) == ["Sticker (Antisemitic)", "Hate graffiti (Antisemitic)"]
    assert "longest overdue first" in overdue.text()


def test_the_queue_s_pages_keep_its_filters(browser, cst, session):
    for number in range(30):
        finding(session, kind="sticker", postcode=f"EC2V {number % 9}AB")
    browser.sign_in(cst)
    page = browser.get("/hub/triage?kind=sticker&area=EC2V")
    assert "1 to 25 of 30 reports" in page.text()
    following = page.soup.select_one(".govuk-pagination__next a")["href"]
    assert "kind=sticker" in following and "area=EC2V" in following and "page=2" in following
