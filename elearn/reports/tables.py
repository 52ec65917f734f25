"""The report tables: their columns once, for the page, the CSV and the PDF alike."""

from __future__ import annotations

from dataclasses import dataclass

from elearn.models import SECTORS


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False
    percent: bool = False


COVERAGE = (
    Column("required_of", "Required of", numeric=True),
    Column("trained_of_required", "Of whom trained", numeric=True),
    Column("coverage", "Coverage of members", numeric=True, percent=True),
    Column("headcount_coverage", "Coverage of headcount", numeric=True, percent=True),
)

TABLES: dict[str, tuple[str, tuple[Column, ...]]] = {
    "courses": (
        "Training by course",
        (
            Column("title", "Course"),
            Column("people_trained", "People trained in the period", numeric=True),
            Column("completions", "Completions in the period", numeric=True),
            Column("previous_people_trained", "Trained in the previous period", numeric=True),
            Column("valid_now", "Valid now", numeric=True),
            Column("refresher_due", "Refresher due", numeric=True),
            Column("expired", "Expired", numeric=True),
            *COVERAGE,
        ),
    ),
    "sectors": (
        "Training by sector",
        (
            Column("sector_name", "Sector"),
            Column("organisations", "Organisations", numeric=True),
            Column("members", "Members", numeric=True),
            Column("headcount", "Headcount", numeric=True),
            Column("people_trained", "People trained in the period", numeric=True),
            *COVERAGE,
        ),
    ),
    "organisations": (
        "Training by organisation",
        (
            Column("name", "Organisation"),
            Column("sector_name", "Sector"),
            Column("members", "Members", numeric=True),
            Column("headcount", "Headcount", numeric=True),
            Column("people_trained", "People trained in the period", numeric=True),
            Column("overdue", "Overdue", numeric=True),
            *COVERAGE,
        ),
    ),
    "channels": (
        "Training by channel",
        (
            Column("title", "Course"),
            Column("channel_name", "Channel"),
            Column("people_trained", "People trained in the period", numeric=True),
            Column("completions", "Completions in the period", numeric=True),
        ),
    ),
    "gaps": (
        "Organisations below the coverage threshold",
        (
            Column("name", "Organisation"),
            Column("sector_name", "Sector"),
            Column("title", "Course"),
            Column("members", "Required of", numeric=True),
            Column("trained", "Of whom trained", numeric=True),
            Column("coverage", "Coverage", numeric=True, percent=True),
        ),
    ),
}


def with_names(rows: list[dict], titles: dict[str, str]) -> list[dict]:
    """Add the display names that the tables show for sector keys and course slugs."""
    for row in rows:
        if "sector" in row:
            row["sector_name"] = SECTORS.get(row["sector"], row["sector"])
        if "course" in row:
            row["title"] = titles.get(row["course"], row["course"])
    return rows


def sort_rows(rows: list[dict], columns: tuple[Column, ...], key: str | None, descending: bool):
    """Aggregated rows (a few hundred at most) sorted by one column; None sorts last."""
    if key not in {column.key for column in columns}:
        return rows
    present = [row for row in rows if row.get(key) is not None]
    missing = [row for row in rows if row.get(key) is None]
    return sorted(present, key=lambda row: row[key], reverse=descending) + missing


def cell(row: dict, column: Column) -> str:
    value = row.get(column.key)
    if value is None:
        return "–" if column.numeric else ""
    if column.percent:
        return f"{value:.1f}%"
    if column.numeric:
        return f"{value:,}"
    return str(value)
