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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Select,
    and_,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
)

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


@dataclass(frozen=True)
class ReportQuery:
    period: Period
    now: datetime
    course: str | None = None

    def for_previous_period(self) -> ReportQuery:
        return ReportQuery(self.period.previous(), self.now, self.course)


def _course_filter(query: ReportQuery, column):
    return column == query.course if query.course else literal(True)


def in_period(query: ReportQuery, period: Period | None = None):
    period = period or query.period
    return and_(
        Completion.completed_at >= period.starts_at,
        Completion.completed_at < period.ends_before,
        _course_filter(query, Completion.course_slug),
    )


# --- headline figures -----------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    people_trained: int
    completions: int
    previous_people_trained: int
    valid_now: int
    refresher_due: int
    expired: int


def standing(query: ReportQuery):
    """Each person's standing in each course (one row per person and course)."""
    return (
        select(CourseStanding.user_id, CourseStanding.course_slug, CourseStanding.expires_at)
        .where(_course_filter(query, CourseStanding.course_slug))
        .subquery()
    )


def status_now_columns(standings, now: datetime):
    expires = standings.c.expires_at
    soon = now + REFRESHER_WINDOW
    return (
        func.coalesce(func.sum(case((or_(expires.is_(None), expires > soon), 1), else_=0)), 0),
        func.coalesce(func.sum(case((and_(expires > now, expires <= soon), 1), else_=0)), 0),
        func.coalesce(func.sum(case((expires <= now, 1), else_=0)), 0),
    )


def headline(query: ReportQuery) -> Headline:
    trained, completions = db.session.execute(
        select(func.count(distinct(Completion.user_id)), func.count()).where(in_period(query))
    ).one()
    previous = db.session.scalar(
        select(func.count(distinct(Completion.user_id))).where(
            in_period(query, query.period.previous())
        )
    )
    standings = standing(query)
    valid, due, expired = db.session.execute(
        select(*status_now_columns(standings, query.now))
    ).one()
    return Headline(trained, completions, previous, valid, due, expired)


# --- by course ----------------------------------------------------------------------------


def by_course(query: ReportQuery) -> list[dict]:
    """Per course: trained and completions in the period (and the previous), status now."""
    trained = dict(
        db.session.execute(
            select(Completion.course_slug, func.count(distinct(Completion.user_id)))
            .where(in_period(query))
            .group_by(Completion.course_slug)
        ).all()
    )
    completions = dict(
        db.session.execute(
            select(Completion.course_slug, func.count())
            .where(in_period(query))
            .group_by(Completion.course_slug)
        ).all()
    )
    previous = dict(
        db.session.execute(
            select(Completion.course_slug, func.count(distinct(Completion.user_id)))
            .where(in_period(query, query.period.previous()))
            .group_by(Completion.course_slug)
        ).all()
    )
    standings = standing(query)
    status = {
        slug: (valid, due, expired)
        for slug, valid, due, expired in db.session.execute(
            select(standings.c.course_slug, *status_now_columns(standings, query.now)).group_by(
                standings.c.course_slug
            )
        )
    }
    coverage = {row.course_slug: row for row in coverage_totals(query, "course_slug")}
    slugs = sorted(set(trained) | set(status) | set(coverage))
    return [
        {
            "course": slug,
            "people_trained": trained.get(slug, 0),
            "completions": completions.get(slug, 0),
            "previous_people_trained": previous.get(slug, 0),
            "valid_now": status.get(slug, (0, 0, 0))[0],
            "refresher_due": status.get(slug, (0, 0, 0))[1],
            "expired": status.get(slug, (0, 0, 0))[2],
            **_totals(coverage.get(slug)),
        }
        for slug in slugs
    ]


# --- coverage of required training ------------------------------------------------------------


