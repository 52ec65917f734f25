"""Coverage by channel (e-learning, face-to-face, training done elsewhere), people with no
account who attended a session, and the dashboard's face-to-face panel, over HTTP.

Aldgate Trust (voluntary, headcount 20) requires Basics of everyone; its members:
- e1: e-learning 60 days ago;
- f1: face-to-face 40 days ago (session s1), and e-learning three years ago, expired;
- x1: training done elsewhere 50 days ago;
- n1: nothing; booked on s1, absent.
With no account: "Walk In" attended s1 (40 days ago) and s2 (20 days ago), one person
twice; "Part Timer" partly attended s1; "Old Timer" attended 400 days ago (expired, and
before the period); "Gone" attended a session that was then cancelled.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import docx
import pypdfium2
import pytest

from elearn.models import (
    Assignment,
    Booking,
    TrainingSession,
    completion_organisation,
    utcnow,
)
from tests.test_reports import csv_rows, kept_figures  # noqa: F401 - a fixture

COURSE = "basics"  # the test catalogue's course: valid for 12 months
TITLE = "Basics of safeguarding"


@pytest.fixture
def channels(make, session):
    now = utcnow()
    org = make.organisation("Aldgate Trust", sector="voluntary", headcount=20)
    session.add(
        Assignment(
            organisation_id=org.id,
            course_slug=COURSE,
            team="",
            due_on=(now + timedelta(days=365)).date(),
        )
    )
    people = {name: make.user(full_name=name, org=org) for name in ("e1", "f1", "x1", "n1")}

    def completed(name, days_ago, method, sequence=1):
        completion = make.completion(
            people[name],
            COURSE,
            completed_at=now - timedelta(days=days_ago),
            expires_at=now - timedelta(days=days_ago - 365),
            method=method,
            sequence=sequence,
        )
        session.execute(
            completion_organisation.insert().values(
                completion_id=completion.id, organisation_id=org.id
            )
        )
        return completion

    completed("e1", 60, "e-learning")
    completed("f1", 3 * 365, "e-learning")
    face_to_face = completed("f1", 40, "face-to-face", sequence=2)
    completed("x1", 50, "external")

    sessions = {}

    def training_session(key, days, capacity=12, status="scheduled", venue="Guildhall"):
        starts = now + timedelta(days=days)
        sessions[key] = TrainingSession(
            public_id=f"{key:0>32}",
            course_slug=COURSE,
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            venue=venue,
            capacity=capacity,
            status=status,
        )
        session.add(sessions[key])
        session.flush()
        return sessions[key]

    def booked(key, user=None, name=None, attendance=None, status="booked", **values):
        session.add(
            Booking(
                session_id=sessions[key].id,
                user_id=people[user].id if user else None,
                name=name,
                organisation_id=org.id,
                status=status,
                attendance=attendance,
                **values,
            )
        )

    training_session("s1", -40)
    booked("s1", "f1", attendance="attended", completion_id=face_to_face.id)
    booked("s1", "n1", attendance="absent")
    booked("s1", name="Walk In", attendance="attended", walk_in=True)
    booked("s1", name="Part Timer", attendance="partly", walk_in=True)
    training_session("s2", -20)
    booked("s2", name="walk in ", attendance="attended", walk_in=True)  # the same person
    booked("s2", name="No Show", attendance="absent")
    booked("s2", name="Not Marked")
    training_session("s3", -400)
    booked("s3", name="Old Timer", attendance="attended", walk_in=True)
    training_session("s4", -30, status="cancelled")
    booked("s4", name="Gone", attendance="attended", walk_in=True)
    booked("s4", name="Gone Too", attendance="absent")
    training_session("upcoming", 10, capacity=12, venue="Barbican Library")
    for name in ("A", "B", "C"):
        booked("upcoming", name=name)
    booked("upcoming", name="D", status="waiting", waiting_since=now)
    booked("upcoming", name="E", status="waiting", waiting_since=now)
    booked("upcoming", name="F", status="cancelled")
    training_session("full", 5, capacity=2)
    booked("full", name="G")
    booked("full", name="H")
    training_session("called off", 3, status="cancelled")
    session.commit()
    return {"org": org, "sessions": sessions}


def figures_of(page) -> list[str]:
    return [n.get_text(strip=True) for n in page.soup.select(".app-figures__number")]


def row_of(page, caption: str, first: str) -> list[str]:
    """A dashboard table's row, found by its caption and its first cell."""
    for table in page.soup.select("table"):
        if table.caption and table.caption.get_text(strip=True) == caption:
            for row in table.select("tbody tr"):
                cells = [cell.get_text(strip=True) for cell in row.select("th, td")]
                if cells[0] == first:
                    return cells
    raise AssertionError(f"no row {first!r} in {caption!r}")


