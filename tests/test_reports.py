"""The CST dashboard, its drill-down, exports, the committee PDF and the CLI, over HTTP."""

from __future__ import annotations

import csv
import io

import pypdfium2
import pytest

from elearn.models import ReportFigures, utcnow
from tests.conftest import Browser, sqlite_writer_waits
from tests.test_coverage import population  # noqa: F401 - the hand-worked population

PERIOD_ARGS = "start=16&start=6&start=2025&end=15&end=6&end=2026"


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_only_cst_sees_reports(app, browser, make, session):
    browser.get("/reports", status=302)
    for person in (make.user(), make.user(org=make.organisation(), role="manager")):
        viewer = Browser(app.test_client())
        viewer.sign_in(person)
        viewer.get("/reports", status=403)
        viewer.get("/reports/courses.csv", status=403)
        viewer.get("/reports/training-update.pdf", status=403)
        viewer.get("/reports/sectors/business", status=403)


def test_dashboard_defaults_to_the_last_twelve_months(browser, make, session):
    browser.sign_in(make.user(admin=True))
    page = browser.get("/reports")
    today = utcnow().date()
    assert int(page.soup.select_one("#end-day")["value"]) == today.day
    assert page.soup.select_one("#end-year")["value"] == str(today.year)
    assert "0 people completed training between" in page.text()
    browser.get("/reports?start=31&start=2&start=2026", status=200)  # not a date: defaults


def test_dashboard_shows_the_figures(browser, make, population):  # noqa: F811
    browser.sign_in(make.user(admin=True))
    page = browser.get(f"/reports?{PERIOD_ARGS}&threshold=60")
    assert page.h1 == "Training coverage"
    text = page.text()
    assert (
        "5 people completed training between 16 June 2025 and 15 June 2026, up 400% on the "
        "previous period." in text
    )
    numbers = [li.get_text(" ", strip=True) for li in page.soup.select(".app-figures__item")]
    assert numbers[:2] == ["5 people trained in the period", "5 completions in the period"]
    courses = page.soup.select("table.app-report-table")[0]
    wrap = [c.get_text(strip=True) for c in courses.select("tbody tr")[1].select("th, td")]
    assert wrap[:4] == ["wrap", "4", "4", "1"]
    assert wrap[-4:] == ["5", "3", "60.0%", "5.0%"]
    assert "Beta College" in page.soup.select("table.app-report-table")[-1].get_text()
    assert page.soup.select_one("svg.app-chart")["role"] == "img"
    assert "Faith group" in text  # a sector with no organisation enrolled


def test_tables_sort_and_drill_down(browser, make, population):  # noqa: F811
    browser.sign_in(make.user(admin=True))
    page = browser.get(f"/reports?{PERIOD_ARGS}&sort=sectors.people_trained&order=desc")
    sectors = page.soup.select("table.app-report-table")[1]
    first = sectors.select_one("tbody tr th a")
    assert first.get_text() == "Business"
    header = sectors.select("thead th")[4]
    assert header["aria-sort"] == "descending"
    sector_page = browser.get(first["href"])
    assert sector_page.h1 == "Business"
    rows = [r.th.get_text(strip=True) for r in sector_page.soup.select("tbody tr")]
    assert rows == ["Alpha Bank"]
    csv = "Download every organisation in this sector (CSV)"
    download = sector_page.soup.find("a", string=csv)["href"]
    assert [row[0] for row in csv_rows(browser.client.get(download))[1:]] == ["Alpha Bank"]
    link = sector_page.soup.select_one("tbody tr th a")["href"]
    assert browser.get(link).h1 == "Alpha Bank"


def test_csv_exports_match_the_dashboard(browser, make, session, population):  # noqa: F811
    population["alpha"].name = "=HYPERLINK(1)"
    session.commit()
    browser.sign_in(make.user(admin=True))
    rows = csv_rows(browser.client.get(f"/reports/courses.csv?{PERIOD_ARGS}"))
    assert rows[0][:3] == ["Course", "People trained in the period", "Completions in the period"]
    assert rows[2][:4] == ["wrap", "4", "4", "1"]
    organisations = csv_rows(browser.client.get(f"/reports/organisations.csv?{PERIOD_ARGS}"))
    names = [row[0] for row in organisations[1:]]
    assert "'=HYPERLINK(1)" in names, "formulas are neutralised"
    trend = csv_rows(browser.client.get(f"/reports/trend.csv?{PERIOD_ARGS}"))
    assert trend[0][:3] == ["Course", "2025-06", "2025-07"]
    assert trend[2][0] == "wrap" and sum(int(n) for n in trend[2][1:]) == 4


