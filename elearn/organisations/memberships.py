"""Who belongs to an organisation, and as what: joining, roles, leaving, and the rule
that an organisation keeps at least one manager. Each function flushes and audits; the
view commits once, so every change is one transaction.
"""

from __future__ import annotations

from sqlalchemy import func, select

from elearn import audit
from elearn.events import member_joined
from elearn.extensions import db
from elearn.models import Membership, Organisation, Role, User, utcnow


class OperationRefused(Exception):
    """A request that breaks a rule; the message says which, in the users' words."""


def active_membership(user_id: int, organisation_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(
            Membership.user_id == user_id,
            Membership.organisation_id == organisation_id,
            Membership.left_at.is_(None),
        )
    )


def join(
    organisation: Organisation,
    user: User,
    team: str | None = None,
    role: str = Role.MEMBER,
    how: str = "joined",
) -> Membership:
    """Make `user` an active member (again); an existing role is never lowered."""
    membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.organisation_id == organisation.id
        )
    )
    if membership is None:
        membership = Membership(
            user_id=user.id, organisation_id=organisation.id, role=role, team=team
        )
        db.session.add(membership)
    else:
        if membership.left_at is not None:
            membership.left_at = None
            membership.joined_at = utcnow()
            membership.role = role
        elif role == Role.MANAGER:
            membership.role = Role.MANAGER
        membership.team = team or membership.team
    db.session.flush()
    audit.record(
        how,
        membership,
        {"organisation": organisation.id, "role": membership.role},
        actor_id=user.id,
    )
    member_joined.send(user)
    return membership


def active_managers(organisation_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            Membership.organisation_id == organisation_id,
            Membership.role == Role.MANAGER,
            Membership.left_at.is_(None),
        )
    )


def set_role(membership: Membership, role: str) -> None:
    if role not in (Role.MEMBER, Role.MANAGER):
        raise OperationRefused("Choose member or manager")
    if membership.role == Role.MANAGER and role == Role.MEMBER:
        _keep_a_manager(membership)
    membership.role = role
    audit.record("role_changed", membership, {"role": role})


def remove_member(membership: Membership) -> None:
    """The person leaves the organisation; their own record and certificates stay theirs."""
    if membership.role == Role.MANAGER:
        _keep_a_manager(membership)
    membership.left_at = utcnow()
    audit.record("member_removed", membership, {"organisation": membership.organisation_id})


def _keep_a_manager(membership: Membership) -> None:
    refusal = removal_refused(membership)
    if refusal:
        raise OperationRefused(refusal)


def removal_refused(membership: Membership) -> str | None:
    """Why the member cannot stop being a manager (or be removed) now, or None."""
    if membership.role == Role.MANAGER and active_managers(membership.organisation_id) <= 1:
        return "An organisation needs at least one manager: make someone else a manager first"
    return None
