"""A sector's organisations a page at a time, searchable, named once; and content due for
review worded for a CST admin, the same on the tasks page and the dashboard."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from elearn.web.paging import PER_PAGE
from tests.conftest import Browser
from tests.test_content_quality import app_on, stale_content


def text_of(tag) -> str:
    return " ".join(tag.get_text(" ", strip=True).split())


def organisations_in(page) -> list[str]:
    return [text_of(row.th) for row in page.soup.select("table.app-report-table tbody tr")]


def test_a_sector_lists_its_organisations_a_page_at_a_time_without_repeating_the_sector(
    browser, make
):
    for number in range(PER_PAGE + 5):
        make.organisation(f"Bishopsgate Firm {number:02}", sector="business", headcount=10)
    make.organisation("Aldgate School", sector="school")
    browser.sign_in(make.user(admin=True))

    first = browser.get("/reports/sectors/business")
    headers = [text_of(th) for th in first.soup.select("table.app-report-table thead th")]
    assert not [header for header in headers if header.startswith("Sector")]
    assert headers[0].startswith("Organisation") and len(headers) == 9
    assert organisations_in(first) == [f"Bishopsgate Firm {n:02}" for n in range(PER_PAGE)]
    assert "30 organisations: 1 to 25 shown." in first.text()
    assert first.soup.title.get_text().startswith("Business (page 1 of 2)")
    pages = first.soup.select_one("nav.govuk-pagination")
    assert pages is not None, "GOV.UK pagination"
    second = browser.get(pages.select_one(".govuk-pagination__next a")["href"])
    assert organisations_in(second) == [f"Bishopsgate Firm {n:02}" for n in range(25, 30)]

    sorted_desc = browser.get("/reports/sectors/business?sort=organisations.name&order=desc")
    assert organisations_in(sorted_desc)[0] == "Bishopsgate Firm 29", "sorted over every page"

    download = first.soup.find("a", string="Download every organisation in this sector (CSV)")
    rows = list(csv.reader(io.StringIO(browser.client.get(download["href"]).get_data(True))))
    assert len(rows) == 1 + PER_PAGE + 5, "the CSV holds the whole sector, not one page"


def test_a_sector_s_organisations_can_be_found_by_name(browser, make):
    for name in ("Moorgate Legal LLP", "Moorgate Bakery", "Cheapside Coffee"):
        make.organisation(name, sector="business")
    browser.sign_in(make.user(admin=True))
    page = browser.get("/reports/sectors/business?q=moorgate&sort=organisations.name&order=desc")
    assert organisations_in(page) == ["Moorgate Legal LLP", "Moorgate Bakery"]
    assert "2 organisations match “moorgate”." in page.text()
    sort_link = page.soup.select_one("table.app-report-table thead th a")["href"]
    assert "q=moorgate" in sort_link, "sorting keeps the search"
    download = page.soup.find("a", string="Download every organisation in this sector (CSV)")
    assert "q=" not in download["href"]
    none = browser.get("/reports/sectors/business?q=nowhere")
    assert "No organisation in this sector matches “nowhere”." in none.text()
    assert none.soup.select("table.app-report-table") == []


LEAD = (
    "Facts change within a certificate's life. These were last checked more than 12 months "
    "ago: ask the person named to check them."
)


def test_content_due_for_review_is_worded_for_a_cst_admin_alike_on_both_pages(tmp_path, app, make):
    old = date.today() - timedelta(days=400)
    stale_app = app_on(app, tmp_path, stale_content(tmp_path, old, old))
    admin = Browser(stale_app.test_client())
    admin.sign_in(make.user(admin=True))

    tasks = admin.get("/admin")
    section = tasks.soup.find("h2", id="reviews").find_next_siblings()
    dashboard = admin.get("/reports").soup.select_one(".govuk-notification-banner__content")
    for where, paragraphs in (
        ("tasks", [text_of(p) for p in section if p.name == "p"]),
        ("dashboard", [text_of(p) for p in dashboard.select("p.govuk-body")]),
    ):
        assert paragraphs[0] == LEAD, where
        assert "content/" not in paragraphs[0] and "yaml" not in paragraphs[0]
        assert paragraphs[1] == (
            "Once the facts are checked (and corrected where they changed), whoever deploys "
            "elearn's content records the date they were checked, runs flask content check "
            "and deploys the content; the item then leaves this list."
        ), where
    items = [" ".join(li.get_text().split()) for li in tasks.soup.select("#reviews ~ ul li")]
    assert items == [
        f"Contact: British Transport Police, last checked {old.day} {old:%B %Y}. Who checks "
        "it: the Community Safety Team.",
        f"Course: A course, last checked {old.day} {old:%B %Y}. Who checks it: "
        "Prevent coordinator.",
    ]
    assert "contacts.yaml" not in tasks.text() and "contacts.yaml" not in admin.last.text()
