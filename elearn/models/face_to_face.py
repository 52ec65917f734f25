"""Face-to-face training: sessions of a course in a room (or online, live), the people
booked on them, and what the register says they did.

A session's times are kept in UTC and shown in London time; its facilitators are people
CST has named (`Facilitator`). A `Booking` is one person's place on one session: a place,
a place on the waiting list, or cancelled; on the day it carries the attendance mark, and
the completion that mark recorded. People with no account (a walk-in known by name and
organisation) are bookings with no user: they count in their organisation's figures
without becoming accounts.
"""

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
from elearn.models.user import User


class Facilitator(db.Model):
    """Someone CST has named to run face-to-face sessions (a college's own accredited
    WRAP facilitator belongs to the college: `organisation_id`)."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    named_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Audience(enum.StrEnum):
    ALL = "all"  # anyone signed in
    ORGANISATION = "organisation"  # the members of one organisation
    SECTORS = "sectors"  # the members of organisations in some sectors


session_facilitator = Table(
    "session_facilitator",
    db.metadata,
    Column("session_id", ForeignKey("training_session.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id"), primary_key=True, index=True),
)


class TrainingSession(db.Model):
    """A course delivered on a date, in a place or online."""

    __table_args__ = (Index("ix_training_session_upcoming", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    course_slug: Mapped[str] = mapped_column(String(80), index=True)
    title: Mapped[str | None] = mapped_column(String(200))  # "WRAP for colleges"
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    access_notes: Mapped[str | None] = mapped_column(String(1000))
    online_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int] = mapped_column(Integer)
    audience: Mapped[str] = mapped_column(String(20), default=Audience.ALL)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    sectors: Mapped[list] = mapped_column(JSON, default=list)
    closes_hours_before: Mapped[int] = mapped_column(Integer, default=24)
    status: Mapped[str] = mapped_column(String(20), default=SessionStatus.SCHEDULED)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    register_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    register_closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # the calendar event's version
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()
    facilitators: Mapped[list[User]] = relationship(
        secondary=session_facilitator, order_by=User.full_name
    )

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def is_online(self) -> bool:
        return bool(self.online_url) and not self.venue

    @property
    def register_closed(self) -> bool:
        return self.register_closed_at is not None


class BookingStatus(enum.StrEnum):
    BOOKED = "booked"  # a place
    WAITING = "waiting"  # on the waiting list, in order of `waiting_since`
    CANCELLED = "cancelled"


class Attendance(enum.StrEnum):
    ATTENDED = "attended"
    PARTLY = "partly"  # came for part of it: no completion
    ABSENT = "absent"


class Booking(db.Model):
    """One person's place on a session, and on the day their attendance mark."""

    __table_args__ = (
        # One booking per person per session: a double submit, or booking again after
        # cancelling, finds the same row.
        UniqueConstraint("session_id", "user_id"),
        Index("ix_booking_session_status", "session_id", "status", "waiting_since"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # A walk-in with no account: known by name (and organisation) alone.
    name: Mapped[str | None] = mapped_column(String(200))
    # A walk-in by email with no account yet: invited, and linked when they accept.
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=BookingStatus.BOOKED)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    attendance: Mapped[str | None] = mapped_column(String(20))
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    completion_id: Mapped[int | None] = mapped_column(ForeignKey("completion.id"))

    session: Mapped[TrainingSession] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def display_name(self) -> str:
        return self.user.full_name if self.user is not None else (self.name or "")
