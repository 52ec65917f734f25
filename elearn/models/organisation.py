"""Organisations (businesses, institutions, Corporation departments) and their members."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
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
    status: Mapped[str] = mapped_column(String(20), default=OrganisationStatus.APPROVED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def sector_name(self) -> str:
        return SECTORS.get(self.sector, self.sector)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class Membership(db.Model):
    """A person's place in an organisation; roles are per membership."""

    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER)
    team: Mapped[str | None] = mapped_column(String(120))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()
