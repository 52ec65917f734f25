"""Known devices (OWASP's "device cookies"): wrong passwords slow an account down
without keeping its owner out.

Each sign-in leaves a signed cookie in that browser naming the account (by a keyed
hash of its email address, never the address) and a random nonce of its own. A sign-in
attempt from a browser whose cookie names the account being signed in to is from a
known device: it is limited per device (`DEVICE_LIMIT` wrong passwords, counted by
Flask-Limiter under the nonce), and neither the per-address limit nor the account's
slow-down for unknown devices (elearn/auth/accounts.py) holds it back. Every other
attempt is from an unknown device. So a stranger's failures, from however many
addresses, slow the account for unknown devices only, and the owner signs in as usual
from any browser they have signed in from before.

The cookie is sent only to /sign-in (and /sign-in/code), is HttpOnly, SameSite=Lax
and Secure over HTTPS, lasts 180 days and is renewed at each sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import after_this_request, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from elearn.models import User, normalise_email

COOKIE = "elearn_device"
COOKIE_PATH = "/sign-in"
SALT = "elearn.known-device"
MAX_AGE = 180 * 24 * 60 * 60
DEVICE_LIMIT = "10 per hour"  # wrong passwords from one known device


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def account_tag(email: str) -> str:
    """Which account a cookie is for, without the address in it."""
    key = current_app.config["SECRET_KEY"].encode()
    address = normalise_email(email).encode()
    return hmac.new(key, b"known-device:" + address, hashlib.sha256).hexdigest()[:32]


def remember_this_device(user: User) -> None:
    """Give this browser a new device cookie for the account (on the response)."""
    value = _serializer().dumps(
        {"account": account_tag(user.email), "nonce": secrets.token_hex(16)}
    )

    @after_this_request
    def set_cookie(response):
        response.set_cookie(
            COOKIE,
            value,
            max_age=MAX_AGE,
            path=COOKIE_PATH,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
        return response


def known_device(email: str | None) -> str | None:
    """This browser's device nonce if its cookie was set by signing in to the account with
    this email address; None for an unknown device."""
    raw = request.cookies.get(COOKIE)
    if not raw or not email:
        return None
    try:
        data = _serializer().loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("nonce"), str):
        return None
    if not hmac.compare_digest(str(data.get("account")), account_tag(email)):
        return None
    return data["nonce"]


def _attempt_device() -> str | None:
    """The known device of this sign-in attempt (the email address it names), once."""
    if "known_device" not in g:
        g.known_device = known_device(request.form.get("email"))
    return g.known_device


def from_known_device() -> bool:
    return _attempt_device() is not None


def from_unknown_device() -> bool:
    return _attempt_device() is None


def device_key() -> str:
    """The rate-limit key of a known device: its nonce."""
    return f"device:{_attempt_device()}"


def count_failure() -> None:
    """Mark this attempt as a wrong password, for the per-device limit."""
    g.sign_in_failed = True


def attempt_failed(response) -> bool:
    return bool(g.get("sign_in_failed"))
