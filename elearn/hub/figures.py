"""The hub's figures for a period: findings by kind, strand, area and month, removal
times against the target, and the positions for a map.

Counted by when a finding was seen; a report closed as a duplicate of another is not
counted again. The area is the postcode's outward code (EC2V of EC2V 7HH). One grouped
statement gives the four tables; removal times read the findings that were to be
removed (passed to street cleansing, or marked removed), at most a few a day.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select

from elearn.extensions import db
from elearn.hub.findings import KINDS, OPEN, STRANDS
from elearn.hub.triage import GRAFFITI_HOURS, WORKING_DAYS
from elearn.models import Finding, FindingKind, Organisation
from elearn.reports.paper import Section, Table
from elearn.reports.periods import Period
from elearn.reports.sql import london_month
from elearn.reports.tables import Column
from elearn.web.filters import london_date

MAP_POINTS = 2000  # the newest, if a period has more


@dataclass(frozen=True)
class Count:
    label: str
    count: int


@dataclass(frozen=True)
class Removals:
    """Findings to be removed within one target, and how that went."""

    target: str
    to_remove: int = 0
    in_time: int = 0
    late: int = 0
    overdue: int = 0  # not removed yet, past the target
    not_yet_due: int = 0
    median_hours: float | None = None  # from the report to the removal

    @property
    def median_text(self) -> str:
        if self.median_hours is None:
            return "None removed"
        if self.median_hours < 48:
            return f"{self.median_hours:g} {'hour' if self.median_hours == 1 else 'hours'}"
        return f"{self.median_hours / 24:.1f} days"

    @property
    def in_time_percent(self) -> int | None:
        removed = self.in_time + self.late
        return round(100 * self.in_time / removed) if removed else None


@dataclass
class HubFigures:
    period: Period
    total: int = 0
    kinds: list[Count] = field(default_factory=list)
    strands: list[Count] = field(default_factory=list)
    areas: list[Count] = field(default_factory=list)
    # kind label -> month -> findings, every month of the period, for the chart
    by_month: dict[str, dict[str, int]] = field(default_factory=dict)
    removals: list[Removals] = field(default_factory=list)


TARGETS = {
    "graffiti": f"Hate graffiti: within {GRAFFITI_HOURS} hours",
    "other": f"Stickers, posters and others: within {WORKING_DAYS} working days",
}


def _in(period: Period):
    return (
        Finding.seen_at >= period.starts_at,
        Finding.seen_at < period.ends_before,
        Finding.duplicate_of_id.is_(None),
    )


def area_of(postcode: str) -> str:
    return postcode.split(" ", 1)[0]


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _area():
    """The postcode's outward code, in SQL (postcodes are kept as 'EC2V 6DN')."""
    if _postgresql():
        return func.split_part(Finding.postcode, " ", 1)
    return func.substr(Finding.postcode, 1, func.instr(Finding.postcode, " ") - 1)


def _hours_to_removal():
    if _postgresql():
        return func.extract("epoch", Finding.removed_at - Finding.reported_at) / 3600
    # SQLite keeps both as UTC text, which julianday reads.
    return (func.julianday(Finding.removed_at) - func.julianday(Finding.reported_at)) * 24


def hub_figures(period: Period, now: datetime) -> HubFigures:
    """Four grouped statements: by kind and month, by strand, by area, and removals."""

    def counts(*columns) -> list:
        return db.session.execute(
            select(*columns, func.count()).where(*_in(period)).group_by(*columns)
        ).all()

    month, area = london_month(Finding.seen_at, period.months()), _area()
    by_month: dict[str, Counter] = defaultdict(Counter)
    for kind, in_month, count in counts(Finding.kind, month):
        by_month[kind][in_month] += count
    kinds = {key: sum(months.values()) for key, months in by_month.items()}
    strands = dict(counts(Finding.strand))
    areas = counts(area)
    months = period.months()
    return HubFigures(
        period=period,
        total=sum(kinds.values()),
        kinds=[Count(label, kinds.get(key, 0)) for key, label in KINDS.items()],
        strands=[Count(label, strands[key]) for key, label in STRANDS.items() if key in strands],
        areas=[Count(name, count) for name, count in sorted(areas, key=_most_first)],
        by_month={
            label: {m: by_month[key][m] for m in months}
            for key, label in KINDS.items()
            if key in by_month
        },
        removals=_removals(period, now),
    )


