"""Keep CourseStanding in step with Completion (see the model for why it exists)."""

from __future__ import annotations

from sqlalchemy import case, delete, func, select, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from elearn.extensions import db
from elearn.models import Completion, CourseStanding
from elearn.models.types import UTCDateTime


def standing_select():
    """Latest completion and latest expiry per person and course; None if one never expires."""
    return select(
        Completion.user_id,
        Completion.course_slug,
        func.max(Completion.completed_at).label("completed_at"),
        type_coerce(
            case(
                (func.count(Completion.expires_at) < func.count(), None),
                else_=func.max(Completion.expires_at),
            ),
            UTCDateTime,
        ).label("expires_at"),
    ).group_by(Completion.user_id, Completion.course_slug)


def update_standing(user_id: int, course_slug: str, session: Session | None = None) -> None:
    """Recompute one person's standing in one course, after a completion was added (or
    withdrawn: with none left, they have no standing in it)."""
    session = session or db.session
    row = session.execute(
        standing_select().where(
            Completion.user_id == user_id, Completion.course_slug == course_slug
        )
    ).one_or_none()
    if row is None:
        session.execute(
            delete(CourseStanding).where(
                CourseStanding.user_id == user_id, CourseStanding.course_slug == course_slug
            )
        )
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(CourseStanding).values(
        user_id=user_id,
        course_slug=course_slug,
        completed_at=row.completed_at,
        expires_at=row.expires_at,
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "course_slug"],
            set_={"completed_at": row.completed_at, "expires_at": row.expires_at},
        )
    )
