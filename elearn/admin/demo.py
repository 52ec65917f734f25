"""Demo data for a first look: one business, its manager, two learners and a CST admin."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from elearn.auth.accounts import find_user
from elearn.extensions import db
from elearn.models import (
    WHOLE_ORGANISATION,
    Assignment,
    Membership,
    Organisation,
    OrganisationStatus,
    Role,
    User,
    utcnow,
)

DEMO_ORGANISATION = "Demo Insurance Brokers Ltd"
DEMO_REQUEST = "Little Acorns Nursery (demo request)"
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
    _demo_organisation_setup(organisation)
    db.session.commit()
    return printed


def _demo_organisation_setup(organisation: Organisation) -> None:
    """Required training, a join code and a request for CST to decide on."""
    if not organisation.join_code:
        organisation.join_code = "DEMO2345"
        organisation.join_code_enabled = True
    organisation.headcount = organisation.headcount or 120
    has_assignment = db.session.scalar(
        select(Assignment.id).where(Assignment.organisation_id == organisation.id)
    )
    if has_assignment is None:
        db.session.add(
            Assignment(
                organisation_id=organisation.id,
                course_slug="wrap",
                team=WHOLE_ORGANISATION,
                due_on=utcnow().date() + timedelta(days=30),
            )
        )
    pending = db.session.scalar(select(Organisation.id).where(Organisation.name == DEMO_REQUEST))
    if pending is None:
        db.session.add(
            Organisation(
                name=DEMO_REQUEST,
                sector="early_years",
                headcount=18,
                status=OrganisationStatus.PENDING,
                contact_name="Nia Nursery",
                contact_email="nursery@example.org",
            )
        )
