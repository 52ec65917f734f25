"""Certificates: what was printed for a completion, and how anyone can check it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.extensions import db
from elearn.models.learning import Completion
from elearn.models.types import UTCDateTime, utcnow


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    REPLACED = "replaced"


class Certificate(db.Model):
    """A snapshot: the name, course and dates exactly as printed, whatever changes later."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    completion_id: Mapped[int] = mapped_column(ForeignKey("completion.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name_printed: Mapped[str] = mapped_column(String(200))
    course_slug: Mapped[str] = mapped_column(String(80))
    course_title: Mapped[str] = mapped_column(String(200))
    course_version: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(20))
    issuer: Mapped[str] = mapped_column(String(200))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))

    completion: Mapped[Completion] = relationship()
    replaced_by: Mapped[Certificate | None] = relationship(remote_side=[id])

    def status(self, now: datetime) -> CertificateStatus:
        if self.replaced_by_id is not None:
            return CertificateStatus.REPLACED
        if self.revoked_at is not None:
            return CertificateStatus.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID


def current_certificates(user_id: int, now: datetime) -> dict[str, Certificate]:
    """The newest certificate of each course that is valid or expired (not replaced or
    revoked), for "My training" and a manager's view of a member."""
    latest: dict[str, Certificate] = {}
    for certificate in db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user_id)
        .order_by(Certificate.completed_at.desc(), Certificate.id.desc())
    ):
        if certificate.status(now) in (CertificateStatus.VALID, CertificateStatus.EXPIRED):
            latest.setdefault(certificate.course_slug, certificate)
    return latest
