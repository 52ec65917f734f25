"""Members' progress in their organisation's required courses, computed in SQL.

One query gives a page of members with, for each assigned course, its status, the date
it was completed and the date it is due, so filtering, sorting and paging thousands of
members never loads them into Python.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from elearn.dates import LONDON
from elearn.extensions import db
from elearn.models import (
    WHOLE_ORGANISATION,
    Assignment,
    CourseStanding,
    Membership,
    ModuleView,
    User,
)
from elearn.web.paging import Paged

REFRESHER_WINDOW = timedelta(days=30)


class MemberStatus(enum.StrEnum):
    OVERDUE = "overdue"
    EXPIRED = "expired"
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    REFRESHER_DUE = "refresher due"
    COMPLETED = "completed"
    NOT_REQUIRED = "not required"  # of this member's team, and not done either


STATUS_ORDER = list(MemberStatus)
REQUIRED_STATUSES = [status for status in STATUS_ORDER if status != MemberStatus.NOT_REQUIRED]
SORTS = ("name", "team", "status")


@dataclass(frozen=True)
class ProgressQuery:
    """What the manager asked to see."""

    course_slugs: tuple[str, ...]  # the organisation's assigned courses, in column order
    course: str | None = None  # the course that status filters and sorting look at:
    # without one, a status filter matches a member with that status in any course
    team: str | None = None
    status: str | None = None
    sort: str = "name"
    descending: bool = False


def course_columns(organisation_id: int, course_slug: str, now: datetime, index: int):
    """One course's columns: due date, completion date, expiry, status and its sort rank.

    The person's standing in the course comes from CourseStanding (one row per person
    and course, joined by its primary key); returns the columns and that join.
    """
    standing = aliased(CourseStanding, name=f"standing_{index}")
    joined = and_(standing.user_id == Membership.user_id, standing.course_slug == course_slug)
    due = (
        select(func.min(Assignment.due_on))
        .where(
            Assignment.organisation_id == organisation_id,
            Assignment.course_slug == course_slug,
            or_(Assignment.team == WHOLE_ORGANISATION, Assignment.team == Membership.team),
        )
        .scalar_subquery()
    )
    completed_at, expires_at = standing.completed_at, standing.expires_at
    started = exists().where(
        ModuleView.user_id == Membership.user_id,
        ModuleView.course_slug == course_slug,
        or_(completed_at.is_(None), ModuleView.last_viewed_at > completed_at),
    )
    valid = and_(standing.user_id.is_not(None), or_(expires_at.is_(None), expires_at > now))
    # The order is a CASE on the same conditions, not on the status: comparing the
    # status with each value would repeat its subqueries once per value.
    outcomes = (
        (
            and_(valid, expires_at.is_not(None), expires_at <= now + REFRESHER_WINDOW),
            MemberStatus.REFRESHER_DUE,
        ),
        (valid, MemberStatus.COMPLETED),
        (due.is_(None), MemberStatus.NOT_REQUIRED),
        (due < now.astimezone(LONDON).date(), MemberStatus.OVERDUE),
        (started, MemberStatus.IN_PROGRESS),
        (standing.user_id.is_not(None), MemberStatus.EXPIRED),
    )
    rank = {value: position for position, value in enumerate(STATUS_ORDER)}
    status = case(
        *((condition, literal(value.value)) for condition, value in outcomes),
        else_=literal(MemberStatus.NOT_STARTED.value),
    )
    order = case(
        *((condition, rank[value]) for condition, value in outcomes),
        else_=rank[MemberStatus.NOT_STARTED],
    )
    columns = (
        status.label(f"status_{index}"),
        completed_at.label(f"completed_{index}"),
        expires_at.label(f"expires_{index}"),
        due.label(f"due_{index}"),
        order.label(f"order_{index}"),
    )
    return columns, (standing, joined)


def progress_select(organisation_id: int, query: ProgressQuery, now: datetime) -> Select:
    """Every active member with their status in each assigned course, filtered and sorted."""
    columns, joins = [], []
    for index, slug in enumerate(query.course_slugs):
        course, join = course_columns(organisation_id, slug, now, index)
        columns += course
        joins.append(join)
    statement = select(
        Membership.id.label("membership_id"),
        Membership.team,
        Membership.role,
        User.full_name,
        User.email,
        *columns,
    ).join(User, User.id == Membership.user_id)
    for standing, joined in joins:
        statement = statement.outerjoin(standing, joined)
    statement = statement.where(
        Membership.organisation_id == organisation_id, Membership.left_at.is_(None)
    )
    if query.team:
        statement = statement.where(Membership.team == query.team)
    selected = _selected_index(query)
    if query.status and query.course in query.course_slugs:
        statement = statement.where(columns[selected * 5] == query.status)
    elif query.status and query.course_slugs:  # no course chosen: in any of them
        statuses = (columns[index * 5] for index in range(len(query.course_slugs)))
        statement = statement.where(or_(*(status == query.status for status in statuses)))
    sort_column = {
        "team": func.coalesce(Membership.team, ""),
        "status": columns[selected * 5 + 4] if selected is not None else User.full_name,
    }.get(query.sort, func.lower(User.full_name))
    sort_column = sort_column.desc() if query.descending else sort_column.asc()
    return statement.order_by(sort_column, func.lower(User.full_name), Membership.id)


def _selected_index(query: ProgressQuery) -> int | None:
    if not query.course_slugs:
        return None
    if query.course in query.course_slugs:
        return query.course_slugs.index(query.course)
    return 0


def progress_page(
    organisation_id: int, query: ProgressQuery, now: datetime, page: int, per_page: int = 50
) -> Paged:
    statement = progress_select(organisation_id, query, now)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    page = max(1, min(page, max(1, -(-total // per_page))))
    rows = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return Paged(rows=rows, total=total, page=page, per_page=per_page)


def status_counts(organisation_id: int, course_slugs: tuple[str, ...], now: datetime) -> dict:
    """For each assigned course, how many of the active members who must take it (the
    whole organisation, or their team) have each status: the same people CST's coverage
    counts. Someone who took a course not required of them is left out here."""
    counts: dict[str, dict[str, int]] = {}
    for index, slug in enumerate(course_slugs):
        columns, (standing, joined) = course_columns(organisation_id, slug, now, index)
        teams = select(Assignment.team).where(
            Assignment.organisation_id == organisation_id, Assignment.course_slug == slug
        )
        # Read once, not for each member: the teams the course is required of.
        required = or_(literal(WHOLE_ORGANISATION).in_(teams), Membership.team.in_(teams))
        inner = (
            select(columns[0])
            .select_from(Membership)
            .outerjoin(standing, joined)
            .where(
                Membership.organisation_id == organisation_id,
                Membership.left_at.is_(None),
                required,
            )
            .subquery()
        )
        column = inner.c[f"status_{index}"]
        rows = db.session.execute(select(column, func.count()).group_by(column)).all()
        counts[slug] = {value: count for value, count in rows}
    return counts


def assigned_course_slugs(organisation_id: int) -> tuple[str, ...]:
    return tuple(
        db.session.scalars(
            select(Assignment.course_slug)
            .where(Assignment.organisation_id == organisation_id)
            .distinct()
            .order_by(Assignment.course_slug)
        )
    )
