"""The report tables as rows for CSV: the same cells the dashboard shows."""

from __future__ import annotations

from elearn.reports.dashboard import Dashboard
from elearn.reports.tables import TABLES, cell


def export_rows(name: str, figures: Dashboard, sector: str | None = None):
    """A table's header and rows: courses, sectors, organisations (optionally of one
    sector), departments, gaps, channels or trend."""
    if name == "trend":
        months = figures.query.period.months()
        return ["Course", *months], [
            [figures.titles.get(slug, slug), *values.values()]
            for slug, values in figures.trend.items()
        ]
    if name == "organisations":
        rows = [row for row in figures.organisations if not sector or row["sector"] == sector]
    else:
        rows = {
            "courses": figures.courses,
            "sectors": figures.sectors,
            "departments": figures.departments,
            "gaps": figures.gaps,
            "channels": figures.channels,
        }[name]
    columns = TABLES["organisations" if name == "departments" else name][1]
    return [column.label for column in columns], [
        [cell(row, column) for column in columns] for row in rows
    ]


def export_filename(name: str, figures: Dashboard) -> str:
    """training-courses-2025-06-16-to-2026-06-15.csv; with a channel,
    training-courses-face-to-face-2025-06-16-to-2026-06-15.csv."""
    period, channel = figures.query.period, figures.query.channel
    return f"training-{name}{f'-{channel}' if channel else ''}-{period.start}-to-{period.end}.csv"
