"""What a learner does that changes the record: views, quiz attempts, completions.

Each function leaves the session flushed but uncommitted: the caller commits once, so a
submission and the completion it earns are one transaction.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from elearn.courses.catalogue import Course, Module
from elearn.courses.grading import Grade, check_answers, grade, snapshot_questions
from elearn.courses.progress import Status, course_progress
from elearn.courses.standing import update_standing
from elearn.database import writing
from elearn.dates import add_months
from elearn.events import completion_recorded
from elearn.extensions import db
from elearn.models import (
    AttemptStatus,
    Completion,
    CompletionMethod,
    Membership,
    ModuleView,
    Organisation,
    QuizAttempt,
    User,
    utcnow,
)


def record_view(user_id: int, course: Course, module: Module) -> None:
    """Insert or refresh the learner's view of a module, safe under concurrent requests."""
    now = utcnow()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ModuleView).values(
        user_id=user_id,
        course_slug=course.slug,
        module_slug=module.slug,
        first_viewed_at=now,
        last_viewed_at=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=["user_id", "course_slug", "module_slug"],
        set_={"last_viewed_at": now},
    )
    db.session.execute(statement)


_Best = aliased(QuizAttempt)
# The learner's open attempt at a quiz and their best score so far: one statement, built
# once, for the page every learner waits on.
OPEN_ATTEMPT = (
    select(
        QuizAttempt,
        select(func.max(_Best.score))
        .where(
            _Best.user_id == bindparam("user_id"),
            _Best.course_slug == bindparam("course"),
            _Best.module_slug == bindparam("module"),
            _Best.status == AttemptStatus.SUBMITTED,
        )
        .scalar_subquery()
        .label("best"),
    )
    .where(
        QuizAttempt.user_id == bindparam("user_id"),
        QuizAttempt.course_slug == bindparam("course"),
        QuizAttempt.module_slug == bindparam("module"),
        QuizAttempt.status == AttemptStatus.OPEN,
        QuizAttempt.course_version == bindparam("version"),
    )
    .order_by(QuizAttempt.id.desc())
    .limit(1)
)


def _open_attempt(user_id: int, course: Course, module: Module):
    values = {"user_id": user_id, "course": course.slug, "module": module.slug}
    return db.session.execute(OPEN_ATTEMPT, {**values, "version": course.version}).first()


def open_attempt(user_id: int, course: Course, module: Module) -> tuple[QuizAttempt, int | None]:
    """The learner's open attempt at this quiz, or a new one with freshly shuffled options
    (committed), and their best score so far. Showing an open attempt again only reads:
    the write transaction, which waits its turn on SQLite, is taken only to open one."""
    found = _open_attempt(user_id, course, module)
    if found is not None:
        return found.QuizAttempt, found.best
    db.session.rollback()  # end the read, so that the writer's transaction starts afresh
    with writing():
        found = _open_attempt(user_id, course, module)  # opened meanwhile (a double click)
        if found is not None:
            return found.QuizAttempt, found.best
        attempt = QuizAttempt(
            public_id=secrets.token_hex(16),
            user_id=user_id,
            course_slug=course.slug,
            module_slug=module.slug,
            course_version=course.version,
            status=AttemptStatus.OPEN,
            questions=snapshot_questions(module),
            question_count=len(module.questions),
            pass_mark=course.pass_mark,
        )
        db.session.add(attempt)
        best = best_score(user_id, course, module)
        db.session.commit()
    return attempt, best


def submit_attempt(
    attempt: QuizAttempt, chosen: dict[str, list[str]], course: Course
) -> Grade | None:
    """Grade and store a submission once; None when this attempt was already submitted.

    The conditional UPDATE makes a double click, a replay or two concurrent requests
    record exactly one submission. Raises AnswersRejected for unusable answers.
    """
    answers = check_answers(attempt.questions, chosen)
    result = grade(attempt.questions, answers, attempt.pass_mark)
    now = utcnow()
    updated = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == AttemptStatus.OPEN)
        .values(
            status=AttemptStatus.SUBMITTED,
            answers=answers,
            correct_count=result.correct_count,
            score=result.score,
            passed=result.passed,
            submitted_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:
        db.session.rollback()
        return None
    db.session.refresh(attempt)
    if result.passed:
        complete_if_done(attempt.user_id, course, now)
    return result


def complete_if_done(user_id: int, course: Course, now: datetime) -> Completion | None:
    """Record a Completion when every module is viewed and every quiz passed."""
    progress = course_progress(user_id, course, now)
    if progress.status == Status.COMPLETED or not progress.all_done:
        return None
    completion = new_completion(user_id, course, now, CompletionMethod.E_LEARNING)
    try:
        with db.session.begin_nested():
            db.session.add(completion)
    except IntegrityError:
        return None  # a concurrent request recorded this completion first
    update_standing(user_id, course.slug)
    completion_recorded.send(completion, course=course, user=db.session.get(User, user_id))
    return completion


def new_completion(
    user_id: int,
    course: Course,
    completed_at: datetime,
    method: str,
    course_version: str | None = None,
) -> Completion:
    """A person's next completion of a course (not yet added to the session), credited to
    the organisations they belong to now, expiring as the course says."""
    sequence = db.session.scalar(
        select(func.coalesce(func.max(Completion.sequence), 0)).where(
            Completion.user_id == user_id, Completion.course_slug == course.slug
        )
    )
    organisations = db.session.scalars(
        select(Organisation)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user_id, Membership.left_at.is_(None))
    ).all()
    return Completion(
        user_id=user_id,
        course_slug=course.slug,
        course_version=course_version or course.version,
        sequence=sequence + 1,
        completed_at=completed_at,
        expires_at=(
            add_months(completed_at, course.valid_for_months) if course.valid_for_months else None
        ),
        method=method,
        organisations=list(organisations),
    )


def best_score(user_id: int, course: Course, module: Module) -> int | None:
    """The learner's best score at a quiz so far (None before a first submission)."""
    return db.session.scalar(
        select(func.max(QuizAttempt.score)).where(
            QuizAttempt.user_id == user_id,
            QuizAttempt.course_slug == course.slug,
            QuizAttempt.module_slug == module.slug,
            QuizAttempt.status == AttemptStatus.SUBMITTED,
        )
    )
