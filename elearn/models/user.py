"""People who use elearn: learners, managers (through memberships) and CST admins."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Index, Integer, String, func, text
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from elearn.extensions import db
from elearn.models.types import UTCDateTime, utcnow


def normalise_email(email: str) -> str:
    """Emails are compared and stored case-insensitively."""
    return email.strip().lower()


def password_forms(password: str) -> list[str]:
    """The forms a password is tried in: NFC, which every hash is made of now; then as
    typed and decomposed (NFD), which an older hash may have been made of."""
    forms = [unicodedata.normalize("NFC", password)]
    for form in (password, unicodedata.normalize("NFD", password)):
        if form not in forms:
            forms.append(form)
    return forms


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        # CST's people list, by name a page at a time.
        Index("ix_user_account_name", func.lower(text("full_name")), "id"),
        # The few waiting to be erased, counted on CST's tasks page.
        Index(
            "ix_user_account_erasure_waiting",
            "id",
            sqlite_where=text("erasure_requested_at IS NOT NULL AND erased_at IS NULL"),
            postgresql_where=text("erasure_requested_at IS NOT NULL AND erased_at IS NULL"),
        ),
        # The Community Safety Team by name (who a hub report is assigned to): a few
        # among 100,000 people.
        Index(
            "ix_user_account_cst",
            "full_name",
            sqlite_where=text("is_cst_admin = 1"),
            postgresql_where=text("is_cst_admin"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_cst_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erasure_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    sign_in_blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # the last code accepted
    failed_codes: Mapped[int] = mapped_column(Integer, default=0)  # since the last right one
    codes_blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __init__(self, *, email: str, full_name: str, password: str | None = None, **kwargs):
        super().__init__(email=normalise_email(email), full_name=full_name, **kwargs)
        if password is not None:
            self.set_password(password)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """The session refers to a version: bumping it signs out every old session."""
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(unicodedata.normalize("NFC", password))

    def check_password(self, password: str) -> bool:
        """Whether this is the password, compared in NFC (`password_forms`). A hash made
        from another form of it, before passwords were normalised, still matches, and is
        replaced by the NFC one (the caller commits)."""
        if not self.password_hash:
            return False
        forms = password_forms(password)
        for form in forms:
            if check_password_hash(self.password_hash, form):
                if form != forms[0]:
                    self.set_password(password)
                return True
        return False

    @property
    def two_factor_enabled(self) -> bool:
        return bool(self.totp_secret)

    def end_other_sessions(self) -> None:
        self.session_version = (self.session_version or 1) + 1

    def __repr__(self) -> str:
        return f"<User {self.id}>"
