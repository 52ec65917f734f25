"""The families of SQL aggregates behind CST's coverage figures, one statement each.

Definitions (docs/reporting.md says the same in words):
- trained in the period: distinct people with a completion (any method) dated in it,
  and people with no account who attended a face-to-face session in it (attendees.py);
- valid now / refresher due / expired: each person's standing in each course, that is
  their latest expiry date (CourseStanding, kept in step with every completion);
- coverage: of the active members of an approved organisation who must take a course
  (assigned to all, or to their team), the share with a valid completion now; and the
  same count, with the organisation's attendees who have no account, against the
  headcount the organisation declared;
- organisations and sectors are credited with completions through the organisations a
  person belonged to when they completed (completion_organisation);
- a channel (ReportQuery.channel) counts only completions of that method; standing is
  then worked out from those completions, as update_standing does for all of them.

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

from elearn.courses.standing import standing_select
from elearn.dates import LONDON
from elearn.extensions import db
from elearn.models import (
    WHOLE_ORGANISATION,
    Assignment,
    Booking,
    Completion,
    CourseStanding,
    Membership,
    Organisation,
    OrganisationStatus,
    completion_organisation,
)
from elearn.reports import attendees
from elearn.reports.query import TOTAL, ReportQuery
from elearn.reports.sql import london_month, read_in_order

REFRESHER_WINDOW = timedelta(days=30)


def _member_team():
    """A member's team for matching requirements; one with no team meets only the
    organisation-wide ones."""
    return func.coalesce(Membership.team, WHOLE_ORGANISATION)


def _course_filter(query: ReportQuery, column):
    return column == query.course if query.course else literal(True)


def _channel_filter(query: ReportQuery) -> tuple:
    """The condition on a completion's method for the query's channel (none for all, so
    that the statements for every channel are the same as with no channel at all)."""
    return (Completion.method == query.channel,) if query.channel else ()


def _by_level(rows) -> dict[tuple[str, str], tuple]:
    return {(row[0], row[1]): tuple(row[2:]) for row in rows}


def _summed(rows) -> dict[tuple[str, str], tuple]:
    """Rows by (level, key), adding up the figures of arms that give the same key (people
    with an account and attendees without one, who are never the same person)."""
    sums: dict[tuple[str, str], tuple] = {}
    for level, key, *values in rows:
        before = sums.get((level, key))
        sums[(level, key)] = (
            tuple(values) if before is None else tuple(map(sum, zip(before, values, strict=True)))
        )
    return sums


def _standing(query: ReportQuery):
    """Each person's standing per course (user_id, course_slug, expires_at): the kept
    CourseStanding for every channel; for one channel, the same worked out from that
    channel's completions (the latest expiry, None when one never expires)."""
    if not query.channel:
        return CourseStanding.__table__
    return (
        standing_select()
        .where(*_channel_filter(query), _course_filter(query, Completion.course_slug))
        .subquery("standing")
    )


# --- completions dated in the period and in the previous one ------------------------------


def period_counts(query: ReportQuery) -> dict[tuple[str, str], tuple]:
    """(people trained, completions, people trained in the previous period) per course
    and in total.

    Each period is counted on its own, per course and in all: four plain counts of
    distinct people, read in order from the indexes by course and person and by person
    (ix_completion_course_learner, ix_completion_learner) rather than sorting every
    completion of the period; PostgreSQL reads them once vacuum has marked the table
    all-visible, and scans the table until then. Attendees with no account are arms of
    their own, added to the counts (each attendance counts as a completion)."""
    periods = (query.period, query.period.previous())
    arms = []
    for which, period in enumerate(periods):
        dated = (
            read_in_order(Completion.completed_at) >= period.starts_at,
            read_in_order(Completion.completed_at) < period.ends_before,
            _course_filter(query, Completion.course_slug),
            *_channel_filter(query),
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
        if query.counts_attendees:
            arms += attendees.period_arms(query, period, which)
    counts: dict[tuple[str, str], tuple] = {}
    for level, key, which, people, completions in db.session.execute(union_all(*arms)):
        if not completions:  # the attendees' total arm, when there are none
            continue
        trained, done, previous = counts.get((level, key), (0, 0, 0))
        if which == 0:
            trained, done = trained + people, done + completions
        else:
            previous += people
        counts[(level, key)] = (trained, done, previous)
    return counts


def monthly(query: ReportQuery) -> list[tuple[str, str, int]]:
    """(course, YYYY-MM, completions) for each month of the period with any; an
    attendance with no account counts in the month of its session."""
    period = query.period
    month = london_month(Completion.completed_at, period.months())
    arms = [
        select(Completion.course_slug, month.label("month"), func.count())
        .where(
            Completion.completed_at >= period.starts_at,
            Completion.completed_at < period.ends_before,
            _course_filter(query, Completion.course_slug),
            *_channel_filter(query),
        )
        .group_by(Completion.course_slug, month)
    ]
    if query.counts_attendees:
        attended_month = london_month(attendees.attended_at, period.months())
        arms.append(
            attendees.attendees(query, period)
            .add_columns(attendees.course, attended_month, func.count())
            .group_by(attendees.course, attended_month)
        )
    counts: dict[tuple[str, str], int] = {}
    for slug, label, count in db.session.execute(union_all(*arms)):
        counts[(slug, label)] = counts.get((slug, label), 0) + count
    return [(slug, label, count) for (slug, label), count in counts.items()]


# --- standing now -------------------------------------------------------------------------


def status_now(query: ReportQuery) -> dict[tuple[str, str], tuple]:
    """(valid, refresher due, expired) per course and in total.

    Everyone holds one standing per course, so the total is the sum of the courses'
    counts: three rows at most, added up here rather than read twice."""
    now, soon = query.now, query.now + REFRESHER_WINDOW
    standing = _standing(query)
    expires = standing.c.expires_at
    statement = (
        select(
            literal("course"),
            standing.c.course_slug,
            func.count(case((or_(expires.is_(None), expires > soon), 1))),
            func.count(case((and_(expires > now, expires <= soon), 1))),
            func.count(case((expires <= now, 1))),
        )
        .where(_course_filter(query, standing.c.course_slug))
        .group_by(standing.c.course_slug)
    )
    counts = _by_level(db.session.execute(statement).all())
    counts[("total", TOTAL)] = tuple(map(sum, zip(*counts.values(), strict=True))) or (0, 0, 0)
    return counts


# --- coverage of required training --------------------------------------------------------


def _required_members(query: ReportQuery, standing, *conditions):
    """Each active member of an approved organisation joined to each requirement that
    applies to them (for everyone, or for their team), with their standing in the
    course (`_standing`) if it is valid now (else NULLs): a select to add columns and
    groups to."""
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
            standing,
            and_(
                standing.c.user_id == Membership.user_id,
                standing.c.course_slug == Assignment.course_slug,
                or_(standing.c.expires_at.is_(None), standing.c.expires_at > query.now),
            ),
        )
        .where(
            Organisation.status == OrganisationStatus.APPROVED,
            _course_filter(query, Assignment.course_slug),
            *conditions,
        )
    )


