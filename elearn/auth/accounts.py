"""Account rules: finding people, signing in, and password reset tokens."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, session
from flask_login import login_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from elearn.extensions import db
from elearn.models import User, normalise_email, utcnow

RESET_SALT = "elearn.password-reset"


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


FREE_FAILURES = 5
LONGEST_WAIT = timedelta(minutes=60)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (the same for every failure).

    After five wrong passwords in a row an account waits 1, 2, 4 ... up to 60 minutes
    between attempts (slowed, never locked for good); the caller commits the count.
    """
    user = find_user(email)
    now = utcnow()
    if user is None or not user.active:
        generate_password_hash(password)  # a missing account takes as long as a wrong password
        return None
    if user.sign_in_blocked_until is not None and user.sign_in_blocked_until > now:
        generate_password_hash(password)
        return None
    if not user.check_password(password):
        user.failed_sign_ins = (user.failed_sign_ins or 0) + 1
        if user.failed_sign_ins >= FREE_FAILURES:
            wait = timedelta(minutes=2 ** (user.failed_sign_ins - FREE_FAILURES))
            user.sign_in_blocked_until = now + min(wait, LONGEST_WAIT)
        return None
    user.failed_sign_ins = 0
    user.sign_in_blocked_until = None
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _password_fingerprint(user: User) -> str:
    return (user.password_hash or "none")[-16:]


def reset_token(user: User) -> str:
    """A signed token that stops working once the password changes (single use)."""
    return _serializer().dumps({"user": user.id, "pw": _password_fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("user"))
    if user is None or not user.active or data.get("pw") != _password_fingerprint(user):
        return None
    return user


def start_session(user: User) -> None:
    """A fresh session for a fresh sign-in, so a planted session cookie is worthless."""
    session.clear()
    login_user(user)
    session.permanent = True
    user.last_signed_in_at = utcnow()