def channel_rows(page) -> list[list[str]]:
    for table in page.soup.select("table"):
        if table.caption and table.caption.get_text(strip=True) == "Training by channel":
            return [
                [cell.get_text(strip=True) for cell in row.select("th, td")]
                for row in table.select("tbody tr")
            ]
    raise AssertionError("no channel table")


# Courses table: title, trained, completions, previous, valid, due, expired, required of,
# of whom trained, coverage of members, coverage of headcount.


def test_every_channel_counts_attendees_without_an_account(browser, make, channels):
    browser.sign_in(make.user(admin=True))
    page = browser.get("/reports")
    # e1, f1, x1 and Walk In (twice: one person, two attendances)
    assert figures_of(page)[:2] == ["4", "5"]
    assert row_of(page, "Training by course", TITLE) == [
        TITLE,
        "4",
        "5",
        "1",  # Old Timer, in the previous period
        "3",  # standing is of people with an account: e1, f1, x1
        "0",
        "0",
        "4",  # e1, f1, x1, n1; attendees are not members
        "3",
        "75.0%",
        "20.0%",  # 3 members and Walk In, of 20
    ]
    organisation = row_of(page, "Training by sector", "Voluntary and community")
    assert organisation[4:] == ["4", "4", "3", "75.0%", "20.0%"]
    assert channel_rows(page) == [
        [TITLE, "E-learning", "1", "1"],
        [TITLE, "Face-to-face", "2", "3"],
        [TITLE, "Training done elsewhere", "1", "1"],
        ["All courses", "E-learning", "1", "1"],
        ["All courses", "Face-to-face", "2", "3"],
        ["All courses", "Training done elsewhere", "1", "1"],
    ]


def test_one_channel_counts_only_its_own_training(browser, make, channels):
    browser.sign_in(make.user(admin=True))
    page = browser.get("/reports?channel=face-to-face")
    assert "Face-to-face only" in page.soup.select_one(".govuk-caption-l").get_text()
    assert page.soup.select_one("#channel option[selected]")["value"] == "face-to-face"
    assert "2 people completed face-to-face training between" in page.text()
    assert figures_of(page) == ["2", "3", "1", "0", "0"]
    assert row_of(page, "Training by course", TITLE) == [
        TITLE,
        *["2", "3", "1", "1", "0", "0"],
        *["4", "1", "25.0%", "10.0%"],  # f1; f1 and Walk In of 20
    ]
    assert channel_rows(page) == [
        [TITLE, "Face-to-face", "2", "3"],
        ["All courses", "Face-to-face", "2", "3"],
    ]
    department = row_of(page, "Training by sector", "Voluntary and community")
    assert department[4:] == ["2", "4", "1", "25.0%", "10.0%"]

    # f1's e-learning of three years ago has expired; their face-to-face has not.
    page = browser.get("/reports?channel=e-learning")
    assert figures_of(page) == ["1", "1", "1", "0", "1"]  # f1 expired
    assert row_of(page, "Training by course", TITLE)[-4:] == ["4", "1", "25.0%", "5.0%"]

    page = browser.get("/reports?channel=elsewhere")  # training done elsewhere
    assert page.soup.select_one("#channel option[selected]")["value"] == "external"
    assert figures_of(page)[:2] == ["1", "1"]
    assert "1 person completed training elsewhere between" in page.text()
    assert "Training done elsewhere only" in page.text()

    links = [a["href"] for a in page.soup.select("a.govuk-link") if ".csv" in a["href"]]
    assert links and all("channel=elsewhere" in link for link in links), "kept in the links"


def test_csv_exports_by_channel(browser, make, channels):
    browser.sign_in(make.user(admin=True))
    response = browser.client.get("/reports/courses.csv?channel=face-to-face")
    assert "training-courses-face-to-face-" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[1][:3] == [TITLE, "2", "3"]
    assert rows[1][-4:] == ["4", "1", "25.0%", "10.0%"]
    organisations = csv_rows(browser.client.get("/reports/organisations.csv?channel=external"))
    assert organisations[1][:5] == ["Aldgate Trust", "Voluntary and community", "4", "20", "1"]

    rows = csv_rows(browser.client.get("/reports/channels.csv"))
    assert rows[0] == [
        "Course",
        "Channel",
        "People trained in the period",
        "Completions in the period",
    ]
    assert rows[1:] == [
        [TITLE, "E-learning", "1", "1"],
        [TITLE, "Face-to-face", "2", "3"],
        [TITLE, "Training done elsewhere", "1", "1"],
        ["All courses", "E-learning", "1", "1"],
        ["All courses", "Face-to-face", "2", "3"],
        ["All courses", "Training done elsewhere", "1", "1"],
    ]
    trend = csv_rows(browser.client.get("/reports/trend.csv?channel=face-to-face"))
    assert sum(int(n) for n in trend[1][1:]) == 3, "f1, and Walk In twice"


