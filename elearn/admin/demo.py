"""Demo data for a first look: one business, its manager, two learners and a CST admin."""

from __future__ import annotations

from sqlalchemy import select

from elearn.auth.accounts import find_user
from elearn.extensions import db
from elearn.models import Membership, Organisation, Role, User

DEMO_ORGANISATION = "Demo Insurance Brokers Ltd"
DEMO_ACCOUNTS = [
    # role, email, full name, password, organisation role or None
    ("CST admin", "cst.admin@example.org", "Cam Admin", "demo-cst-admin-pass", None),
    ("manager", "manager@example.org", "Morgan Manager", "demo-manager-pass", Role.MANAGER),
    ("learner", "learner@example.org", "Lee Learner", "demo-learner-pass", Role.MEMBER),
    ("learner", "learner2@example.org", "Alex Learner", "demo-learner2-pass", Role.MEMBER),
]


def load_demo() -> list[tuple[str, str, str]]:
    """Create (or reset) the demo accounts; returns (role, email, password) to print."""
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.name == DEMO_ORGANISATION)
    )
    if organisation is None:
        organisation = Organisation(name=DEMO_ORGANISATION, sector="business")
        db.session.add(organisation)
        db.session.flush()
    printed = []
    for role, email, name, password, membership_role in DEMO_ACCOUNTS:
        user = find_user(email)
        if user is None:
            user = User(email=email, full_name=name)
            db.session.add(user)
        user.set_password(password)
        user.active = True
        user.is_cst_admin = membership_role is None
        db.session.flush()
        if membership_role is not None:
            membership = db.session.scalar(
                select(Membership).where(
                    Membership.user_id == user.id, Membership.organisation_id == organisation.id
                )
            )
            if membership is None:
                db.session.add(
                    Membership(
                        user=user, organisation=organisation, role=membership_role, team="Claims"
                    )
                )
        printed.append((role, email, password))
    db.session.commit()
    return printed
