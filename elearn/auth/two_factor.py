"""Time-based one-time codes (TOTP, RFC 6238) as a second step at sign-in."""

from __future__ import annotations

import pyotp
import segno

from elearn.models import User

ISSUER = "City of London e-learning"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, user: User) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The set-up QR code as a PNG data URI (the CSP allows data: images only)."""
    return segno.make(uri, error="m").png_data_uri(scale=5, border=4)


def code_is_right(secret: str | None, code: str) -> bool:
    digits = "".join(ch for ch in code if ch.isdigit())
    return bool(secret) and len(digits) == 6 and pyotp.TOTP(secret).verify(digits, valid_window=1)