def coverage_pairs(query: ReportQuery):
    """(organisation, course, members who must take it, of whom trained now), per pair."""
    scope = (
        select(
            Assignment.organisation_id.label("organisation_id"),
            Assignment.course_slug.label("course_slug"),
            Membership.user_id.label("user_id"),
        )
        .join(
            Membership,
            and_(
                Membership.organisation_id == Assignment.organisation_id,
                Membership.left_at.is_(None),
                or_(Assignment.team == WHOLE_ORGANISATION, Assignment.team == Membership.team),
            ),
        )
        .join(Organisation, Organisation.id == Assignment.organisation_id)
        .where(
            Organisation.status == OrganisationStatus.APPROVED,
            _course_filter(query, Assignment.course_slug),
        )
        .distinct()
        .subquery()
    )
    valid = and_(
        CourseStanding.user_id == scope.c.user_id,
        CourseStanding.course_slug == scope.c.course_slug,
        or_(CourseStanding.expires_at.is_(None), CourseStanding.expires_at > query.now),
    )
    return (
        select(
            scope.c.organisation_id,
            scope.c.course_slug,
            func.count().label("members"),
            func.count(CourseStanding.user_id).label("trained"),
        )
        .select_from(scope)
        .outerjoin(CourseStanding, valid)
        .group_by(scope.c.organisation_id, scope.c.course_slug)
        .subquery()
    )


def coverage_totals(query: ReportQuery, group: str) -> list:
    """Coverage summed by 'course_slug', 'sector' or 'organisation_id'."""
    pairs = coverage_pairs(query)
    key = {
        "course_slug": pairs.c.course_slug,
        "sector": Organisation.sector,
        "organisation_id": pairs.c.organisation_id,
    }[group]
    return db.session.execute(
        select(
            key.label(group),
            func.sum(pairs.c.members).label("members"),
            func.sum(pairs.c.trained).label("trained"),
            func.sum(Organisation.headcount).label("headcount"),
            func.count().label("assignments"),
        )
        .join(Organisation, Organisation.id == pairs.c.organisation_id)
        .group_by(key)
    ).all()


def _percent(part: int | None, whole: int | None) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _coverage_fields(members: int = 0, trained: int = 0, headcount: int | None = None) -> dict:
    """Coverage of required training: against members who must take it, and headcount."""
    members, trained = int(members or 0), int(trained or 0)  # PostgreSQL sums are Decimal
    headcount = int(headcount) if headcount else None
    return {
        "required_of": members,
        "trained_of_required": trained,
        "coverage": _percent(trained, members),
        "headcount_coverage": _percent(trained, headcount),
    }


def _totals(row) -> dict:
    if row is None:
        return _coverage_fields()
    return _coverage_fields(row.members, row.trained, row.headcount)


# --- by organisation and by sector ----------------------------------------------------------


def _active_members() -> Select:
    return select(Membership.organisation_id, func.count(distinct(Membership.user_id))).where(
        Membership.left_at.is_(None)
    )


def _credited_in_period(query: ReportQuery, key):
    return (
        select(key, func.count(distinct(Completion.user_id)))
        .select_from(Completion)
        .join(completion_organisation, completion_organisation.c.completion_id == Completion.id)
        .join(Organisation, Organisation.id == completion_organisation.c.organisation_id)
        .where(in_period(query))
        .group_by(key)
    )


def by_organisation(query: ReportQuery, sector: str | None = None) -> list[dict]:
    organisations = db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.sector, Organisation.headcount)
        .where(
            Organisation.status == OrganisationStatus.APPROVED,
            Organisation.sector == sector if sector else literal(True),
        )
        .order_by(Organisation.name)
    ).all()
    members = dict(db.session.execute(_active_members().group_by(Membership.organisation_id)).all())
    trained = dict(db.session.execute(_credited_in_period(query, Organisation.id)).all())
    coverage = {row.organisation_id: row for row in coverage_totals(query, "organisation_id")}
    overdue = dict(db.session.execute(overdue_by_organisation(query)).all())
    return [
        {
            "organisation_id": org.id,
            "name": org.name,
            "sector": org.sector,
            "headcount": org.headcount,
            "members": members.get(org.id, 0),
            "people_trained": trained.get(org.id, 0),
            "overdue": overdue.get(org.id, 0),
            **_organisation_coverage(coverage.get(org.id), org.headcount),
        }
        for org in organisations
    ]


def _organisation_coverage(row, headcount: int | None) -> dict:
    """An organisation's headcount counts once for each course it requires."""
    if row is None:
        return _coverage_fields()
    return _coverage_fields(row.members, row.trained, (headcount or 0) * int(row.assignments))


