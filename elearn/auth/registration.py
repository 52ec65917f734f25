"""New accounts: an emailed link proves the address before an account exists.

Only a verified address may join an organisation by its allowed email domain, and an
address cannot be claimed by someone who does not receive its mail.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from elearn import audit
from elearn.auth.accounts import find_user
from elearn.extensions import db
from elearn.models import User, normalise_email

VERIFY_SALT = "elearn.verify-email"
VERIFY_MAX_AGE = 60 * 60 * 24


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=VERIFY_SALT)


def verification_token(email: str, full_name: str, join_code: str | None = None) -> str:
    return _serializer().dumps(
        {"email": normalise_email(email), "name": full_name.strip(), "code": join_code}
    )


def read_verification_token(token: str) -> dict | None:
    try:
        return _serializer().loads(token, max_age=VERIFY_MAX_AGE)
    except (SignatureExpired, BadSignature):
        return None


def create_verified_account(email: str, full_name: str, password: str) -> User | None:
    """The new account, or None when the address already has one (the link was used)."""
    if find_user(email) is not None:
        return None
    user = User(email=email, full_name=full_name, password=password)
    db.session.add(user)
    db.session.flush()
    audit.record("account_created", user, actor_id=user.id)
    return user
