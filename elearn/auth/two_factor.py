"""Time-based one-time codes (TOTP, RFC 6238) as a second step at sign-in."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

import pyotp
import segno
from sqlalchemy import or_, update

from elearn.extensions import db
from elearn.models import User

ISSUER = "Community Safety e-learning"
WRONG = "Enter the code your app shows now"
USED = "That code has been used: enter the next code your app shows"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, user: User) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The set-up QR code as a PNG data URI (the CSP allows data: images only)."""
    return segno.make(uri, error="m").png_data_uri(scale=5, border=4)


def matching_step(secret: str | None, code: str) -> int | None:
    """The 30-second time step whose code this is: now, or one either side for a phone
    clock that drifts; None when it is none of them."""
    digits = "".join(ch for ch in code if ch.isdigit())
    if not secret or len(digits) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now(UTC))
    for step in (now, now - 1, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def redeem(user: User, code: str) -> str | None:
    """Accept the user's code once; None when accepted, else the message to show.

    A code is refused once its time step, or a later one, has been accepted (RFC 6238,
    section 5.2), so a code seen over someone's shoulder cannot be used again. The
    conditional UPDATE makes two submissions of the same code count once.
    """
    step = matching_step(user.totp_secret, code)
    if step is None:
        return WRONG
    accepted = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return None if accepted.rowcount == 1 else USED
