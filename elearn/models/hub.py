"""The partnership's reporting hub: what partners see in the City's streets (hate graffiti,
stickers, posters, other signs of tension), reported to CST, and each step CST takes.

A `Finding` is one report: what it is, the hate strand it targets if known, what it says,
where (a place, a postcode, and a position only if the reporter shared it) and when it
was seen. Its photos (`FindingPhoto`) are kept re-encoded, with no metadata in the file.
Each triage step is a `FindingEvent`; the finding carries where it stands now.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from elearn.extensions import db
from elearn.models.organisation import Organisation
from elearn.models.types import UTCDateTime, utcnow
from elearn.models.user import User


class FindingKind(enum.StrEnum):
    GRAFFITI = "graffiti"
    STICKER = "sticker"
    POSTER = "poster"
    OTHER = "other"


class Strand(enum.StrEnum):
    RACE = "race"
    RELIGION = "religion"
    SEXUAL_ORIENTATION = "sexual_orientation"
    DISABILITY = "disability"
    TRANSGENDER = "transgender"
    ANTISEMITIC = "antisemitic"
    ANTI_MUSLIM = "anti_muslim"
    EXTREME_RIGHT = "extreme_right"
    OTHER = "other"
    NOT_KNOWN = "not_known"


class FindingStatus(enum.StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"  # a CST officer has it
    WITH_POLICE = "with_police"
    WITH_CLEANSING = "with_cleansing"  # street cleansing asked to remove it
    REMOVED = "removed"
    CLOSED = "closed"


class Finding(db.Model):
    """One report of something seen in the street."""

    __table_args__ = (
        # The reporter's form is sent once however often the button is pressed.
        UniqueConstraint("reporter_id", "form_id"),
        # A form sent through a partner's link has no reporter: its id alone is unique.
        Index("ix_finding_form_id", "form_id", unique=True),
        Index("ix_finding_status_reported", "status", "reported_at"),
        Index("ix_finding_postcode_seen", "postcode", "seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    form_id: Mapped[str] = mapped_column(String(32))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The partner it was reported for: the reporter's organisation, or the one whose
    # reporting link was used (no account then, so no reporter).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    by_link: Mapped[bool] = mapped_column(Boolean, default=False)  # a partner's link, no account
    kind: Mapped[str] = mapped_column(String(20))
    strand: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(String(2000))
    place: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str] = mapped_column(String(10))  # normalised: "EC2V 7HH"
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=FindingStatus.NEW)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    police_reference: Mapped[str | None] = mapped_column(String(50))
    removal_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str | None] = mapped_column(String(500))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("finding.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    organisation: Mapped[Organisation | None] = relationship()
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    duplicate_of: Mapped[Finding | None] = relationship(remote_side=[id])
    photos: Mapped[list[FindingPhoto]] = relationship(
        back_populates="finding", order_by="FindingPhoto.position"
    )
    events: Mapped[list[FindingEvent]] = relationship(
        back_populates="finding",
        order_by="FindingEvent.id",
        foreign_keys="FindingEvent.finding_id",
    )

    @property
    def is_closed(self) -> bool:
        return self.status == FindingStatus.CLOSED


class FindingPhoto(db.Model):
    """A photo of a finding, re-encoded as JPEG with no metadata; the capture time its
    camera recorded is kept here, not in the file."""

    __table_args__ = (UniqueConstraint("finding_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    thumbnail: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    finding: Mapped[Finding] = relationship(back_populates="photos")


class FindingStep(enum.StrEnum):
    REPORTED = "reported"
    ASSIGNED = "assigned"
    POLICE = "police"
    CLEANSING = "cleansing"
    REMOVED = "removed"
    CLOSED = "closed"
    MERGED = "merged"  # another report of the same thing closed into this one
    DUPLICATE = "duplicate"  # this one closed as a report of another


class FindingEvent(db.Model):
    """One step in a finding's handling: who took it, when, and what it said."""

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("finding.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reference: Mapped[str | None] = mapped_column(String(50))  # the police's
    other_finding_id: Mapped[int | None] = mapped_column(ForeignKey("finding.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    finding: Mapped[Finding] = relationship(back_populates="events", foreign_keys=[finding_id])
    other_finding: Mapped[Finding | None] = relationship(foreign_keys=[other_finding_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