def test_training_update_pdf_reads_right(browser, make, population):  # noqa: F811
    browser.sign_in(make.user(admin=True))
    response = browser.client.get(f"/reports/training-update.pdf?{PERIOD_ARGS}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    document = pypdfium2.PdfDocument(response.get_data())
    text = " ".join(
        " ".join(document[index].get_textpage().get_text_range().split())
        for index in range(len(document))
    )
    assert "Community safety training update" in text
    assert "5 people completed training between 16 June 2025 and 15 June 2026" in text
    assert "Training by course" in text and "Training by sector" in text
    assert "Completions per month" in text


def test_cli_report_matches_the_web_export(app, browser, make, tmp_path, population):  # noqa: F811
    browser.sign_in(make.user(admin=True))
    web = browser.client.get(f"/reports/sectors.csv?{PERIOD_ARGS}").get_data()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "report",
            "coverage",
            "--from",
            "2025-06-16",
            "--to",
            "2026-06-15",
            "--table",
            "sectors",
            "--output",
            str(tmp_path / "s.csv"),
        ]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s.csv").read_bytes() == web
    result = runner.invoke(
        args=[
            "report",
            "coverage",
            "--from",
            "2025-06-16",
            "--to",
            "2026-06-15",
            "--format",
            "pdf",
            "--output",
            str(tmp_path / "u.pdf"),
        ]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "u.pdf").read_bytes().startswith(b"%PDF")
    result = runner.invoke(
        args=["report", "coverage", "--from", "2026-06-15", "--to", "2025-06-16"]
    )
    assert result.exit_code == 2


@pytest.fixture
def kept_figures(app, monkeypatch):
    """Figures kept as in production (current for 5 minutes, shown up to 15 minutes old),
    with a count of how often they are worked out (`worked_out`)."""
    from elearn.reports import cache, dashboard

    compute, worked_out = dashboard.compute, []

    def counted(*args):
        worked_out.append(args[0].period)
        return compute(*args)

    monkeypatch.setattr(dashboard, "compute", counted)
    app.config.update(REPORT_CACHE_SECONDS=300, REPORT_STALE_SECONDS=900)
    cache.worked_out = worked_out
    yield cache
    app.config.update(REPORT_CACHE_SECONDS=0)
    del cache.worked_out


def people_trained(page) -> int:
    figures = page.soup.select(".app-figures__number")
    return int(figures[0].get_text(strip=True).replace(",", ""))


def test_kept_figures_are_current_only_while_nothing_changes(app, make, session, kept_figures):
    from datetime import date

    from elearn.reports import dashboard
    from elearn.reports.periods import Period
    from elearn.reports.query import ReportQuery

    query = ReportQuery(Period(date(2000, 1, 1), date(2100, 1, 1)), utcnow())
    with app.app_context():
        first = dashboard.build(query, {})
        again = dashboard.build(query, {})
    assert len(kept_figures.worked_out) == 1, "unchanged data: the kept figures"
    assert again == first, "kept as JSON, read back the same"
    make.completion(make.user())
    with app.app_context():
        second = dashboard.build(query, {})
    assert len(kept_figures.worked_out) == 2
    assert (first.headline.people_trained, second.headline.people_trained) == (0, 1)
    assert second.current


def test_dashboard_shows_older_figures_while_newer_are_worked_out(
    browser, make, session, kept_figures, task_queue
):
    browser.sign_in(make.user(admin=True))
    page = browser.get("/reports")
    assert people_trained(page) == 0
    assert page.soup.select_one("#figures-time").get_text(strip=True).startswith("Figures as of")
    assert len(task_queue) == 0, "worked out in the request: none were kept"

    make.completion(make.user())
    page = browser.get("/reports")
    assert people_trained(page) == 0, "the kept figures, at once"
    notice = page.soup.select_one("#figures-time").get_text(" ", strip=True)
    assert "govuk-inset-text" in page.soup.select_one("#figures-time")["class"]
    assert "Newer ones are being worked out now" in notice
    sector = browser.get("/reports/sectors/corporation_department")  # the same kept figures
    assert "Newer ones are being worked out now" in sector.text()
    assert "Newer ones" in browser.get("/reports").text()

    assert task_queue.run() == 3, "a renewal queued by each view"
    assert len(kept_figures.worked_out) == 2, "worked out again once, not once a view"
    page = browser.get("/reports")
    assert people_trained(page) == 1
    assert "Newer ones" not in page.text()
    assert len(task_queue) == 0

    # A download never shows older figures: it waits for current ones.
    make.completion(make.user())
    rows = csv_rows(browser.client.get("/reports/courses.csv"))
    assert int(rows[1][rows[0].index("People trained in the period")]) == 2
    assert len(task_queue) == 0


def test_figures_too_old_to_show_are_worked_out_first(
    browser, make, session, kept_figures, monkeypatch
):
    from datetime import timedelta

    browser.sign_in(make.user(admin=True))
    assert people_trained(browser.get("/reports")) == 0
    make.completion(make.user())
    later = utcnow() + timedelta(seconds=901)  # older than REPORT_STALE_SECONDS
    monkeypatch.setattr(kept_figures, "utcnow", lambda: later)
    page = browser.get("/reports")
    assert people_trained(page) == 1
    assert "Newer ones" not in page.text()


