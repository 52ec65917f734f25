"""Required training: a course an organisation (or one of its teams) must complete by a
date, set and stopped by its managers. Each function flushes and audits; the view
commits once.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from elearn import audit
from elearn.extensions import db
from elearn.models import WHOLE_ORGANISATION, Assignment, Organisation, User


def assign_course(
    organisation: Organisation, course_slug: str, team: str | None, due_on: date, by: User
) -> Assignment:
    """Require a course of everyone (or a team) by a date; assigning again moves the date."""
    team = (team or "").strip() or WHOLE_ORGANISATION
    assignment = db.session.scalar(
        select(Assignment).where(
            Assignment.organisation_id == organisation.id,
            Assignment.course_slug == course_slug,
            Assignment.team == team,
        )
    )
    if assignment is None:
        assignment = Assignment(
            organisation_id=organisation.id,
            course_slug=course_slug,
            team=team,
            due_on=due_on,
            created_by_id=by.id,
        )
        db.session.add(assignment)
    else:
        assignment.due_on = due_on
    db.session.flush()
    audit.record(
        "course_assigned",
        assignment,
        {"course": course_slug, "team": team, "due_on": due_on.isoformat()},
    )
    return assignment


def unassign_course(assignment: Assignment) -> None:
    audit.record(
        "course_unassigned", assignment, {"course": assignment.course_slug, "team": assignment.team}
    )
    db.session.delete(assignment)
