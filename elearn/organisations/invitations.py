"""Invitations: a checked list kept until the manager confirms it, then its invitations
created in bulk, waiting to be sent (outbox.py); one invitation at a time (CST, a
registration's contact); resending, withdrawing and accepting. Each function flushes and
audits; the view commits once, so every change (an import of thousands of rows included)
is one transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from sqlalchemy import insert, select, true, update

from elearn import audit
from elearn.extensions import db
from elearn.models import (
    Invitation,
    InvitationBatch,
    Membership,
    Organisation,
    OrganisationStatus,
    Role,
    User,
    normalise_email,
    utcnow,
)
from elearn.organisations.memberships import OperationRefused, join
from elearn.organisations.tokens import hash_token, unusable_token_hash

INVITATION_LIFETIME = timedelta(days=14)


@dataclass
class InvitationPlan:
    """What confirming a list of people will do, row by row."""

    new: list[dict] = field(default_factory=list)
    renewed: list[dict] = field(default_factory=list)  # invited before: a new link is sent
    members: list[dict] = field(default_factory=list)  # already members: nothing to do

    @property
    def to_send(self) -> list[dict]:
        return self.new + self.renewed

    @cached_property
    def outcomes(self) -> dict[str, str]:
        """Each address's outcome: "new", "renewed" or "member"."""
        return {
            row["email"]: outcome
            for outcome, rows in (
                ("new", self.new),
                ("renewed", self.renewed),
                ("member", self.members),
            )
            for row in rows
        }

    @property
    def repeated(self) -> int:
        """How many addresses a pasted list gave more than once (each is one invitation)."""
        return sum(
            1
            for rows in (self.new, self.renewed, self.members)
            for row in rows
            if row.get("repeats")
        )


def prepare_batch(
    organisation: Organisation, rows: list[dict], created_by: User, source: str
) -> InvitationBatch:
    """Keep checked rows until the manager confirms the preview."""
    batch = InvitationBatch(
        public_id=secrets.token_hex(16),
        organisation_id=organisation.id,
        created_by_id=created_by.id,
        source=source,
        rows=rows,
    )
    db.session.add(batch)
    db.session.flush()
    return batch


# Up to this many addresses are looked up by address; more are matched against every
# member and invitation of the organisation, read once (a list of 10,000 would otherwise
# take 20 statements of 500).
LOOKED_UP = 500


def plan_invitations(organisation: Organisation, rows: list[dict]) -> InvitationPlan:
    emails = {row["email"] for row in rows}

    def these(column):
        return column.in_(emails) if len(emails) <= LOOKED_UP else true()

    members = set(
        db.session.scalars(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == organisation.id,
                Membership.left_at.is_(None),
                these(User.email),
            )
        )
    )
    invited = set(
        db.session.scalars(
            select(Invitation.email).where(
                Invitation.organisation_id == organisation.id,
                Invitation.accepted_at.is_(None),
                these(Invitation.email),
            )
        )
    )
    plan = InvitationPlan()
    for row in rows:
        if row["email"] in members:
            plan.members.append(row)
        elif row["email"] in invited:
            plan.renewed.append(row)
        else:
            plan.new.append(row)
    return plan


def confirm_batch(
    organisation: Organisation, batch: InvitationBatch, by: User, role: str = Role.MEMBER
) -> InvitationPlan | None:
    """Create the batch's invitations in bulk, waiting to be sent (`send_waiting()` sends
    them once the transaction commits); None when the batch was confirmed already."""
    claimed = db.session.execute(
        update(InvitationBatch)
        .where(InvitationBatch.id == batch.id, InvitationBatch.confirmed_at.is_(None))
        .values(confirmed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    plan = plan_invitations(organisation, batch.rows)
    now = utcnow()
    renewed = [row["email"] for row in plan.renewed]
    for start in range(0, len(renewed), 500):
        db.session.execute(
            update(Invitation)
            .where(
                Invitation.organisation_id == organisation.id,
                Invitation.email.in_(renewed[start : start + 500]),
                Invitation.accepted_at.is_(None),
            )
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
    if plan.to_send:
        db.session.execute(
            insert(Invitation),
            [
                {
                    "organisation_id": organisation.id,
                    "email": row["email"],
                    "full_name": row.get("name"),
                    "team": row.get("team"),
                    "role": role,
                    "token_hash": unusable_token_hash(),
                    "created_by_id": by.id,
                    "created_at": now,
                    "expires_at": now + INVITATION_LIFETIME,
                    "last_sent_at": None,
                }
                for row in plan.to_send
            ],
        )
    audit.record(
        "invitations_imported",
        organisation,
        {
            "batch": batch.public_id,
            "source": batch.source,
            "new": len(plan.new),
            "renewed": len(plan.renewed),
            "already_members": len(plan.members),
        },
    )
    return plan


def invite_one(
    organisation: Organisation,
    email: str,
    by: User | None,
    full_name: str | None = None,
    role: str = Role.MEMBER,
    team: str | None = None,
) -> Invitation:
    """One invitation (the contact of an approved organisation), waiting to be sent."""
    now = utcnow()
    invitation = Invitation(
        organisation_id=organisation.id,
        email=normalise_email(email),
        full_name=full_name,
        team=team,
        role=role,
        token_hash=unusable_token_hash(),
        created_by_id=by.id if by else None,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
        last_sent_at=None,
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        "invited",
        invitation,
        {"organisation": organisation.id, "role": role},
        actor_id=by.id if by else None,
    )
    return invitation


def resend_invitation(invitation: Invitation) -> None:
    """To be sent again with a fresh link and a fresh expiry: the old link stops working
    now, and the invitation waits for the sender (`send_waiting()`)."""
    if invitation.accepted_at is not None:
        raise OperationRefused("This invitation has already been accepted")
    # In SQL, whatever this page loaded: a sender may have claimed it since.
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(
            token_hash=unusable_token_hash(),
            revoked_at=None,
            undeliverable_at=None,
            last_sent_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(invitation)
    audit.record("invitation_resent", invitation)


def revoke_invitation(invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise OperationRefused("This invitation has already been accepted")
    invitation.revoked_at = utcnow()
    audit.record("invitation_revoked", invitation)


def usable_invitation(token: str, now: datetime) -> Invitation | None:
    """The pending invitation for a token, or None: the caller says nothing more."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None or invitation.state(now) != "pending":
        return None
    if invitation.organisation.status != OrganisationStatus.APPROVED:
        return None
    return invitation


def accept_invitation(invitation: Invitation, user: User) -> Membership:
    if normalise_email(user.email) != invitation.email:
        raise OperationRefused("This invitation was sent to a different email address")
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=utcnow(), accepted_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise OperationRefused("This invitation has already been accepted")
    return join(
        invitation.organisation, user, invitation.team, invitation.role, how="invitation_accepted"
    )