def coverage(query: ReportQuery) -> dict[tuple[str, str], tuple]:
    """(members, trained, headcount, courses, attendees) by course, sector and
    organisation (key: its id as text), and the (organisation, course) pairs themselves
    ("pair", "id|slug").

    Each member is looked up once for each course they must take, with their standing
    in it. A member required to take a course twice over (by the whole organisation and
    by their team) counts once: a team's own requirement is left out where the whole
    organisation must take the course anyway. Attendees are the organisation's people
    with no account whose attendance of the course is valid now: they count towards
    coverage of headcount, not of members.
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
    standing = _standing(query)
    pairs = (
        _required_members(
            query, standing, or_(Assignment.team == WHOLE_ORGANISATION, ~everyone_too)
        )
        .add_columns(
            Organisation.id.label("organisation_id"),
            Organisation.sector,
            Organisation.headcount,
            Assignment.course_slug,
            func.count().label("members"),
            func.count(standing.c.user_id).label("trained"),
        )
        .group_by(Organisation.id, Assignment.course_slug)
        .cte("pairs")
    )
    covered = attendees.with_attendees(query, pairs)

    def totals(level: str, key):
        return select(
            literal(level).label("level"),
            key.label("key"),
            func.sum(covered.c.members),
            func.sum(covered.c.trained),
            func.sum(covered.c.headcount),
            func.count(),
            func.sum(covered.c.attended),
        ).group_by(key)

    pair_key = cast(covered.c.organisation_id, String) + literal("|") + covered.c.course_slug
    statement = union_all(
        totals("course", covered.c.course_slug),
        totals("sector", covered.c.sector),
        totals("organisation", cast(covered.c.organisation_id, String)),
        select(
            literal("pair"),
            pair_key,
            covered.c.members,
            covered.c.trained,
            covered.c.headcount,
            literal(1, Integer),
            covered.c.attended,
        ),
    )
    return _by_level(db.session.execute(statement).all())


def overdue(query: ReportQuery) -> dict[str, int]:
    """Active members per organisation (key: its id as text) without a valid completion
    of a required course whose due date (their team's or everyone's) has passed."""
    standing = _standing(query)
    statement = (
        _required_members(
            query,
            standing,
            Assignment.due_on < query.now.astimezone(LONDON).date(),
            standing.c.user_id.is_(None),
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
    """People trained in the period, credited to each organisation and each sector; with
    the organisation's attendees of the period who have no account (arms of their own,
    added: they are never the same people)."""
    period = query.period
    approved = Organisation.status == OrganisationStatus.APPROVED
    credit = (
        select(Completion.user_id, Organisation.id.label("organisation_id"), Organisation.sector)
        .join(completion_organisation, completion_organisation.c.completion_id == Completion.id)
        .join(Organisation, Organisation.id == completion_organisation.c.organisation_id)
        .where(
            Completion.completed_at >= period.starts_at,
            Completion.completed_at < period.ends_before,
            _course_filter(query, Completion.course_slug),
            *_channel_filter(query),
            approved,
        )
        .cte("credit")
    )
    arms = [
        select(
            literal("organisation"),
            cast(credit.c.organisation_id, String),
            func.count(distinct(credit.c.user_id)),
        ).group_by(credit.c.organisation_id),
        select(literal("sector"), credit.c.sector, func.count(distinct(credit.c.user_id))).group_by(
            credit.c.sector
        ),
    ]
    if query.counts_attendees:
        attended = attendees.attendees(query, period, approved).join(
            Organisation, Organisation.id == Booking.organisation_id
        )
        people = func.count(distinct(attendees.person()))
        arms += [
            attended.add_columns(
                literal("organisation"), cast(Booking.organisation_id, String), people
            ).group_by(Booking.organisation_id),
            attended.add_columns(literal("sector"), Organisation.sector, people).group_by(
                Organisation.sector
            ),
        ]
    return _summed(db.session.execute(union_all(*arms)).all())
