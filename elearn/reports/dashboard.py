"""Everything the dashboard, its exports and the committee PDF show, for one query."""

from __future__ import annotations

from dataclasses import dataclass, field

from elearn.models import SECTORS
from elearn.reports import coverage
from elearn.reports.cache import cached
from elearn.reports.coverage import Headline, ReportQuery
from elearn.reports.summary import summary
from elearn.reports.tables import with_names


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

    @property
    def summary(self) -> list[str]:
        return summary(self.headline, self.courses, self.query.period)


def build(query: ReportQuery, titles: dict[str, str], threshold: int = 50) -> Dashboard:
    """The dashboard's figures, from the cache while nothing has changed."""
    key = (query.period, query.course, threshold, tuple(sorted(titles.items())))
    return cached(key, lambda: compute(query, titles, threshold))


def compute(query: ReportQuery, titles: dict[str, str], threshold: int) -> Dashboard:
    figures = coverage.Figures(query).prefetch()
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
    )
