"""Everything the dashboard, its exports and the committee PDF show, for one query."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from elearn.courses.catalogue import current_catalogue
from elearn.dates import LONDON
from elearn.models import SECTORS, utcnow
from elearn.reports import cache, coverage, sessions
from elearn.reports.aggregates import TOTAL
from elearn.reports.periods import Period
from elearn.reports.query import Headline, ReportQuery
from elearn.reports.summary import summary
from elearn.reports.tables import with_names
from elearn.tasks import task


@dataclass
class Dashboard:
    query: ReportQuery
    titles: dict[str, str]
    threshold: int = 50
    headline: Headline | None = None
    courses: list[dict] = field(default_factory=list)
    sectors: list[dict] = field(default_factory=list)
    organisations: list[dict] = field(default_factory=list)
    departments: list[dict] = field(default_factory=list)
    trend: dict[str, dict[str, int]] = field(default_factory=dict)
    gaps: list[dict] = field(default_factory=list)
    overdue: list[dict] = field(default_factory=list)
    sectors_without: list[str] = field(default_factory=list)
    channels: list[dict] = field(default_factory=list)
    # Face-to-face: the next sessions with places left, and the period's no-shows.
    upcoming: list[dict] = field(default_factory=list)
    no_shows: dict | None = None
    # False while the figures shown are older ones and new ones are being worked out.
    current: bool = True

    @property
    def worked_out_at(self):
        return self.query.now

    @property
    def summary(self) -> list[str]:
        return summary(self.headline, self.courses, self.query.period, self.query.channel)


DEFAULT_THRESHOLD = 50


def titles() -> dict[str, str]:
    return {course.slug: course.title for course in current_catalogue()}


def default_query() -> ReportQuery:
    """The dashboard's view with no filters: the last twelve months, every course."""
    now = utcnow()
    return ReportQuery(Period.last_twelve_months(now.astimezone(LONDON).date()), now)


def build(
    query: ReportQuery,
    titles: dict[str, str],
    threshold: int = DEFAULT_THRESHOLD,
    *,
    may_be_older: bool = False,
) -> Dashboard:
    """The dashboard's figures: current ones, kept while nothing has changed; or, with
    may_be_older, kept ones while newer are worked out (see elearn/reports/cache.py)."""
    kept = _kept(query, titles, threshold)
    if not may_be_older:
        return cache.current(kept)
    figures, is_current = cache.served(kept)
    return figures if is_current else replace(figures, current=False)


def default_view() -> cache.Kept:
    """The default view's figures, for keeping them current."""
    return _kept(default_query(), titles(), DEFAULT_THRESHOLD)


def _kept(query: ReportQuery, titles: dict[str, str], threshold: int) -> cache.Kept:
    key = (query.period, query.course, threshold, tuple(sorted(titles.items())))
    if query.channel:  # the key of every channel's view is as it was before channels
        key += (query.channel,)
    period = query.period
    return cache.Kept(
        key,
        # Work done later (by the consumer) counts from its own moment, not the request's.
        lambda: compute(replace(query, now=utcnow()), titles, threshold),
        encode,
        decode,
        lambda: renew_figures(
            period.start.isoformat(),
            period.end.isoformat(),
            query.course,
            threshold,
            query.channel,
        ),
    )


@task()
def renew_figures(
    start: str, end: str, course: str | None, threshold: int, channel: str | None = None
) -> None:
    """The task a view queues when it shows figures that are not current."""
    period = Period(date.fromisoformat(start), date.fromisoformat(end))
    query = ReportQuery(period, utcnow(), course, channel)
    cache.refresh(_kept(query, titles(), threshold))


def encode(figures: Dashboard) -> str:
    """The figures as JSON, to keep (dates and times as ISO 8601)."""
    return json.dumps(asdict(figures), default=_plain, separators=(",", ":"))


def decode(text: str) -> Dashboard:
    data = json.loads(text)
    query, headline = data.pop("query"), data.pop("headline")
    period = query["period"]
    for session in data.get("upcoming", []):
        session["starts_at"] = datetime.fromisoformat(session["starts_at"])
    return Dashboard(
        query=ReportQuery(
            Period(date.fromisoformat(period["start"]), date.fromisoformat(period["end"])),
            datetime.fromisoformat(query["now"]),
            query["course"],
            query.get("channel"),
        ),
        headline=Headline(**headline) if headline else None,
        **data,
    )


def _plain(value):
    if isinstance(value, date):  # and datetime
        return value.isoformat()
    if isinstance(value, Decimal):  # PostgreSQL's sums
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not kept as JSON")


def compute(query: ReportQuery, titles: dict[str, str], threshold: int) -> Dashboard:
    figures = coverage.Figures(query)
    organisations = with_names(figures.by_organisation(), titles)
    return Dashboard(
        query=query,
        titles=titles,
        threshold=threshold,
        headline=figures.headline(),
        courses=with_names(figures.by_course(), titles),
        sectors=with_names(figures.by_sector(), titles),
        organisations=organisations,
        departments=[row for row in organisations if row["sector"] == "corporation_department"],
        trend=figures.trend(),
        gaps=with_names(figures.low_coverage(threshold), titles),
        overdue=sorted(
            (row for row in organisations if row["overdue"]),
            key=lambda row: -row["overdue"],
        ),
        sectors_without=[SECTORS[key] for key in figures.sectors_without_organisations(SECTORS)],
        channels=with_names(figures.by_channel(), titles | {TOTAL: "All courses"}),
        upcoming=with_names(sessions.upcoming(query), titles),
        no_shows=sessions.no_shows(query),
    )