def by_sector(query: ReportQuery) -> list[dict]:
    organisations = dict(
        db.session.execute(
            select(Organisation.sector, func.count())
            .where(Organisation.status == OrganisationStatus.APPROVED)
            .group_by(Organisation.sector)
        ).all()
    )
    enrolled = dict(
        db.session.execute(
            select(Organisation.sector, func.count(distinct(Membership.user_id)))
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Organisation.status == OrganisationStatus.APPROVED, Membership.left_at.is_(None))
            .group_by(Organisation.sector)
        ).all()
    )
    headcount = dict(
        db.session.execute(
            select(Organisation.sector, func.sum(Organisation.headcount))
            .where(Organisation.status == OrganisationStatus.APPROVED)
            .group_by(Organisation.sector)
        ).all()
    )
    trained = dict(db.session.execute(_credited_in_period(query, Organisation.sector)).all())
    coverage = {row.sector: row for row in coverage_totals(query, "sector")}
    return [
        {
            "sector": sector,
            "organisations": organisations.get(sector, 0),
            "members": enrolled.get(sector, 0),
            "headcount": int(headcount.get(sector) or 0),
            "people_trained": trained.get(sector, 0),
            **_totals(coverage.get(sector)),
        }
        for sector in sorted(set(organisations) | set(trained))
    ]


# --- trend and gaps ---------------------------------------------------------------------------


def month_of(column):
    """YYYY-MM of a UTC timestamp, in the database's own dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def trend(query: ReportQuery) -> dict[str, dict[str, int]]:
    """Completions per course per month of the period, zero-filled."""
    month = month_of(Completion.completed_at)
    rows = db.session.execute(
        select(Completion.course_slug, month.label("month"), func.count())
        .where(in_period(query))
        .group_by(Completion.course_slug, month)
    ).all()
    months = query.period.months()
    series: dict[str, dict[str, int]] = {}
    for slug, label, count in rows:
        series.setdefault(slug, dict.fromkeys(months, 0))[label] = count
    return dict(sorted(series.items()))


def overdue_by_organisation(query: ReportQuery):
    """Per organisation: members past a due date without a valid completion of that course."""
    valid = (
        select(CourseStanding.user_id)
        .where(
            CourseStanding.user_id == Membership.user_id,
            CourseStanding.course_slug == Assignment.course_slug,
            or_(CourseStanding.expires_at.is_(None), CourseStanding.expires_at > query.now),
        )
        .exists()
    )
    overdue = (
        select(Assignment.organisation_id, Membership.user_id)
        .join(
            Membership,
            and_(
                Membership.organisation_id == Assignment.organisation_id,
                Membership.left_at.is_(None),
                or_(Assignment.team == WHOLE_ORGANISATION, Assignment.team == Membership.team),
            ),
        )
        .where(
            Assignment.due_on < query.now.date(),
            _course_filter(query, Assignment.course_slug),
            ~valid,
        )
        .distinct()
        .subquery()
    )
    return select(overdue.c.organisation_id, func.count()).group_by(overdue.c.organisation_id)


def low_coverage(query: ReportQuery, threshold: int) -> list[dict]:
    """Organisation and course pairs whose coverage is below the threshold (percent)."""
    pairs = coverage_pairs(query)
    rows = db.session.execute(
        select(
            Organisation.id,
            Organisation.name,
            Organisation.sector,
            pairs.c.course_slug,
            pairs.c.members,
            pairs.c.trained,
        )
        .join(Organisation, Organisation.id == pairs.c.organisation_id)
        .where(pairs.c.trained * 100 < pairs.c.members * threshold)
        .order_by((pairs.c.trained * 1.0 / pairs.c.members), Organisation.name)
    ).all()
    return [
        {
            "organisation_id": row.id,
            "name": row.name,
            "sector": row.sector,
            "course": row.course_slug,
            "members": row.members,
            "trained": row.trained,
            "coverage": _percent(row.trained, row.members),
        }
        for row in rows
    ]


def sectors_without_organisations(sectors: dict[str, str]) -> list[str]:
    """Sectors in which no approved organisation has an active member."""
    enrolled = set(
        db.session.scalars(
            select(Organisation.sector)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Organisation.status == OrganisationStatus.APPROVED, Membership.left_at.is_(None))
            .distinct()
        )
    )
    return [key for key in sectors if key not in enrolled]
