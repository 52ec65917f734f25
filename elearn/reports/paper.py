"""The committee paper: what CST's training update for the Safer City Partnership says,
once, for the PDF (pdf.py) and the Word document (word.py) alike.

A council committee paper: its cover details (committee, date, author, period covered,
classification), numbered sections, each table under its heading with figures as the
dashboard shows them, and the trend chart with a sentence saying what it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from elearn.reports.dashboard import Dashboard
from elearn.reports.paper_chart import Chart, month_name, trend_chart
from elearn.reports.periods import Period
from elearn.reports.query import channel_only
from elearn.reports.tables import COVERAGE, TABLES, Column, cell
from elearn.web.filters import london_date

TITLE = "Community safety training update"
COMMITTEE = "Safer City Partnership"
AUTHOR = "Community Safety Team"
ISSUER = "Community Safety Team, City of London Corporation"
MARKING = "OFFICIAL"
HOW_COUNTED = (
    "Coverage counts active members of approved organisations who must take a course, and "
    "those of them with a valid completion now. Coverage of headcount compares the same "
    "count, with the people without an account who attended a face-to-face session of the "
    "course and whose training is still valid, with the number of people organisations "
    "told us work, study or volunteer there. Training comes by three channels: e-learning, "
    "face-to-face sessions (with or without an account) and training done elsewhere that "
    "a manager or CST accepted."
)


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: list[list[str]]


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    chart: Chart | None = None
    table: Table | None = None


@dataclass(frozen=True)
class Paper:
    title: str
    subject: str
    details: list[tuple[str, str]]
    sections: list[Section]
    footer: str
    marking: str = MARKING
    author: str = ISSUER


# Sections other parts of elearn add to the paper of every course and channel, before
# "How the figures are counted": functions of the period and the moment, registered once
# by create_app (the reporting hub's findings, elearn/hub/figures.py).
_MORE_SECTIONS: list[Callable[[Period, datetime], list[Section]]] = []


def add_sections(make: Callable[[Period, datetime], list[Section]]) -> None:
    if make not in _MORE_SECTIONS:
        _MORE_SECTIONS.append(make)


def more_sections(figures: Dashboard) -> list[Section]:
    """The registered sections for these figures' period (none in a paper of one course
    or one channel); read from the database, so asked for by the caller."""
    if figures.query.course or figures.query.channel:
        return []
    return [
        section
        for make in _MORE_SECTIONS
        for section in make(figures.query.period, figures.query.now)
    ]


def committee_paper(figures: Dashboard, more: list[Section] = ()) -> Paper:
    """The paper for the dashboard's figures, dated the day they were worked out, with
    `more` sections (`more_sections`) before how the figures are counted."""
    period = figures.query.period.describe()
    courses = (
        figures.titles.get(figures.query.course, figures.query.course)
        if figures.query.course
        else "All courses"
    )
    dated = london_date(figures.query.now)
    only = channel_only(figures.query.channel)
    by_course = split_table("courses", figures.courses)
    by_sector = split_table("sectors", figures.sectors)
    by_department = split_table("organisations", figures.departments, leave_out={"sector_name"})
    sections = [
        Section("Summary", paragraphs=list(figures.summary)),
        Section("Headline figures", table=headline_table(figures)),
        Section("Completions per month", chart=_chart(figures), table=trend_table(figures)),
        Section(TABLES["courses"][0], table=by_course[0]),
        Section("Coverage by course", table=by_course[1]),
        Section(TABLES["sectors"][0], table=by_sector[0]),
        Section("Coverage by sector", paragraphs=_sectors_without(figures), table=by_sector[1]),
        Section(
            TABLES["channels"][0],
            paragraphs=[] if figures.channels else ["No training in this period."],
            table=channels_table(figures) if figures.channels else None,
        ),
        *_departments(figures, by_department),
        Section(
            f"Required training below {figures.threshold}% coverage",
            paragraphs=[] if figures.gaps else ["No organisation is below the threshold."],
            table=gaps_table(figures) if figures.gaps else None,
        ),
        Section(
            "Members overdue, by organisation",
            paragraphs=[] if figures.overdue else ["Nobody is overdue."],
            table=overdue_table(figures) if figures.overdue else None,
        ),
        *more,
        Section("How the figures are counted", paragraphs=[HOW_COUNTED]),
    ]
    return Paper(
        title=f"{TITLE}: {only.lower()}" if only else TITLE,
        subject=f"Training coverage for the {COMMITTEE}, {period}"
        + (f", {only.lower()}" if only else ""),
        details=[
            ("Committee", COMMITTEE),
            ("Date", dated),
            ("Report author", AUTHOR),
            ("Period covered", period),
            ("Courses", courses),
            ("Training", only or "Every channel: e-learning, face-to-face and elsewhere"),
            ("Classification", MARKING),
        ],
        sections=[
            Section(f"{number}. {s.heading}", s.paragraphs, s.chart, s.table)
            for number, s in enumerate(sections, start=1)
        ],
        footer=f"{TITLE}, {dated}",
    )


def headline_table(figures: Dashboard) -> Table:
    headline = figures.headline
    return Table(
        (Column("label", "Figure"), Column("value", "Number", numeric=True)),
        [
            [label, f"{value:,}"]
            for label, value in (
                ("People trained in the period", headline.people_trained),
                ("Completions in the period", headline.completions),
                ("People trained in the previous period", headline.previous_people_trained),
                ("Completions valid now", headline.valid_now),
                ("Due a refresher within 30 days", headline.refresher_due),
                ("Expired", headline.expired),
            )
        ],
    )


def split_table(
    name: str, rows: list[dict], leave_out: set[str] = frozenset()
) -> tuple[Table, Table]:
    """A dashboard table as two that fit a portrait page without breaking a word: the
    training figures, then coverage, each led by the row's name."""
    first, *others = TABLES[name][1]
    training = (
        first,
        *(c for c in others if c not in COVERAGE and c.key not in leave_out),
    )
    coverage = (first, *COVERAGE)
    return tuple(
        Table(columns, [[cell(row, column) for column in columns] for row in rows])
        for columns in (training, coverage)
    )


