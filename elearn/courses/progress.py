"""Where a learner is in each course: steps done, what opens next, and the status.

A course's current cycle starts at the learner's latest completion (a refresher starts
a new cycle when it expires); views and passes before that belong to the earlier cycle.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, bindparam, func, literal, select, union_all

from elearn.courses.catalogue import Catalogue, Course, Module
from elearn.extensions import db
from elearn.models import AttemptStatus, Completion, CompletionMethod, ModuleView, QuizAttempt
from elearn.models.types import UTCDateTime


class Status(enum.StrEnum):
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    COMPLETED = "completed"
    REFRESHER_DUE = "refresher due"
    EXPIRED = "expired"


REFRESHER_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Step:
    module: Module
    done: bool
    available: bool


@dataclass(frozen=True)
class CourseProgress:
    course: Course
    steps: tuple[Step, ...]
    status: Status
    completion: Held | None

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def percent(self) -> int:
        return (self.done_count * 100) // len(self.steps) if self.steps else 0

    @property
    def all_done(self) -> bool:
        return all(step.done for step in self.steps)

    @property
    def next_module(self) -> Module | None:
        """Where the learner resumes: the first step not yet done."""
        return next((step.module for step in self.steps if not step.done), None)

    def step(self, module: Module) -> Step:
        return next(step for step in self.steps if step.module.slug == module.slug)


@dataclass(frozen=True)
class Held:
    """A completion as progress sees it: when, and until when."""

    completed_at: datetime
    expires_at: datetime | None
    method: str | None = None  # CompletionMethod: "external" is training done elsewhere

    @property
    def elsewhere(self) -> bool:
        return self.method == CompletionMethod.EXTERNAL

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


@dataclass
class LearnerRecord:
    """A learner's raw activity for some courses, fetched in one query."""

    views: dict[tuple[str, str], datetime]
    passes: dict[tuple[str, str], datetime]
    completions: dict[str, Held]


# Built once with bound parameters: a learner's record is read on every course page.
USER, COURSES = bindparam("user_id"), bindparam("course_slugs", expanding=True)
NO_MODULE = literal(None, String)
RECORD = union_all(
    select(
        literal("view"),
        ModuleView.course_slug,
        ModuleView.module_slug,
        ModuleView.last_viewed_at,
        literal(None, UTCDateTime),
        literal(0),
        NO_MODULE,
    ).where(ModuleView.user_id == USER, ModuleView.course_slug.in_(COURSES)),
    select(
        literal("pass"),
        QuizAttempt.course_slug,
        QuizAttempt.module_slug,
        func.max(QuizAttempt.submitted_at),
        literal(None, UTCDateTime),
        literal(0),
        NO_MODULE,
    )
    .where(
        QuizAttempt.user_id == USER,
        QuizAttempt.course_slug.in_(COURSES),
        QuizAttempt.status == AttemptStatus.SUBMITTED,
        QuizAttempt.passed.is_(True),
    )
    .group_by(QuizAttempt.course_slug, QuizAttempt.module_slug),
    select(
        literal("completion"),
        Completion.course_slug,
        NO_MODULE,
        Completion.completed_at,
        Completion.expires_at,
        Completion.sequence,
        Completion.method,
    ).where(Completion.user_id == USER, Completion.course_slug.in_(COURSES)),
)


def learner_record(user_id: int, course_slugs: list[str]) -> LearnerRecord:
    record = LearnerRecord({}, {}, {})
    latest: dict[str, tuple[datetime, int]] = {}
    rows = db.session.execute(RECORD, {"user_id": user_id, "course_slugs": course_slugs})
    for kind, course, module, at, expires_at, sequence, method in rows:
        if kind == "view":
            record.views[(course, module)] = at
        elif kind == "pass":
            record.passes[(course, module)] = at
        elif course not in latest or (at, sequence) > latest[course]:  # the latest wins
            latest[course] = (at, sequence)
            record.completions[course] = Held(at, expires_at, method)
    return record


def progress_from_record(course: Course, record: LearnerRecord, now: datetime) -> CourseProgress:
    """Completed (all open to review); or, in a new cycle after the latest completion,
    the steps done since: a refresher opens 30 days before expiry."""
    completion = record.completions.get(course.slug)
    refresher_due = (
        completion is not None
        and completion.expires_at is not None
        and now < completion.expires_at <= now + REFRESHER_WINDOW
    )
    if completion is not None and not completion.is_expired(now) and not refresher_due:
        steps = tuple(Step(module, True, True) for module in course.modules)
        return CourseProgress(course, steps, Status.COMPLETED, completion)
    since = completion.completed_at if completion is not None else None
    steps: list[Step] = []
    available = True
    for module in course.modules:
        source = record.passes if module.is_quiz else record.views
        at = source.get((course.slug, module.slug))
        done = at is not None and (since is None or at > since)
        steps.append(Step(module, done, available))
        available = available and done
    started = any(step.done for step in steps)
    if refresher_due:
        status = Status.REFRESHER_DUE
    elif started:
        status = Status.IN_PROGRESS
    elif completion is not None:
        status = Status.EXPIRED
    else:
        status = Status.NOT_STARTED
    return CourseProgress(course, tuple(steps), status, completion)


def learner_progress(user_id: int, catalogue: Catalogue, now: datetime) -> list[CourseProgress]:
    """Progress in every course of the catalogue, in one query whatever its size."""
    courses = list(catalogue)
    record = learner_record(user_id, [course.slug for course in courses])
    return [progress_from_record(course, record, now) for course in courses]


def course_progress(user_id: int, course: Course, now: datetime) -> CourseProgress:
    return progress_from_record(course, learner_record(user_id, [course.slug]), now)