def test_every_worker_shares_the_kept_figures(
    app, browser, make, session, kept_figures, task_queue
):
    import os
    from pathlib import Path

    from elearn import create_app, tasks
    from elearn.config import TestConfig

    config = TestConfig(Path(app.instance_path), os.environ.get("DATABASE_URL"))
    config.ELEARN_CONTENT_DIR = app.config["ELEARN_CONTENT_DIR"]
    other_worker = create_app(config)  # a second worker: the same database, nothing shared
    tasks.huey._immediate = False  # creating an app set the queue up afresh: hold tasks again
    other_worker.config.update(REPORT_CACHE_SECONDS=300, REPORT_STALE_SECONDS=900)
    admin = make.user(admin=True)
    browser.sign_in(admin)
    browser.get("/reports")
    elsewhere = Browser(other_worker.test_client())
    elsewhere.sign_in(admin)  # audited, but changes nothing the figures count
    page = elsewhere.get("/reports")
    assert people_trained(page) == 0 and "Newer ones" not in page.text()
    assert len(kept_figures.worked_out) == 1, "the other worker found them kept"

    make.completion(make.user())
    browser.get("/reports")  # this worker queues the renewal
    assert "Newer ones" in elsewhere.get("/reports").text()  # and so does the other
    assert task_queue.run() == 2
    assert len(kept_figures.worked_out) == 2, "renewed once, whichever worker queued it"
    assert people_trained(elsewhere.get("/reports")) == 1


def test_the_consumer_keeps_the_default_view_current(app, browser, make, session, kept_figures):
    from elearn.schedule import keep_dashboard_current

    browser.sign_in(make.user(admin=True))
    browser.get("/reports")
    make.completion(make.user())
    with app.app_context():
        keep_dashboard_current()  # what the consumer does every minute
    assert len(kept_figures.worked_out) == 2
    page = browser.get("/reports")
    assert people_trained(page) == 1 and "Newer ones" not in page.text()
    assert len(kept_figures.worked_out) == 2, "worked out by the consumer, not in the request"
    with app.app_context():
        keep_dashboard_current()
    assert len(kept_figures.worked_out) == 2, "current figures are left alone"


def test_the_consumer_works_out_figures_none_were_kept_for(app, browser, make, kept_figures):
    from elearn.schedule import keep_dashboard_current

    make.completion(make.user())
    with app.app_context():
        keep_dashboard_current()  # nothing kept yet: worked out and kept
    assert len(kept_figures.worked_out) == 1
    browser.sign_in(make.user(admin=True))
    page = browser.get("/reports")
    assert people_trained(page) == 1 and "Newer ones" not in page.text()
    assert len(kept_figures.worked_out) == 1, "the view showed the figures the consumer kept"


def test_figures_being_worked_out_by_one_task_are_left_to_it(app, make, kept_figures):
    from elearn import tasks
    from elearn.reports import dashboard

    make.completion(make.user())
    with app.app_context():
        kept = dashboard.default_view()
        with tasks.huey.lock_task("report-figures"):
            assert not kept_figures.refresh(kept), "another task holds the view"
        assert kept_figures.refresh(kept)
    assert len(kept_figures.worked_out) == 1


def test_older_work_never_replaces_newer_figures(app, session, kept_figures):
    from datetime import timedelta

    now = utcnow()
    with app.app_context():
        kept_figures._store("view", "[1]", now, "newer")
        kept_figures._store("view", "[0]", now - timedelta(seconds=1), "older, finished later")
        assert session.get(ReportFigures, "view").figures == "newer"
        kept_figures._store("view", "[2]", now + timedelta(seconds=1), "newest")
    session.expire_all()
    assert session.get(ReportFigures, "view").figures == "newest"


def test_figures_worked_out_by_the_consumer_leave_writers_free(
    app, browser, make, session, kept_figures, monkeypatch, engine, task_queue
):
    from elearn.reports import dashboard
    from elearn.schedule import keep_dashboard_current

    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single write lock")
    work_out, seen = dashboard.compute, []

    def compute(*args):
        figures = work_out(*args)  # its statements leave their transaction open meanwhile
        seen.append(sqlite_writer_waits(engine))
        return figures

    browser.sign_in(make.user(admin=True))
    browser.get("/reports")
    monkeypatch.setattr(dashboard, "compute", compute)
    make.completion(make.user())
    browser.get("/reports")
    assert task_queue.run() == 1
    make.completion(make.user())
    with app.app_context():
        keep_dashboard_current.call_local()  # the periodic task's work, likewise
    assert seen == ["free"] * 2


def test_kept_figures_follow_a_change_to_an_organisation_s_headcount(
    browser, make, session, kept_figures
):
    org = make.organisation()
    manager = make.user(org=org, role="manager")
    make.user(org=org)
    browser.sign_in(make.user(admin=True))

    def headcount() -> str:
        rows = csv_rows(browser.client.get("/reports/organisations.csv"))
        return rows[1][rows[0].index("Headcount")]

    assert headcount() == "–"  # none declared
    manager_browser = Browser(browser.client.application.test_client())
    manager_browser.sign_in(manager)
    manager_browser.get(f"/organisations/{org.id}/headcount")
    manager_browser.post(f"/organisations/{org.id}/headcount", {"headcount": "500"})
    assert headcount() == "500"