def _most_first(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def _removals(period: Period, now: datetime) -> list[Removals]:
    """Reports with a removal target (passed to street cleansing, or marked removed):
    counted in SQL for each target; the median from the hours of those removed."""
    target = case((Finding.kind == FindingKind.GRAFFITI, "graffiti"), else_="other")
    removed, due = Finding.removed_at, Finding.removal_due_at
    open_ = Finding.status.in_(OPEN)

    def number(*conditions):
        return func.sum(case((and_(*conditions), 1), else_=0))

    # A report closed without being removed (painted over by its owner, say) is no
    # longer street cleansing's to remove: left out.
    with_target = (*_in(period), due.is_not(None), or_(removed.is_not(None), open_))
    tallies = {
        key: Removals(target=TARGETS[key], **dict(zip(FIELDS, numbers, strict=True)))
        for key, *numbers in db.session.execute(
            select(
                target,
                func.count(),
                number(removed.is_not(None), removed <= due),
                number(removed.is_not(None), removed > due),
                number(removed.is_(None), open_, due < now),
                number(removed.is_(None), open_, due >= now),
            )
            .where(*with_target)
            .group_by(target)
        )
    }
    hours: dict[str, list[float]] = defaultdict(list)
    for key, taken in db.session.execute(
        select(target, _hours_to_removal()).where(*with_target, removed.is_not(None))
    ):
        hours[key].append(max(0.0, float(taken)))
    return [
        replace(
            tallies.get(key) or Removals(target=TARGETS[key]),
            median_hours=round(statistics.median(hours[key]), 1) if hours[key] else None,
        )
        for key in TARGETS
    ]


FIELDS = ("to_remove", "in_time", "late", "overdue", "not_yet_due")


PARTNER_DECIMALS = 3  # about 100 m: where it was, not the reporter's route


def map_points(period: Period, exact: bool = False) -> list[dict]:
    """Where findings with a shared position were seen (newest first), for the map: to
    about 100 m, or exactly for CST (a reporter's exact position with a date can trace
    their route, so partners never get it)."""
    rows = db.session.execute(
        select(Finding.kind, Finding.postcode, Finding.seen_at, Finding.latitude, Finding.longitude)
        .where(*_in(period), Finding.latitude.is_not(None), Finding.longitude.is_not(None))
        .order_by(Finding.seen_at.desc())
        .limit(MAP_POINTS)
    ).all()
    places = None if exact else PARTNER_DECIMALS
    return [
        {
            "lat": round(lat, places) if places else lat,
            "lng": round(lng, places) if places else lng,
            "label": f"{KINDS.get(kind, kind)}, {postcode}, {london_date(seen)}",
        }
        for kind, postcode, seen, lat, lng in rows
    ]


EXPORTED = (
    Finding.id,
    Finding.kind,
    Finding.strand,
    Finding.postcode,
    Finding.seen_at,
    Finding.reported_at,
    Finding.status,
    Finding.removal_due_at,
    Finding.removed_at,
    Finding.anonymous,
    Finding.place,
    Finding.description,
    Finding.police_reference,
)


def export_rows(period: Period, for_cst: bool):
    """A row per finding seen in the period, oldest first: the EXPORTED columns and the
    name of the partner it was reported for. Partners get that name only where the
    reporter did not ask to stay anonymous to them, and never the place, what it says or
    the police reference; nobody gets who reported it."""
    statement = (
        select(*EXPORTED, Organisation.name)
        .outerjoin(Organisation, Organisation.id == Finding.organisation_id)
        .where(*_in(period))
        .order_by(Finding.seen_at, Finding.id)
    )
    for row in db.session.execute(statement):
        values = row._asdict()
        if not for_cst:
            values.update(place=None, description=None, police_reference=None)
            if values["anonymous"]:
                values["name"] = None
        yield values


PAPER_AREAS = 12  # the areas with most findings; the rest are added up


def paper_sections(period: Period, now: datetime) -> list[Section]:
    """The committee paper's pages on the hub: findings by kind, strand and area, and
    removals against the target."""
    figures = hub_figures(period, now)
    heading = "Findings reported to the reporting hub"
    if not figures.total:
        return [Section(heading, ["Partners reported nothing seen in this period."])]
    counted = (Column("label", "Kind"), Column("count", "Findings", numeric=True))
    areas = figures.areas[:PAPER_AREAS]
    rest = sum(area.count for area in figures.areas[PAPER_AREAS:])
    if rest:
        areas.append(Count("Other areas", rest))
    graffiti = next((c.count for c in figures.kinds if c.label == KINDS[FindingKind.GRAFFITI]), 0)
    return [
        Section(
            heading,
            [
                f"Partners reported {figures.total:,} "
                f"{'finding' if figures.total == 1 else 'findings'} seen in the period, "
                f"{graffiti:,} of them hate graffiti. A report of something already "
                "reported is counted once."
            ],
            table=_table(counted, figures.kinds),
        ),
        Section(
            "Findings by hate strand or ideology",
            table=_table((Column("label", "Strand or ideology"), counted[1]), figures.strands),
        ),
        Section(
            "Findings by area (postcode district)",
            table=_table((Column("label", "Area"), counted[1]), areas),
        ),
        Section(
            "Removal against the target",
            [
                f"Street cleansing is asked to remove hate graffiti within {GRAFFITI_HOURS} "
                f"hours of the report and anything else within {WORKING_DAYS} working days."
            ],
            table=Table(
                (
                    Column("target", "Target"),
                    Column("to_remove", "To remove", numeric=True),
                    Column("in_time", "Removed in time", numeric=True),
                    Column("late", "Removed late", numeric=True),
                    Column("overdue", "Still up, past the target", numeric=True),
                    Column("median", "Median time to removal", numeric=True),
                ),
                [
                    [
                        row.target,
                        f"{row.to_remove:,}",
                        f"{row.in_time:,}",
                        f"{row.late:,}",
                        f"{row.overdue:,}",
                        row.median_text,
                    ]
                    for row in figures.removals
                ],
            ),
        ),
    ]


def _table(columns: tuple[Column, Column], counts: list[Count]) -> Table:
    return Table(columns, [[count.label, f"{count.count:,}"] for count in counts])
