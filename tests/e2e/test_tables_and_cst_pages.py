"""Tables as people see them, and CST's own pages, in Chromium.

Course tables never break a word; a table wider than the screen scrolls inside its own
region, marked with a shadow and a hint; the dashboard shows every column at 1280px and
fits the page in print. CST's pages are checked with axe at 1280 and 320px.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, sign_in

ADMIN = "tables.cst@journey.example"
LEARNER = "tables.reader@journey.example"

# Each word of each table cell whose letters lie on more than one line. Hyphens, dashes
# and slashes are places a line may break, so they split words here too.
WORDS_SPLIT = r"""() => {
  const split = [];
  for (const cell of document.querySelectorAll('main th, main td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      if (node.parentElement.closest('.govuk-visually-hidden')) continue;
      const words = /[^\s\-\u2010\u2013\u2014\/]+/g;
      let word;
      while ((word = words.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()]
          .filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) split.push(word[0]);
      }
    }
  }
  return split;
}"""

# Each table region: does its table scroll, is it marked, is a hint shown (under the
# table's caption when one is shown, otherwise above the region), and is the table wider
# than its region.
REGIONS = r"""() => [...document.querySelectorAll('.app-table-scroll')].map(region => {
  const caption = region.querySelector(':scope > table > caption:not(.govuk-visually-hidden)');
  const hint = caption ? caption.querySelector('.app-table-scroll__hint')
    : region.previousElementSibling;
  const table = region.querySelector('table') || region.firstElementChild;
  return {
    label: region.getAttribute('aria-label'),
    scrolls: region.scrollWidth > region.clientWidth + 1,
    marked: region.classList.contains('app-table-scroll--more'),
    hint: !!hint && hint.matches('.app-table-scroll__hint') && hint.offsetParent !== null,
    wider: table.getBoundingClientRect().width > region.clientWidth + 1,
  };
})"""

PAGE_SCROLLS_SIDEWAYS = "() => document.documentElement.scrollWidth > window.innerWidth + 1"


@pytest.fixture(scope="module")
def people(server):
    """A CST admin and a learner with some history; organisations across sectors with
    training, a request to register that looks like a second one, and evidence waiting."""
    from sqlalchemy.orm import Session

    from elearn.admin.operations import create_admin_user
    from elearn.extensions import db
    from elearn.models import Assignment, ExternalRecord, utcnow
    from tests.conftest import Factory

    app, _ = server
    with app.app_context():
        create_admin_user(ADMIN, "Tabitha Tables", PASSWORD)
        with Session(db.engine, expire_on_commit=False) as session:
            make = Factory(session)
            reader = make.user(LEARNER, "Rose Reader", password=PASSWORD)
            for number, sector in enumerate(("business", "school", "corporation_department")):
                org = make.organisation(
                    f"Tables Organisation {number}",
                    sector=sector,
                    headcount=40,
                    contact_email=f"boss@tables{number}.example",
                )
                session.add(
                    Assignment(organisation_id=org.id, course_slug="wrap", due_on=date(2027, 1, 1))
                )
                for member in range(3):
                    learner = make.user(
                        f"member{number}{member}@tables{number}.example",
                        f"Tables Member {number}{member}",
                        org=org,
                    )
                    make.completion(
                        learner,
                        "wrap",
                        completed_at=utcnow() - timedelta(days=30 * member),
                        expires_at=utcnow() + timedelta(days=300),
                    )
            make.organisation(
                "The Tables Organisation 0 Ltd",
                status="pending",
                contact_name="Second Try",
                contact_email="again@tables0.example",
            )
            session.add(
                ExternalRecord(
                    user_id=reader.id,
                    course_slug="wrap",
                    provider="Home Office",
                    course_name="Prevent awareness e-learning",
                    completed_on=date(2026, 1, 5),
                )
            )
            session.commit()
            return {"reader_id": reader.id}


def check_regions(page, where: str) -> list[dict]:
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done)))")
    regions = page.evaluate(REGIONS)
    for region in regions:
        assert region["marked"] == region["scrolls"], f"{where}: {region}"
        assert region["hint"] == region["scrolls"], f"{where}: {region}"
    assert not page.evaluate(PAGE_SCROLLS_SIDEWAYS), f"{where}: the page scrolls sideways"
    return regions


def test_course_tables_never_break_a_word_and_wide_ones_scroll_with_a_cue(server, page, people):
    from elearn.courses.catalogue import current_catalogue

    app, base = server
    with app.app_context():
        paths = [
            f"/courses/{course.slug}/{module.slug}"
            for course in current_catalogue()
            for module in course.modules
            if "<table" in module.html
        ]
    assert len(paths) >= 19, "the shipped courses' modules with tables"
    sign_in(page, base, LEARNER)
    scrolling = 0
    for width in (1280, 375, 320):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(base + path)
            split = page.evaluate(WORDS_SPLIT)
            assert split == [], f"{path} at {width}px: words broken across lines: {split}"
            regions = check_regions(page, f"{path} at {width}px")
            scrolling += sum(region["scrolls"] for region in regions)
            if width == 1280:
                assert not any(region["scrolls"] for region in regions), path
    assert scrolling >= 2, "some tables are wider than a phone, and scroll with a cue"


def test_the_dashboard_shows_every_column_at_1280_scrolls_at_375_and_fits_on_paper(
    server, page, people, accessibility
):
    _, base = server
    sign_in(page, base, ADMIN)
    for path in ("/reports", "/reports/sectors/business"):
        page.goto(base + path)
        regions = check_regions(page, f"{path} at 1280px")
        assert regions and not any(region["wider"] for region in regions), regions
        assert page.evaluate(WORDS_SPLIT) == []
        accessibility.check(page)

        page.set_viewport_size({"width": 375, "height": 900})
        page.reload()
        regions = check_regions(page, f"{path} at 375px")
        assert any(region["scrolls"] for region in regions), "wide tables scroll on a phone"
        region = page.locator(".app-table-scroll--more").first
        expect(region).to_have_class(re.compile(r"app-table-scroll--more-right"))
        expect(region).not_to_have_class(re.compile(r"app-table-scroll--more-left"))
        region.focus()
        page.keyboard.press("ArrowRight")
        expect(region).not_to_have_js_property("scrollLeft", 0)
        expect(region).to_have_class(re.compile(r"app-table-scroll--more-left"))
        region.evaluate("region => { region.scrollLeft = region.scrollWidth }")
        expect(region).not_to_have_class(re.compile(r"app-table-scroll--more-right"))

        assert page.locator(".app-table-scroll__hint >> visible=true").count() >= 1
        if path == "/reports":
            chart_hint = page.locator(".app-table-scroll__hint", has_text="the whole chart")
            assert chart_hint.is_visible(), "the chart scrolls at 375 px and says so"
        named = page.locator("caption:not(.govuk-visually-hidden) .app-table-scroll__hint")
        assert named.filter(visible=True).count() >= 1, "the hint under a table's name"
        assert page.locator("caption .app-table-scroll__hint[aria-hidden=true]").count() >= 1
        page.emulate_media(media="print")
        assert page.locator(".app-table-scroll__hint >> visible=true").count() == 0
        page.set_viewport_size({"width": 680, "height": 900})  # A4 less 15mm margins
        regions = page.evaluate(REGIONS)
        assert not any(region["wider"] for region in regions), f"{path} in print: {regions}"
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1280, "height": 900})


def test_cst_pages(server, page, people, accessibility):
    _, base = server
    sign_in(page, base, ADMIN)
    assert page.url == base + "/admin", "CST lands on what is waiting"
    card = page.locator(".govuk-summary-card", has_text="The Tables Organisation 0 Ltd")
    expect(card).to_contain_text("Possible duplicate")
    expect(card).to_contain_text("Tables Organisation 0 (approved): the same name")
    for path in (
        "/admin",
        "/admin/organisations?status=pending",
        "/admin/organisations/new",
        "/admin/users",
        f"/admin/users/{people['reader_id']}",
        "/admin/external",
    ):
        page.goto(base + path)
        accessibility.check(page)
        assert page.locator(".govuk-service-navigation__item--active").count() == 1, path
        rows = page.evaluate(
            "() => new Set([...document.querySelectorAll('.govuk-service-navigation__item')]"
            ".map(item => item.getBoundingClientRect().top)).size"
        )
        assert rows == 1, f"CST's menu on one line at 1280 px on {path}"
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            check_regions(page, f"{path} at {width}px")
            assert page.evaluate(WORDS_SPLIT) == [], path
        page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "/admin/users?q=tables+member")
    expect(page.locator("main")).to_contain_text("9 people match")
    page.get_by_role("link", name="Tables Member 00").click()
    expect(page.locator("h1")).to_have_text("Tables Member 00")
    expect(page.locator("main")).to_contain_text("WRAP")
