"""What a learner has done: module views, quiz attempts and course completions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.extensions import db
from elearn.models.organisation import Organisation
from elearn.models.types import UTCDateTime, utcnow


class ModuleView(db.Model):
    """A learner has opened a module; last_viewed_at moves on each visit."""

    __table_args__ = (UniqueConstraint("user_id", "course_slug", "module_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    course_slug: Mapped[str] = mapped_column(String(80))
    module_slug: Mapped[str] = mapped_column(String(80))
    first_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttemptStatus(enum.StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"


class QuizAttempt(db.Model):
    """One go at a quiz, with a snapshot of exactly what was asked, shown and chosen."""

    __table_args__ = (
        Index("ix_quiz_attempt_learner", "user_id", "course_slug", "module_slug", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    course_slug: Mapped[str] = mapped_column(String(80))
    module_slug: Mapped[str] = mapped_column(String(80))
    course_version: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=AttemptStatus.OPEN)
    questions: Mapped[list] = mapped_column(JSON)
    answers: Mapped[dict | None] = mapped_column(JSON)
    correct_count: Mapped[int | None] = mapped_column(Integer)
    question_count: Mapped[int] = mapped_column(Integer)
    score: Mapped[int | None] = mapped_column(Integer)
    pass_mark: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_submitted(self) -> bool:
        return self.status == AttemptStatus.SUBMITTED


completion_organisation = Table(
    "completion_organisation",
    db.metadata,
    Column("completion_id", ForeignKey("completion.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id"), primary_key=True, index=True),
)


class CompletionMethod(enum.StrEnum):
    E_LEARNING = "e-learning"
    FACE_TO_FACE = "face-to-face"
    EXTERNAL = "external"  # done elsewhere, accepted by a manager or CST: no certificate


class Completion(db.Model):
    """A learner completed a course; `sequence` counts completions of it (1, then refreshers)."""

    __table_args__ = (
        UniqueConstraint("user_id", "course_slug", "sequence"),
        Index("ix_completion_course_date", "course_slug", "completed_at"),
        # Covers the reports' scans of a period: who completed what, and when.
        Index("ix_completion_period", "completed_at", "course_slug", "user_id"),
        # The people trained in a period, counted per course and in all: read in the order
        # of course and person (or of person), nobody is counted twice without a sort.
        Index("ix_completion_course_learner", "course_slug", "user_id", "completed_at"),
        Index("ix_completion_learner", "user_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    course_slug: Mapped[str] = mapped_column(String(80))
    course_version: Mapped[str] = mapped_column(String(40))
    sequence: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(20), default=CompletionMethod.E_LEARNING)

    organisations: Mapped[list[Organisation]] = relationship(secondary=completion_organisation)

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


class CourseStanding(db.Model):
    """Each person's standing in each course they have completed: their latest completion
    and their latest expiry (None when some completion never expires).

    Derived from Completion and kept in step by `update_standing()` in the same
    transaction as every new completion, so that reports read one row per person and
    course instead of working it out from every completion.
    """

    __table_args__ = (
        Index("ix_course_standing_course", "course_slug", "expires_at"),
        # Answers "does this person hold a valid completion of this course" from the
        # index alone, once for each member the coverage reports look at.
        Index("ix_course_standing_validity", "user_id", "course_slug", "expires_at"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    course_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
