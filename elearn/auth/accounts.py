"""Account rules: finding people, signing in, the signed-in person loaded on each request,
and password reset tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from flask import current_app, session
from flask_login import login_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, select
from werkzeug.security import check_password_hash, generate_password_hash

from elearn.auth.devices import remember_this_device
from elearn.extensions import db, login_manager
from elearn.models import User, normalise_email, utcnow
from elearn.models.user import password_forms
from elearn.permissions import manages_any

RESET_SALT = "elearn.password-reset"


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


FREE_FAILURES = 5
LONGEST_WAIT = timedelta(minutes=60)


@cache
def _stand_in_hash() -> str:
    return generate_password_hash("a stand-in for an account that is not there")


def _take_as_long(password: str) -> None:
    """As long as checking this password against an account would take."""
    for form in password_forms(password):
        check_password_hash(_stand_in_hash(), form)


def authenticate(email: str, password: str, known_device: bool = False) -> User | None:
    """The active user with this email and password, or None (the same for every failure).

    From an unknown device (elearn/auth/devices.py), five wrong passwords in a row make
    the account's unknown devices wait 1, 2, 4 ... up to 60 minutes between attempts
    (slowed, never locked for good); a known device is neither counted nor held back by
    that (it has a limit of its own). The caller commits the count.
    """
    user = find_user(email)
    now = utcnow()
    if user is None or not user.active:
        _take_as_long(password)  # a missing account takes as long as a wrong password
        return None
    waiting = user.sign_in_blocked_until is not None and user.sign_in_blocked_until > now
    if waiting and not known_device:
        _take_as_long(password)
        return None
    if not user.check_password(password):
        if not known_device:
            _count_failure(user, now)
        return None
    if not known_device:
        user.failed_sign_ins = 0
        user.sign_in_blocked_until = None
    return user


def _count_failure(user: User, now: datetime) -> None:
    user.failed_sign_ins = (user.failed_sign_ins or 0) + 1
    if user.failed_sign_ins >= FREE_FAILURES:
        doublings = min(user.failed_sign_ins - FREE_FAILURES, 6)  # 64 minutes: past the cap
        user.sign_in_blocked_until = now + min(timedelta(minutes=2**doublings), LONGEST_WAIT)


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
    """A fresh session for a fresh sign-in, so a planted session cookie is worthless; this
    browser becomes a known device of the account."""
    session.clear()
    login_user(user)
    session.permanent = True
    user.last_signed_in_at = utcnow()
    remember_this_device(user)


# The person signed in and whether the menu shows "Your organisation": one statement, built
# once, on every request.
SIGNED_IN = select(User, manages_any().label("manages")).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    row = db.session.execute(SIGNED_IN, {"user_id": int(user_id)}).one_or_none()
    if row is None or row.User.session_version != int(version):
        return None
    row.User.manages_any_organisation = row.manages  # for the menu, without a query
    return row.User
