"""What a quiz result shows: which answers were wrong and where to read again, and the
right answers only once they no longer make the next attempt trivial.

The right answers and every explanation are shown once the learner has passed the quiz,
or after QUIZ_ANSWERS_AFTER failed attempts (0: only once passed). Until then a wrong
answer is marked wrong and points at the modules that teach what the question tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, case, func, select

from elearn.courses.catalogue import Course, Module
from elearn.courses.grading import grade
from elearn.extensions import db
from elearn.models import AttemptStatus, QuizAttempt


@dataclass(frozen=True)
class Feedback:
    reveal: bool  # the right answers and every explanation are shown
    failed_attempts: int
    answers_after: int
    correct: dict[str, bool]  # by question id
    read_again: dict[str, list[Module]] = field(default_factory=dict)


# How many of the learner's attempts at a quiz failed, and whether one passed: built once.
_PAST_ATTEMPTS = select(
    func.coalesce(func.sum(case((QuizAttempt.passed.is_(False), 1), else_=0)), 0),
    func.coalesce(func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)), 0),
).where(
    QuizAttempt.user_id == bindparam("user_id"),
    QuizAttempt.course_slug == bindparam("course"),
    QuizAttempt.module_slug == bindparam("module"),
    QuizAttempt.status == AttemptStatus.SUBMITTED,
)


def attempt_feedback(
    attempt: QuizAttempt, course: Course, module: Module, answers_after: int
) -> Feedback:
    failed, passed = db.session.execute(
        _PAST_ATTEMPTS,
        {"user_id": attempt.user_id, "course": attempt.course_slug, "module": attempt.module_slug},
    ).one()
    reveal = bool(attempt.passed or passed or (answers_after and failed >= answers_after))
    correct = grade(attempt.questions, attempt.answers or {}, attempt.pass_mark).correct
    read_again = _read_again(attempt, course, module, correct)
    return Feedback(reveal, failed, answers_after, correct, read_again)


def _read_again(
    attempt: QuizAttempt, course: Course, module: Module, correct: dict[str, bool]
) -> dict[str, list[Module]]:
    """For each question answered wrongly, the modules that teach its outcomes."""
    if attempt.course_version != course.version:
        return {}  # the questions may have changed since this attempt was asked
    teaching = {outcome.id: outcome.modules for outcome in course.outcomes}
    read_again = {}
    for question in module.questions:
        if correct.get(question.id, True):
            continue
        slugs = dict.fromkeys(slug for o in question.outcomes for slug in teaching.get(o, ()))
        read_again[question.id] = [m for slug in slugs if (m := course.module(slug)) is not None]
    return read_again
