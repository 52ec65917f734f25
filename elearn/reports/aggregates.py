"""The families of SQL aggregates behind CST's coverage figures, one statement each.

Definitions (docs/reporting.md says the same in words):
- trained in the period: distinct people with a completion (any method) dated in it;
- valid now / refresher due / expired: each person's standing in each course, that is
  their latest expiry date (CourseStanding, kept in step with every completion);
- coverage: of the active members of an approved organisation who must take a course
  (assigned to all, or to their team), the share with a valid completion now; and the
  same count against the headcount the organisation declared;
- organisations and sectors are credited with completions through the organisations a
  person belonged to when they completed (completion_organisation).

Each function runs one family as one statement (a CTE and UNION ALL of its groupings)
and returns its rows by (level, key); `coverage.Figures` runs each once for a query, so
the dashboard reads the big tables a handful of times in all.
"""

from __future__ import annotations

from datetime import timedelta

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
from sqlalchemy.orm import aliased

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
from elearn.reports.query import ReportQuery
from elearn.reports.sql import month_of, read_in_order

REFRESHER_WINDOW = timedelta(days=30)
TOTAL = ""  # the key of a figure over every course


def _member_team():
    """A member's team for matching requirements; one with no team meets only the
    organisation-wide ones."""
    return func.coalesce(Membership.team, WHOLE_ORGANISATION)


def _course_filter(query: ReportQuery, column):
    return column == query.course if query.course else literal(True)


def _by_level(rows) -> dict[tuple[str, str], tuple]:
    return {(row[0], row[1]): tuple(row[2:]) for row in rows}


# --- completions dated in the period and in the previous one ------------------------------


def period_counts(query: ReportQuery) -> dict[tuple[str, str], tuple]:
    """(people trained, completions, people trained in the previous period) per course
    and in total.

    Each period is counted on its own, per course and in all: four plain counts of
    distinct people, read in order from the indexes by course and person and by person
    (ix_completion_course_learner, ix_completion_learner) rather than sorting every
    completion of the period; PostgreSQL reads them once vacuum has marked the table
    all-visible, and scans the table until then."""
    periods = (query.period, query.period.previous())
    arms = []
    for which, period in enumerate(periods):
        dated = (
            read_in_order(Completion.completed_at) >= period.starts_at,
            read_in_order(Completion.completed_at) < period.ends_before,
            _course_filter(query, Completion.course_slug),
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


def monthly(query: ReportQuery) -> list[tuple[str, str, int]]:
    """(course, YYYY-MM, completions) for each month of the period with any."""
    period = query.period
    month = month_of(Completion.completed_at)
    return db.session.execute(
        select(Completion.course_slug, month.label("month"), func.count())
        .where(
            Completion.completed_at >= period.starts_at,
            Completion.completed_at < period.ends_before,
            _course_filter(query, Completion.course_slug),
        )
        .group_by(Completion.course_slug, month)
    ).all()


# --- standing now -------------------------------------------------------------------------


def status_now(query: ReportQuery) -> dict[tuple[str, str], tuple]:
    """(valid, refresher due, expired) per course and in total.

    Everyone holds one standing per course, so the total is the sum of the courses'
    counts: three rows at most, added up here rather than read twice."""
    now, soon = query.now, query.now + REFRESHER_WINDOW
    expires = CourseStanding.expires_at
    statement = (
        select(
            literal("course"),
            CourseStanding.course_slug,
            func.count(case((or_(expires.is_(None), expires > soon), 1))),
            func.count(case((and_(expires > now, expires <= soon), 1))),
            func.count(case((expires <= now, 1))),
        )
        .where(_course_filter(query, CourseStanding.course_slug))
        .group_by(CourseStanding.course_slug)
    )
    counts = _by_level(db.session.execute(statement).all())
    counts[("total", TOTAL)] = tuple(map(sum, zip(*counts.values(), strict=True))) or (0, 0, 0)
    return counts


# --- coverage of required training --------------------------------------------------------


def _required_members(query: ReportQuery, *conditions):
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
                _valid_standing(query),
            ),
        )
        .where(
            Organisation.status == OrganisationStatus.APPROVED,
            _course_filter(query, Assignment.course_slug),
            *conditions,
        )
    )


def _valid_standing(query: ReportQuery):
    return or_(CourseStanding.expires_at.is_(None), CourseStanding.expires_at > query.now)


def coverage(query: ReportQuery) -> dict[tuple[str, str], tuple]:
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
        _required_members(query, or_(Assignment.team == WHOLE_ORGANISATION, ~everyone_too))
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


def overdue(query: ReportQuery) -> dict[str, int]:
    """Active members per organisation (key: its id as text) without a valid completion
    of a required course whose due date (their team's or everyone's) has passed."""
    statement = (
        _required_members(
            query, Assignment.due_on < query.now.date(), CourseStanding.user_id.is_(None)
        )
        .add_columns(
            cast(Membership.organisation_id, String),
            func.count(distinct(Membership.user_id)),
        )
        .group_by(Membership.organisation_id)
    )
    return dict(db.session.execute(statement).all())


# --- organisations, members and credit ----------------------------------------------------


def enrolment(query: ReportQuery) -> dict[tuple[str, str], tuple]:
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


def credited(query: ReportQuery) -> dict[tuple[str, str], tuple]:
    """People trained in the period, credited to each organisation and each sector."""
    period = query.period
    credit = (
        select(Completion.user_id, Organisation.id.label("organisation_id"), Organisation.sector)
        .join(completion_organisation, completion_organisation.c.completion_id == Completion.id)
        .join(Organisation, Organisation.id == completion_organisation.c.organisation_id)
        .where(
            Completion.completed_at >= period.starts_at,
            Completion.completed_at < period.ends_before,
            _course_filter(query, Completion.course_slug),
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
        select(literal("sector"), credit.c.sector, func.count(distinct(credit.c.user_id))).group_by(
            credit.c.sector
        ),
    )
    return _by_level(db.session.execute(statement).all())
