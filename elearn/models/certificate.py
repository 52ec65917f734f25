"""Certificates: what was printed for a completion, and how anyone can check it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    bindparam,
    select,
    text,
)
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

    __table_args__ = (
        # Each person's current certificates (neither replaced nor revoked): an
        # organisation's are counted on its members' page.
        Index(
            "ix_certificate_current",
            "user_id",
            sqlite_where=text("replaced_by_id IS NULL AND revoked_at IS NULL"),
            postgresql_where=text("replaced_by_id IS NULL AND revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    # None once a completion is withdrawn (an attendance mark corrected): the
    # certificate is revoked and stays, so that its code still says so.
    completion_id: Mapped[int | None] = mapped_column(
        ForeignKey("completion.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name_printed: Mapped[str] = mapped_column(String(200))
    course_slug: Mapped[str] = mapped_column(String(80))
    course_title: Mapped[str] = mapped_column(String(200))
    course_version: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(20))
    # Face to face: "on 12 December 2026 at Guildhall, facilitated by ..." as printed.
    delivered: Mapped[str | None] = mapped_column(String(500))
    issuer: Mapped[str] = mapped_column(String(200))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))

    completion: Mapped[Completion | None] = relationship()
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
    for certificate in db.session.scalars(_CERTIFICATES_OF, {"user_id": user_id}):
        if certificate.status(now) in (CertificateStatus.VALID, CertificateStatus.EXPIRED):
            latest.setdefault(certificate.course_slug, certificate)
    return latest


_CERTIFICATES_OF = (  # built once: My training asks on every view
    select(Certificate)
    .where(Certificate.user_id == bindparam("user_id"))
    .order_by(Certificate.completed_at.desc(), Certificate.id.desc())
)


class ArchiveStatus(enum.StrEnum):
    PREPARING = "preparing"
    READY = "ready"
    FAILED = "failed"


class CertificateArchive(db.Model):
    """A zip of an organisation's current certificates, prepared by a task: a
    large organisation's takes minutes and hundreds of megabytes, more than a request may.

    The zip itself is kept in the database in chunks of a megabyte, so that any worker on
    any machine can send it (`elearn/certificates/archives.py`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=ArchiveStatus.PREPARING)
    certificates: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    size: Mapped[int | None] = mapped_column(BigInteger)  # bytes; a City employer's is 500 MB


class CertificateArchiveChunk(db.Model):
    """A megabyte of an archive's zip: the zip is the chunks in order of their number."""

    archive_id: Mapped[int] = mapped_column(
        ForeignKey("certificate_archive.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