def _departments(figures: Dashboard, tables: tuple[Table, Table]) -> list[Section]:
    if not figures.departments:
        return [Section("Corporation departments", ["No Corporation department is enrolled yet."])]
    return [
        Section("Corporation departments", table=tables[0]),
        Section("Coverage of Corporation departments", table=tables[1]),
    ]


def gaps_table(figures: Dashboard) -> Table:
    columns = TABLES["gaps"][1]
    return Table(columns, [[cell(row, column) for column in columns] for row in figures.gaps])


def channels_table(figures: Dashboard) -> Table:
    columns = TABLES["channels"][1]
    return Table(columns, [[cell(row, column) for column in columns] for row in figures.channels])


def overdue_table(figures: Dashboard) -> Table:
    columns = (Column("name", "Organisation"), Column("overdue", "Members overdue", numeric=True))
    return Table(columns, [[cell(row, column) for column in columns] for row in figures.overdue])


def trend_table(figures: Dashboard) -> Table:
    """The chart's figures: a row per month, a column per course."""
    slugs = list(figures.trend)
    columns = (
        Column("month", "Month"),
        *(Column(slug, figures.titles.get(slug, slug), numeric=True) for slug in slugs),
    )
    return Table(
        columns,
        [
            [month_name(month), *(f"{figures.trend[slug].get(month, 0):,}" for slug in slugs)]
            for month in figures.query.period.months()
        ],
    )


def _chart(figures: Dashboard) -> Chart:
    return trend_chart(figures.trend, figures.titles, figures.query.period.months())


def _sectors_without(figures: Dashboard) -> list[str]:
    if not figures.sectors_without:
        return []
    return [f"No organisation is enrolled yet from: {', '.join(figures.sectors_without)}."]
