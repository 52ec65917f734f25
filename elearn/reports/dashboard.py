"""Everything the dashboard, its exports and the committee PDF show, for one query."""

from __future__ import annotations

from dataclasses import dataclass, field

from elearn.models import SECTORS
from elearn.reports import coverage
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
    departments: list[dict] = field(default_factory=list)
    trend: dict[str, dict[str, int]] = field(default_factory=dict)
    gaps: list[dict] = field(default_factory=list)
    overdue: list[dict] = field(default_factory=list)
    sectors_without: list[str] = field(default_factory=list)

    @property
    def summary(self) -> list[str]:
        return summary(self.headline, self.courses, self.query.period)


def build(query: ReportQuery, titles: dict[str, str], threshold: int = 50) -> Dashboard:
    organisations = with_names(coverage.by_organisation(query), titles)
    return Dashboard(
        query=query,
        titles=titles,
        threshold=threshold,
        headline=coverage.headline(query),
        courses=with_names(coverage.by_course(query), titles),
        sectors=with_names(coverage.by_sector(query), titles),
        departments=[row for row in organisations if row["sector"] == "corporation_department"],
        trend=coverage.trend(query),
        gaps=with_names(coverage.low_coverage(query, threshold), titles),
        overdue=sorted(
            (row for row in organisations if row["overdue"]),
            key=lambda row: -row["overdue"],
        ),
        sectors_without=[SECTORS[key] for key in coverage.sectors_without_organisations(SECTORS)],
    )
