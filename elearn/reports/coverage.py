"""Coverage figures for CST, every one an SQL aggregate.

Definitions (docs/reporting.md says the same in words):
- trained in the period: distinct people with a completion (any method) dated in it;
- valid now / refresher due / expired: each person's standing in each course, that is
  their latest expiry date (CourseStanding, kept in step with every completion);
- coverage: of the active members of an approved organisation who must take a course
  (assigned to all, or to their team), the share with a valid completion now; and the
  same count against the headcount the organisation declared;
- organisations and sectors are credited with completions through the organisations a
  person belonged to when they completed (completion_organisation).

`Figures` runs each family of aggregates once, as one statement (a CTE and UNION ALL of
its groupings), so the dashboard reads the big tables a handful of times in all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from elearn.extensions import db
from elearn.models import (
    WHOLE_ORGANISATION,
    Assignment,
    Completion,
    CourseStanding,
    Membership,
    Organisation,
    OrganisationStatus,
    completion_organisation,
)
from elearn.reports.periods import Period

REFRESHER_WINDOW = timedelta(days=30)
TOTAL = ""  # the key of a figure over every course


@dataclass(frozen=True)
class ReportQuery:
    period: Period
    now: datetime
    course: str | None = None


@dataclass(frozen=True)
class Headline:
    people_trained: int
    completions: int
    previous_people_trained: int
    valid_now: int
    refresher_due: int
    expired: int


def _member_team():
    """A member's team for matching requirements; one with no team meets only the
    organisation-wide ones."""
    return func.coalesce(Membership.team, WHOLE_ORGANISATION)


def _course_filter(query: ReportQuery, column):
    return column == query.course if query.course else literal(True)


def _percent(part: int, whole: int | None) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def coverage_fields(members=0, trained=0, headcount=None) -> dict:
    """Coverage of required training: against members who must take it, and headcount."""
    members, trained = int(members or 0), int(trained or 0)  # PostgreSQL sums are Decimal
    headcount = int(headcount) if headcount else None
    return {
        "required_of": members,
        "trained_of_required": trained,
        "coverage": _percent(trained, members),
        "headcount_coverage": _percent(trained, headcount),
    }


def _by_level(rows) -> dict[tuple[str, str], tuple]:
    return {(row[0], row[1]): tuple(row[2:]) for row in rows}


class Figures:
    """Every aggregate the reports show for one query, each statement run once, lazily."""

    def __init__(self, query: ReportQuery) -> None:
        self.query = query

    # --- completions dated in the period and in the previous one -------------------------

    @cached_property
    def period_counts(self) -> dict[tuple[str, str], tuple]:
        """(people trained, completions, people trained in the previous period) per course
        and in total.

        Each period is counted on its own, per course and in all: four plain counts of
        distinct people, read in order from the indexes by course and person and by person
        (ix_completion_course_learner, ix_completion_learner) rather than sorting every
        completion of the period; PostgreSQL reads them once vacuum has marked the table
        all-visible, and scans the table until then."""
        periods = (self.query.period, self.query.period.previous())
        arms = []
        for which, period in enumerate(periods):
            dated = (
                read_in_order(Completion.completed_at) >= period.starts_at,
                read_in_order(Completion.completed_at) < period.ends_before,
                _course_filter(self.query, Completion.course_slug),
            )
            for level, key in (("course", Completion.course_slug), ("total", literal(TOTAL))):
                arm = select(
                    literal(level),
                    key,
                    literal(which, Integer),
                    func.count(distinct(Completion.user_id)),
                    func.count(),
                ).where(*dated)
                arms.append(arm.group_by(Completion.course_slug) if level == "course" else arm)
        counts: dict[tuple[str, str], tuple] = {}
        for level, key, which, people, completions in db.session.execute(union_all(*arms)):
            trained, done, previous = counts.get((level, key), (0, 0, 0))
            if which == 0:
                trained, done = people, completions
            else:
                previous = people
            counts[(level, key)] = (trained, done, previous)
        return counts

    # --- standing now ------------------------------------------------------------------------

    @cached_property
    def status_now(self) -> dict[tuple[str, str], tuple]:
        """(valid, refresher due, expired) per course and in total.

        Everyone holds one standing per course, so the total is the sum of the courses'
        counts: three rows at most, added up here rather than read twice."""
        now, soon = self.query.now, self.query.now + REFRESHER_WINDOW
        expires = CourseStanding.expires_at
        statement = (
            select(
                literal("course"),
                CourseStanding.course_slug,
                func.count(case((or_(expires.is_(None), expires > soon), 1))),
                func.count(case((and_(expires > now, expires <= soon), 1))),
                func.count(case((expires <= now, 1))),
            )
            .where(_course_filter(self.query, CourseStanding.course_slug))
            .group_by(CourseStanding.course_slug)
        )
        counts = _by_level(db.session.execute(statement).all())
        counts[("total", TOTAL)] = tuple(map(sum, zip(*counts.values(), strict=True))) or (0, 0, 0)
        return counts

    # --- coverage of required training ------------------------------------------------------

    def _required_members(self, *conditions):
        """Each active member of an approved organisation joined to each requirement that
        applies to them (for everyone, or for their team), with their standing in the
        course if it is valid now (else NULLs): a select to add columns and groups to."""
        team = _member_team()
        return (
            select()
            .select_from(Assignment)
            .join(Organisation, Organisation.id == Assignment.organisation_id)
            .join(
                Membership,
                and_(
                    Membership.organisation_id == Assignment.organisation_id,
                    Membership.left_at.is_(None),
                    Assignment.team.in_([WHOLE_ORGANISATION, team]),
                ),
            )
            .outerjoin(
                CourseStanding,
                and_(
                    CourseStanding.user_id == Membership.user_id,
                    CourseStanding.course_slug == Assignment.course_slug,
                    self._valid_standing(),
                ),
            )
            .where(
                Organisation.status == OrganisationStatus.APPROVED,
                _course_filter(self.query, Assignment.course_slug),
                *conditions,
            )
        )

    def _valid_standing(self):
        return or_(CourseStanding.expires_at.is_(None), CourseStanding.expires_at > self.query.now)

    @cached_property
    def coverage(self) -> dict[tuple[str, str], tuple]:
        """(members, trained, headcount, courses) by course, sector and organisation (key:
        its id as text), and the (organisation, course) pairs themselves ("pair", "id|slug").

        Each member is looked up once for each course they must take, with their standing
        in it. A member required to take a course twice over (by the whole organisation and
        by their team) counts once: a team's own requirement is left out where the whole
        organisation must take the course anyway.
        """
        everyone = aliased(Assignment)
        everyone_too = (
            select(literal(1))
            .where(
                everyone.organisation_id == Assignment.organisation_id,
                everyone.course_slug == Assignment.course_slug,
                everyone.team == WHOLE_ORGANISATION,
            )
            .exists()
        )
        pairs = (
            self._required_members(or_(Assignment.team == WHOLE_ORGANISATION, ~everyone_too))
            .add_columns(
                Organisation.id.label("organisation_id"),
                Organisation.sector,
                Organisation.headcount,
                Assignment.course_slug,
                func.count().label("members"),
                func.count(CourseStanding.user_id).label("trained"),
            )
            .group_by(Organisation.id, Assignment.course_slug)
            .cte("pairs")
        )

        def totals(level: str, key):
            return select(
                literal(level).label("level"),
                key.label("key"),
                func.sum(pairs.c.members),
                func.sum(pairs.c.trained),
                func.sum(pairs.c.headcount),
                func.count(),
            ).group_by(key)

        pair_key = cast(pairs.c.organisation_id, String) + literal("|") + pairs.c.course_slug
        statement = union_all(
            totals("course", pairs.c.course_slug),
            totals("sector", pairs.c.sector),
            totals("organisation", cast(pairs.c.organisation_id, String)),
            select(
                literal("pair"),
                pair_key,
                pairs.c.members,
                pairs.c.trained,
                pairs.c.headcount,
                literal(1, Integer),
            ),
        )
        return _by_level(db.session.execute(statement).all())

    @cached_property
    def overdue(self) -> dict[str, int]:
        """Active members per organisation (key: its id as text) without a valid completion
        of a required course whose due date (their team's or everyone's) has passed."""
        statement = (
            self._required_members(
                Assignment.due_on < self.query.now.date(), CourseStanding.user_id.is_(None)
            )
            .add_columns(
                cast(Membership.organisation_id, String),
                func.count(distinct(Membership.user_id)),
            )
            .group_by(Membership.organisation_id)
        )
        return dict(db.session.execute(statement).all())

    def coverage_of(self, level: str, key: str) -> dict:
        members, trained, headcount, _ = self.coverage.get((level, key), (0, 0, None, 0))
        return coverage_fields(members, trained, headcount)

    # --- organisations, members and credit ---------------------------------------------------

    @cached_property
    def enrolment(self) -> dict[tuple[str, str], tuple]:
        """(organisations, active members, headcount) by sector, and (1, members, headcount)
        by organisation; only approved organisations."""
        approved = Organisation.status == OrganisationStatus.APPROVED
        members = (
            select(Membership.organisation_id, Membership.user_id)
            .where(Membership.left_at.is_(None))
            .subquery()
        )
        by_organisation = (
            select(
                literal("organisation"),
                cast(Organisation.id, String),
                literal(1, Integer),
                func.count(members.c.user_id),
                func.max(Organisation.headcount),
            )
            .select_from(Organisation)
            .outerjoin(members, members.c.organisation_id == Organisation.id)
            .where(approved)
            .group_by(Organisation.id)
        )
        by_sector_members = (
            select(
                literal("sector"),
                Organisation.sector,
                literal(0, Integer),
                func.count(distinct(members.c.user_id)),
                literal(0, Integer),
            )
            .join(members, members.c.organisation_id == Organisation.id)
            .where(approved)
            .group_by(Organisation.sector)
        )
        by_sector_organisations = (
            select(
                literal("sector-organisations"),
                Organisation.sector,
                func.count(),
                literal(0, Integer),
                func.sum(Organisation.headcount),
            )
            .where(approved)
            .group_by(Organisation.sector)
        )
        statement = union_all(by_organisation, by_sector_members, by_sector_organisations)
        return _by_level(db.session.execute(statement).all())

    @cached_property
    def credited(self) -> dict[tuple[str, str], tuple]:
        """People trained in the period, credited to each organisation and each sector."""
        period = self.query.period
        credit = (
            select(
                Completion.user_id, Organisation.id.label("organisation_id"), Organisation.sector
            )
            .join(completion_organisation, completion_organisation.c.completion_id == Completion.id)
            .join(Organisation, Organisation.id == completion_organisation.c.organisation_id)
            .where(
                Completion.completed_at >= period.starts_at,
                Completion.completed_at < period.ends_before,
                _course_filter(self.query, Completion.course_slug),
                Organisation.status == OrganisationStatus.APPROVED,
            )
            .cte("credit")
        )
        statement = union_all(
            select(
                literal("organisation"),
                cast(credit.c.organisation_id, String),
                func.count(distinct(credit.c.user_id)),
            ).group_by(credit.c.organisation_id),
            select(
                literal("sector"), credit.c.sector, func.count(distinct(credit.c.user_id))
            ).group_by(credit.c.sector),
        )
        return _by_level(db.session.execute(statement).all())

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
            covered, trained, _, courses = self.coverage.get(("organisation", key), (0, 0, 0, 0))
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
                    **coverage_fields(covered, trained, (headcount or 0) * int(courses or 0)),
                }
            )
        return rows

    def low_coverage(self, threshold: int) -> list[dict]:
        """Organisation and course pairs whose coverage is below the threshold (percent)."""
        below = {
            key: (members, trained)
            for (level, key), (members, trained, _, _) in self.coverage.items()
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

    @cached_property
    def monthly(self) -> list[tuple[str, str, int]]:
        """(course, YYYY-MM, completions) for each month of the period with any."""
        period = self.query.period
        month = month_of(Completion.completed_at)
        return db.session.execute(
            select(Completion.course_slug, month.label("month"), func.count())
            .where(
                Completion.completed_at >= period.starts_at,
                Completion.completed_at < period.ends_before,
                _course_filter(self.query, Completion.course_slug),
            )
            .group_by(Completion.course_slug, month)
        ).all()

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


def read_in_order(column) -> ColumnElement:
    """The column, compared as it is; on SQLite written `+column`, which keeps the planner
    from looking up a range of it in an index, so that it reads an index in the order of
    the groups and distinct people it counts instead of sorting what a range gives."""
    return _ReadInOrder(column)


class _ReadInOrder(ColumnElement):
    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column) -> None:
        self.column = column
        self.type = column.type


@compiles(_ReadInOrder)
def _compile_read_in_order(element, compiler, **kw) -> str:
    return compiler.process(element.column, **kw)


@compiles(_ReadInOrder, "sqlite")
def _compile_read_in_order_sqlite(element, compiler, **kw) -> str:
    return "+" + compiler.process(element.column, **kw)


def month_of(column):
    """YYYY-MM of a UTC timestamp, in the database's own dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    # SQLite keeps it as text, "YYYY-MM-DD HH:MM:SS.ffffff" in UTC: its first seven
    # characters are the month (a third quicker than strftime over a year's completions).
    return func.substr(column, 1, 7)


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
    from elearn.models import utcnow

    return Figures(
        ReportQuery(Period(utcnow().date(), utcnow().date()), utcnow())
    ).sectors_without_organisations(sectors)
