"""Issuing, finding, revoking and re-issuing certificates (who may download one is
`permissions.can_download_certificate`)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from elearn import audit
from elearn.certificates.codes import display_code, new_code, normalise_code
from elearn.courses.catalogue import Course
from elearn.events import completion_recorded
from elearn.extensions import db
from elearn.models import Certificate, Completion, User, utcnow
from elearn.web.links import site_url


class CertificateRefused(Exception):
    pass


# What a re-issued certificate keeps of the one it replaces; only the name is new.
REISSUED_AS_IS = (
    "completion_id",
    "user_id",
    "course_slug",
    "course_title",
    "course_version",
    "method",
    "delivered",
    "issuer",
    "completed_at",
    "expires_at",
)


def issue_certificate(
    completion: Completion,
    course: Course,
    user: User,
    issued_at: datetime | None = None,
    delivered: str | None = None,
) -> Certificate:
    """A certificate for an e-learning or face-to-face completion, in the caller's
    transaction; issued now, or when `issued_at` says (the demo's months of training).
    `delivered` is what a face-to-face one says of its session ("on ... at ...")."""
    certificate = Certificate(
        code=new_code(),
        completion_id=completion.id,
        user_id=user.id,
        name_printed=user.full_name,
        course_slug=course.slug,
        course_title=course.title,
        course_version=completion.course_version,
        method=completion.method,
        delivered=delivered,
        issuer=current_app.config["ELEARN_ISSUER"],
        completed_at=completion.completed_at,
        expires_at=completion.expires_at,
        issued_at=issued_at or utcnow(),
    )
    db.session.add(certificate)
    db.session.flush()
    audit.record("certificate_issued", certificate, {"course": course.slug}, actor_id=user.id)
    return certificate


@completion_recorded.connect
def _issue_on_completion(completion: Completion, course: Course, user: User) -> None:
    issue_certificate(completion, course, user)


def find_certificate(code: str) -> Certificate | None:
    code = normalise_code(code)
    if not code:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def current_version(certificate: Certificate) -> Certificate:
    """Follow re-issues to the certificate that replaced this one."""
    seen = {certificate.id}
    while certificate.replaced_by is not None and certificate.replaced_by.id not in seen:
        certificate = certificate.replaced_by
        seen.add(certificate.id)
    return certificate


def revoke_certificate(certificate: Certificate, reason: str) -> None:
    if certificate.revoked_at is not None:
        raise CertificateRefused("This certificate has already been revoked")
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason.strip()
    audit.record("certificate_revoked", certificate, {"reason": certificate.revoked_reason})


def reissue_certificate(certificate: Certificate, user: User) -> Certificate:
    """A new certificate with the learner's current name; the old code points to it."""
    if certificate.replaced_by_id is not None or certificate.revoked_at is not None:
        raise CertificateRefused("Only a current certificate can be re-issued")
    replacement = Certificate(
        code=new_code(),
        name_printed=user.full_name,
        issued_at=utcnow(),
        **{field: getattr(certificate, field) for field in REISSUED_AS_IS},
    )
    db.session.add(replacement)
    db.session.flush()
    certificate.replaced_by_id = replacement.id
    audit.record(
        "certificate_reissued",
        certificate,
        {"replacement": replacement.id, "name": replacement.name_printed},
    )
    return replacement


def certificates_of(user_id: int) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user_id)
            .order_by(Certificate.completed_at.desc(), Certificate.id.desc())
        )
    )


def verify_url(certificate: Certificate) -> str:
    """Where anyone can check the certificate: printed on it and in its QR code."""
    return site_url("certificates.verify_code", code=display_code(certificate.code))