def test_the_committee_paper_has_the_channel_table_and_names_the_channel(browser, make, channels):
    browser.sign_in(make.user(admin=True))
    response = browser.client.get("/reports/training-update.pdf?channel=face-to-face")
    assert "training-update-face-to-face-" in response.headers["Content-Disposition"]
    document = pypdfium2.PdfDocument(response.get_data())
    text = " ".join(
        " ".join(document[index].get_textpage().get_text_range().split())
        for index in range(len(document))
    ).replace("\ufffe", "-")  # the hyphen, as pdfium reads it back
    assert "Community safety training update: face-to-face only" in text
    assert "Training: Face-to-face only" in text
    assert "Training by channel" in text
    assert "2 people completed face-to-face training between" in text

    response = browser.client.get("/reports/training-update.docx")
    paper = docx.Document(io.BytesIO(response.get_data()))
    assert paper.core_properties.title == "Community safety training update"
    headings = [p.text for p in paper.paragraphs if p.style.name == "Heading 2"]
    assert "8. Training by channel" in headings
    (table,) = [t for t in paper.tables if t.rows[0].cells[1].text == "Channel"]
    assert [[cell.text for cell in row.cells] for row in table.rows][1:4] == [
        [TITLE, "E-learning", "1", "1"],
        [TITLE, "Face-to-face", "2", "3"],
        [TITLE, "Training done elsewhere", "1", "1"],
    ]


def test_dashboard_shows_upcoming_sessions_and_the_no_show_rate(browser, make, channels):
    browser.sign_in(make.user(admin=True))
    page = browser.get("/reports")
    rows = page.soup.select("#upcoming-sessions tbody tr")
    cells = [[cell.get_text(strip=True) for cell in row.select("th, td")] for row in rows]
    assert [row[1:] for row in cells] == [
        [TITLE, "Guildhall", "0 of 2", "0"],
        [TITLE, "Barbican Library", "9 of 12", "2"],
    ]
    link = rows[1].th.a["href"]
    assert link == f"/sessions/{'upcoming':0>32}"
    # s1: 2 attended, 1 partly, 1 absent; s2: 1 attended, 1 absent (one not marked);
    # the cancelled session and the one before the period are left out.
    assert page.soup.select_one("#no-show-rate").get_text(" ", strip=True) == (
        "No-show rate in the period: 33.3% (2 absent of 6 marked: 3 attended, 1 partly)."
    )


def test_kept_figures_keep_the_channel_and_the_sessions(
    app,
    make,
    channels,
    kept_figures,  # noqa: F811
):
    from elearn.reports import dashboard
    from elearn.reports.query import ReportQuery

    default = dashboard.default_query()
    with app.app_context():
        every = dashboard.build(default, dashboard.titles())
        again = dashboard.build(default, dashboard.titles())
        face_to_face = dashboard.build(
            ReportQuery(default.period, default.now, channel="face-to-face"), dashboard.titles()
        )
    assert len(kept_figures.worked_out) == 2, "a channel's figures are kept apart"
    assert again == every, "read back the same, sessions' times included"
    assert again.upcoming[0]["starts_at"] == every.upcoming[0]["starts_at"]
    assert (every.headline.people_trained, face_to_face.headline.people_trained) == (4, 2)


def test_an_attendee_is_valid_for_the_course_s_months_from_the_session(app, make, channels):
    from elearn.reports import coverage
    from elearn.reports.periods import Period
    from elearn.reports.query import ReportQuery

    now = utcnow()
    later = now + timedelta(days=340)  # s1 (40 days ago) has expired; s2 has not
    with app.app_context():
        (row,) = coverage.by_organisation(ReportQuery(Period(later.date(), later.date()), later))
    # Members' completions have expired by then too (all within 365 days of now).
    assert (row["trained_of_required"], row["headcount_coverage"]) == (0, 5.0)


def test_the_command_line_report_takes_a_channel(app, channels):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["report", "coverage", "--channel", "face-to-face"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert rows[1][:3] == [TITLE, "2", "3"]
    result = runner.invoke(args=["report", "coverage", "--table", "channels"])
    assert "Training done elsewhere" in result.stdout_bytes.decode("utf-8-sig")
    refused = runner.invoke(args=["report", "coverage", "--channel", "pigeon"])
    assert refused.exit_code == 2 and "pigeon" in refused.output
