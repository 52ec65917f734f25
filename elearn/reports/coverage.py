"""Coverage figures for CST as the reports show them: the headline, tables by course,
sector and organisation, the gaps below a threshold and the monthly trend.

`Figures` runs each family of aggregates (aggregates.py, where the definitions of what
counts are) once for a query, when a table first needs it, and builds every table from
the same rows.
"""

from __future__ import annotations

from functools import cached_property

from sqlalchemy import select

from elearn.extensions import db
from elearn.models import Organisation, OrganisationStatus
from elearn.reports import aggregates, channels
from elearn.reports.aggregates import TOTAL
from elearn.reports.periods import Period
from elearn.reports.query import Headline, ReportQuery


def _percent(part: int, whole: int | None) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def coverage_fields(members=0, trained=0, headcount=None, attended=0) -> dict:
    """Coverage of required training: against members who must take it, and headcount
    (which also counts the attendees with no account: `attended`)."""
    members, trained = int(members or 0), int(trained or 0)  # PostgreSQL sums are Decimal
    headcount = int(headcount) if headcount else None
    return {
        "required_of": members,
        "trained_of_required": trained,
        "coverage": _percent(trained, members),
        "headcount_coverage": _percent(trained + int(attended or 0), headcount),
    }


class Figures:
    """Every aggregate the reports show for one query, each statement run once, lazily."""

    def __init__(self, query: ReportQuery) -> None:
        self.query = query

    # --- the families of aggregates, each run once -----------------------------------------

    @cached_property
    def period_counts(self) -> dict[tuple[str, str], tuple]:
        return aggregates.period_counts(self.query)

    @cached_property
    def status_now(self) -> dict[tuple[str, str], tuple]:
        return aggregates.status_now(self.query)

    @cached_property
    def coverage(self) -> dict[tuple[str, str], tuple]:
        return aggregates.coverage(self.query)

    @cached_property
    def overdue(self) -> dict[str, int]:
        return aggregates.overdue(self.query)

    @cached_property
    def enrolment(self) -> dict[tuple[str, str], tuple]:
        return aggregates.enrolment(self.query)

    @cached_property
    def credited(self) -> dict[tuple[str, str], tuple]:
        return aggregates.credited(self.query)

    @cached_property
    def monthly(self) -> list[tuple[str, str, int]]:
        return aggregates.monthly(self.query)

    @cached_property
    def channels(self) -> dict[tuple[str, str], tuple[int, int]]:
        return channels.by_channel(self.query)

    def coverage_of(self, level: str, key: str) -> dict:
        members, trained, headcount, _, attended = self.coverage.get(
            (level, key), (0, 0, None, 0, 0)
        )
        return coverage_fields(members, trained, headcount, attended)

    # --- the tables ----------------------------------------------------------------------------

    def headline(self) -> Headline:
        trained, completions, previous = self.period_counts.get(("total", TOTAL), (0, 0, 0))
        valid, due, expired = self.status_now.get(("total", TOTAL), (0, 0, 0))
        return Headline(trained, completions, previous, valid, due, expired)

    def by_course(self) -> list[dict]:
        slugs = {key for level, key in self.period_counts if level == "course"}
        slugs |= {key for level, key in self.status_now if level == "course"}
        slugs |= {key for level, key in self.coverage if level == "course"}
        rows = []
        for slug in sorted(slugs):
            trained, completions, previous = self.period_counts.get(("course", slug), (0, 0, 0))
            valid, due, expired = self.status_now.get(("course", slug), (0, 0, 0))
            rows.append(
                {
                    "course": slug,
                    "people_trained": trained,
                    "completions": completions,
                    "previous_people_trained": previous,
                    "valid_now": valid,
                    "refresher_due": due,
                    "expired": expired,
                    **self.coverage_of("course", slug),
                }
            )
        return rows

    def by_sector(self) -> list[dict]:
        sectors = {key for level, key in self.enrolment if level == "sector-organisations"}
        rows = []
        for sector in sorted(sectors):
            organisations, _, headcount = self.enrolment[("sector-organisations", sector)]
            members = self.enrolment.get(("sector", sector), (0, 0, 0))[1]
            rows.append(
                {
                    "sector": sector,
                    "organisations": organisations,
                    "members": members,
                    "headcount": int(headcount or 0),
                    "people_trained": self.credited.get(("sector", sector), (0,))[0],
                    **self.coverage_of("sector", sector),
                }
            )
        return rows

    def by_organisation(self, sector: str | None = None) -> list[dict]:
        statement = select(Organisation.id, Organisation.name, Organisation.sector).where(
            Organisation.status == OrganisationStatus.APPROVED
        )
        if sector:
            statement = statement.where(Organisation.sector == sector)
        rows = []
        for organisation in db.session.execute(statement.order_by(Organisation.name)):
            key = str(organisation.id)
            _, members, headcount = self.enrolment.get(("organisation", key), (1, 0, None))
            covered, trained, _, courses, attended = self.coverage.get(
                ("organisation", key), (0, 0, 0, 0, 0)
            )
            rows.append(
                {
                    "organisation_id": organisation.id,
                    "name": organisation.name,
                    "sector": organisation.sector,
                    "headcount": headcount,
                    "members": members,
                    "people_trained": self.credited.get(("organisation", key), (0,))[0],
                    "overdue": self.overdue.get(key, 0),
                    # The headcount counts once for each course the organisation requires.
                    **coverage_fields(
                        covered, trained, (headcount or 0) * int(courses or 0), attended
                    ),
                }
            )
        return rows

    def low_coverage(self, threshold: int) -> list[dict]:
        """Organisation and course pairs whose coverage is below the threshold (percent)."""
        below = {
            key: (members, trained)
            for (level, key), (members, trained, *_) in self.coverage.items()
            if level == "pair" and trained * 100 < members * threshold
        }
        if not below:
            return []
        ids = {int(key.split("|")[0]) for key in below}
        names = {
            row.id: row
            for row in db.session.execute(
                select(Organisation.id, Organisation.name, Organisation.sector).where(
                    Organisation.id.in_(ids)
                )
            )
        }
        rows = []
        for key, (members, trained) in below.items():
            organisation_id, slug = key.split("|", 1)
            organisation = names[int(organisation_id)]
            rows.append(
                {
                    "organisation_id": organisation.id,
                    "name": organisation.name,
                    "sector": organisation.sector,
                    "course": slug,
                    "members": int(members),
                    "trained": int(trained),
                    "coverage": _percent(int(trained), int(members)),
                }
            )
        return sorted(rows, key=lambda row: (row["coverage"], row["name"]))

    def by_channel(self) -> list[dict]:
        """People trained and completions in the period per course and channel."""
        return channels.channel_rows(self.query, self.channels)

    def trend(self) -> dict[str, dict[str, int]]:
        """Completions per course per month of the period, zero-filled."""
        series: dict[str, dict[str, int]] = {}
        for slug, label, count in self.monthly:
            series.setdefault(slug, dict.fromkeys(self.query.period.months(), 0))[label] = count
        return dict(sorted(series.items()))

    def sectors_without_organisations(self, sectors: dict[str, str]) -> list[str]:
        """Sectors with no approved organisation: the sectors whose "Organisations" count in
        the sector table would be nought (an organisation approved before anyone has
        joined it is enrolled, and counted there)."""
        enrolled = {key for level, key in self.enrolment if level == "sector-organisations"}
        return [key for key in sectors if key not in enrolled]


# One-call helpers, for the command line and the tests.


def headline(query: ReportQuery) -> Headline:
    return Figures(query).headline()


def by_course(query: ReportQuery) -> list[dict]:
    return Figures(query).by_course()


def by_sector(query: ReportQuery) -> list[dict]:
    return Figures(query).by_sector()


def by_organisation(query: ReportQuery, sector: str | None = None) -> list[dict]:
    return Figures(query).by_organisation(sector)


def low_coverage(query: ReportQuery, threshold: int) -> list[dict]:
    return Figures(query).low_coverage(threshold)


def trend(query: ReportQuery) -> dict[str, dict[str, int]]:
    return Figures(query).trend()


def sectors_without_organisations(sectors: dict[str, str]) -> list[str]:
    from elearn.dates import london_today
    from elearn.models import utcnow

    return Figures(
        ReportQuery(Period(london_today(), london_today()), utcnow())
    ).sectors_without_organisations(sectors)
