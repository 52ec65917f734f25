"""Where a person lands after signing in, or on the home page once signed in.

Each role starts where its work is: a CST admin on what needs deciding, a manager on
their organisation (its checklist until it is set up), a learner on My training.
"""

from __future__ import annotations

from flask import url_for

from elearn.models import User
from elearn.permissions import manages_any_organisation


def landing_url(user: User) -> str:
    if user.is_cst_admin:
        return url_for("admin.home")
    if manages_any_organisation(user):
        return url_for("organisations.index")
    return url_for("courses.my_training")
