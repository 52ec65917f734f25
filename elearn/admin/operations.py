"""CST administration operations that change state."""

from __future__ import annotations

from elearn import audit
from elearn.auth.accounts import find_user
from elearn.auth.forms import MIN_PASSWORD_LENGTH
from elearn.extensions import db
from elearn.models import User


class PasswordTooShort(ValueError):
    pass


def create_admin_user(email: str, full_name: str, password: str) -> tuple[User, bool]:
    """A CST admin with this email: created, or an existing user promoted (and re-passworded)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooShort(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    user = find_user(email)
    created = user is None
    if user is None:
        user = User(email=email, full_name=full_name, password=password)
        db.session.add(user)
    else:
        user.set_password(password)
        user.end_other_sessions()
    user.is_cst_admin = True
    db.session.flush()
    audit.record("admin_created" if created else "admin_promoted", user)
    db.session.commit()
    return user, created
