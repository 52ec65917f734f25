"""A person's training history, as CST sees it on their page.

Course by course: every completion (date, edition, expiry, how it was done, its
certificate's code and status), a summary of their quiz attempts and the training they
recorded as done elsewhere; and every organisation they belong or belonged to. Four
queries, however long the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, select

from elearn.courses.catalogue import Catalogue
from elearn.extensions import db
from elearn.models import (
    AttemptStatus,
    Certificate,
    Completion,
    ExternalRecord,
    Membership,
    Organisation,
    QuizAttempt,
)


@dataclass(frozen=True)
class AttemptSummary:
    module_slug: str
    attempts: int
    passed: int
    best_score: int | None
    last_at: datetime | None


@dataclass
class CourseHistory:
    slug: str
    title: str
    completions: list[tuple[Completion, Certificate | None]] = field(default_factory=list)
    attempts: list[AttemptSummary] = field(default_factory=list)
    external: list[ExternalRecord] = field(default_factory=list)


def training_history(user_id: int, catalogue: Catalogue) -> list[CourseHistory]:
    """Each course the person has done anything in, in the catalogue's order (courses
    since retired last), newest completion first."""
    courses: dict[str, CourseHistory] = {}

    def course(slug: str, title: str | None = None) -> CourseHistory:
        if slug not in courses:
            known = catalogue.get(slug)
            courses[slug] = CourseHistory(slug, known.title if known else title or slug)
        return courses[slug]

    for completion, certificate in db.session.execute(
        select(Completion, Certificate)
        .outerjoin(
            Certificate,
            and_(Certificate.completion_id == Completion.id, Certificate.replaced_by_id.is_(None)),
        )
        .where(Completion.user_id == user_id)
        .order_by(Completion.completed_at.desc(), Completion.id.desc())
    ):
        title = certificate.course_title if certificate else None
        course(completion.course_slug, title).completions.append((completion, certificate))
    for row in db.session.execute(attempts_select(user_id)):
        course(row.course_slug).attempts.append(
            AttemptSummary(row.module_slug, row.attempts, row.passed, row.best, row.last_at)
        )
    for record in db.session.scalars(
        select(ExternalRecord)
        .where(ExternalRecord.user_id == user_id)
        .order_by(ExternalRecord.created_at.desc())
    ):
        course(record.course_slug).external.append(record)
    order = {known.slug: index for index, known in enumerate(catalogue)}
    return sorted(courses.values(), key=lambda c: (order.get(c.slug, len(order)), c.title))


def attempts_select(user_id: int):
    """Submitted quiz attempts by course and quiz: how many, how many passed, the best
    score and the last one's time."""
    return (
        select(
            QuizAttempt.course_slug,
            QuizAttempt.module_slug,
            func.count().label("attempts"),
            func.coalesce(func.sum(case((QuizAttempt.passed.is_(True), 1), else_=0)), 0).label(
                "passed"
            ),
            func.max(QuizAttempt.score).label("best"),
            func.max(QuizAttempt.submitted_at).label("last_at"),
        )
        .where(QuizAttempt.user_id == user_id, QuizAttempt.status == AttemptStatus.SUBMITTED)
        .group_by(QuizAttempt.course_slug, QuizAttempt.module_slug)
        .order_by(QuizAttempt.course_slug, QuizAttempt.module_slug)
    )


def memberships_of(user_id: int) -> list[tuple[Membership, Organisation]]:
    """Every organisation the person belongs or belonged to, current ones first."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(Membership, Organisation)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.user_id == user_id)
            .order_by(Membership.left_at.is_not(None), Organisation.name)
        )
    ]
