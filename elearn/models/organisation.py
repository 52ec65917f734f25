"""Organisations (businesses, institutions, Corporation departments) and their members."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    and_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.extensions import db
from elearn.models.types import UTCDateTime, utcnow
from elearn.models.user import User

SECTORS: dict[str, str] = {
    "corporation_department": "Corporation department",
    "business": "Business",
    "higher_education": "Higher education",
    "further_education": "Further education",
    "school": "School",
    "early_years": "Early years",
    "voluntary": "Voluntary and community",
    "faith": "Faith group",
    "health": "Health",
    "police": "Police",
    "other": "Other",
}


class OrganisationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    DEACTIVATED = "deactivated"


class Role(enum.StrEnum):
    MEMBER = "member"
    MANAGER = "manager"


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), default=OrganisationStatus.APPROVED, index=True)
    headcount: Mapped[int | None] = mapped_column(Integer)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    join_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    join_code_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(500))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    # The reporting hub: a partner CST shares findings with (its managers see them), and
    # the secret of the link through which anyone may report for it without an account.
    hub_partner: Mapped[bool] = mapped_column(Boolean, default=False)
    hub_link_token: Mapped[str | None] = mapped_column(String(43), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    domains: Mapped[list[OrganisationDomain]] = relationship(
        back_populates="organisation",
        cascade="all, delete-orphan",
        order_by="OrganisationDomain.domain",
    )

    @property
    def sector_name(self) -> str:
        return SECTORS.get(self.sector, self.sector)

    @property
    def is_approved(self) -> bool:
        return self.status == OrganisationStatus.APPROVED


class OrganisationDomain(db.Model):
    """An email domain whose verified addresses join the organisation automatically."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)

    organisation: Mapped[Organisation] = relationship(back_populates="domains")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class Membership(db.Model):
    """A person's place in an organisation; roles are per membership.

    A member who leaves keeps the row (left_at set), so their history stays theirs.
    """

    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id"),
        # Covers "the active members of an organisation" (with their team and person),
        # which members' progress and the coverage reports read for every member.
        Index("ix_membership_organisation_active", "organisation_id", "left_at", "team", "user_id"),
        # Covers "the current managers" (of every organisation at once), which CST's
        # lists and the check for a second registration read.
        Index("ix_membership_role_active", "role", "left_at", "organisation_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER)
    team: Mapped[str | None] = mapped_column(String(120))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()


class Invitation(db.Model):
    """A single-use link to join an organisation; only a hash of the token is stored."""

    __table_args__ = (Index("ix_invitation_organisation_email", "organisation_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    email: Mapped[str] = mapped_column(String(320))
    full_name: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The mail server refused its email for good (an address that does not exist).
    undeliverable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()

    def state(self, now: datetime) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.undeliverable_at is not None:
            return "undeliverable"
        if self.last_sent_at is None:
            return "waiting"  # confirmed, its email not sent yet
        if self.expires_at <= now:
            return "expired"
        return "pending"


class InvitationBatch(db.Model):
    """People checked from a CSV or a pasted list, waiting for the manager to confirm."""

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(20))
    rows: Mapped[list] = mapped_column(JSON)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


WHOLE_ORGANISATION = ""


class Assignment(db.Model):
    """Required training: an organisation (or one team of it) must complete a course by a date.

    `team` is WHOLE_ORGANISATION ("") for everyone, so the unique constraint holds on
    every database (NULLs would be distinct).
    """

    __table_args__ = (UniqueConstraint("organisation_id", "course_slug", "team"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    course_slug: Mapped[str] = mapped_column(String(80))
    team: Mapped[str] = mapped_column(String(120), default=WHOLE_ORGANISATION)
    due_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()


def memberships_of(user_id: int) -> list:
    """The organisations a person belongs to now: (name, role, team) rows, by name."""
    return db.session.execute(
        select(Organisation.name, Membership.role, Membership.team)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user_id, Membership.left_at.is_(None))
        .order_by(Organisation.name)
    ).all()


# Built once: My training asks on every view.
_REQUIRED = (
    select(Assignment.course_slug, func.min(Assignment.due_on))
    .join(
        Membership,
        and_(
            Membership.organisation_id == Assignment.organisation_id,
            Membership.user_id == bindparam("user_id"),
            Membership.left_at.is_(None),
            or_(Assignment.team == WHOLE_ORGANISATION, Assignment.team == Membership.team),
        ),
    )
    .group_by(Assignment.course_slug)
)


def required_courses(user_id: int) -> dict[str, date]:
    """The courses a learner's organisations require of them, with the earliest due date."""
    return dict(db.session.execute(_REQUIRED, {"user_id": user_id}).all())
