"""What managers and CST do to organisations. Each function flushes and audits; the view
commits once, so every change (an import of thousands of rows included) is one transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from sqlalchemy import and_, func, insert, select, true, update

from elearn import audit
from elearn.extensions import db
from elearn.models import (
    WHOLE_ORGANISATION,
    Assignment,
    Invitation,
    InvitationBatch,
    Membership,
    Organisation,
    OrganisationDomain,
    OrganisationStatus,
    Role,
    User,
    normalise_email,
    utcnow,
)
from elearn.organisations.importer import MAX_LENGTHS, UNPRINTABLE
from elearn.organisations.tokens import (
    hash_token,
    new_join_code,
    new_token,
    normalise_join_code,
    unusable_token_hash,
)

INVITATION_LIFETIME = timedelta(days=14)


class OperationRefused(Exception):
    """A request that breaks a rule; the message says which, in the users' words."""


# --- memberships ---------------------------------------------------------------------


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


# --- teams ---------------------------------------------------------------------------

TEAM_LENGTH = MAX_LENGTHS["team"]  # as Membership.team and Invitation.team hold


def team_name(text: str | None) -> str | None:
    """A team's name as a manager typed it, with runs of spaces made one; None for no
    team. Refused when it is too long, or holds a control character (a tab, a line
    break) or a mark that changes the direction text reads in."""
    if text and UNPRINTABLE.search(text):
        raise OperationRefused(
            "Enter the team's name without tabs, line breaks or other control characters"
        )
    name = " ".join((text or "").split())
    if len(name) > TEAM_LENGTH:
        raise OperationRefused(f"Team name must be {TEAM_LENGTH} characters or fewer")
    return name or None


def as_spelt(organisation_id: int, team: str | None) -> str | None:
    """An existing team's own spelling when `team` differs from it only in case, so that
    "claims" joins "Claims" (training required of a team names it exactly)."""
    if team is None:
        return None
    known = {name.casefold(): name for name in teams(organisation_id)}
    return known.get(team.casefold(), team)


def set_team(membership: Membership, team: str | None) -> bool:
    """Put an active member in a team (None: in no team), as `team_name()` reads it;
    whether their team changed. Audited."""
    if membership.left_at is not None:
        raise OperationRefused("They are no longer a member, so they cannot be in a team")
    return _move(membership, as_spelt(membership.organisation_id, team_name(team)))


def _move(membership: Membership, team: str | None) -> bool:
    if team == membership.team:
        return False
    audit.record("team_changed", membership, {"team": team, "previous": membership.team})
    membership.team = team
    return True


def set_teams(
    organisation: Organisation, membership_ids: list[int], team: str | None
) -> tuple[int, str | None]:
    """Put several of the organisation's active members in one team: how many moved, and
    the team as `team_name()` and `as_spelt()` read it. Ids of anyone else (another
    organisation's member, someone who left) are ignored."""
    team = as_spelt(organisation.id, team_name(team))
    memberships = db.session.scalars(
        select(Membership).where(
            Membership.organisation_id == organisation.id,
            Membership.left_at.is_(None),
            Membership.id.in_(membership_ids),
        )
    ).all()
    return sum(_move(membership, team) for membership in memberships), team


# --- invitations ---------------------------------------------------------------------


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


WAITING = and_(
    Invitation.last_sent_at.is_(None),
    Invitation.accepted_at.is_(None),
    Invitation.revoked_at.is_(None),
    Invitation.undeliverable_at.is_(None),
)
# More waiting invitations than this are sent after the response: through a real mail
# server each email takes a good part of a second, and a worker is stopped after 30.
SEND_NOW = 20
# A large batch one of whose invitations was claimed this recently is taken to be still
# going out, in the background.
SENDING_FOR = timedelta(minutes=1)


def waiting_invitations(organisation_id: int | None = None, only: int | None = None) -> list:
    """Invitations confirmed but not yet emailed (one organisation's, or those of every
    approved organisation; or only the one with id `only`), oldest first:
    (id, email, full_name, organisation_name, role, registered_it) rows, where
    registered_it says the address is the one that registered the organisation."""
    statement = (
        select(
            Invitation.id,
            Invitation.email,
            Invitation.full_name,
            Organisation.name,
            Invitation.role,
            func.coalesce(func.lower(Organisation.contact_email) == Invitation.email, False),
        )
        .join(Organisation, Organisation.id == Invitation.organisation_id)
        .where(WAITING, Organisation.status == OrganisationStatus.APPROVED)
        .order_by(Invitation.id)
    )
    if organisation_id is not None:
        statement = statement.where(Invitation.organisation_id == organisation_id)
    if only is not None:
        statement = statement.where(Invitation.id == only)
    return db.session.execute(statement).all()


@dataclass(frozen=True)
class Outbox:
    waiting: int  # invitations not yet emailed
    sending: bool  # more than SEND_NOW, one of them claimed within SENDING_FOR


def outbox(organisation_id: int, now: datetime) -> Outbox:
    waiting, latest = db.session.execute(
        select(
            func.count().filter(WAITING),
            func.max(Invitation.last_sent_at),
        ).where(Invitation.organisation_id == organisation_id)
    ).one()
    recent = latest is not None and latest > now - SENDING_FOR
    return Outbox(waiting, waiting > SEND_NOW and recent)


def claim_for_sending(invitation_id: int) -> str | None:
    """A fresh link for a waiting invitation, its 14 days counted from now; None when another
    sender claimed it first (or it was withdrawn meanwhile), so no one is emailed twice."""
    token, token_hash = new_token()
    now = utcnow()
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id, WAITING)
        .values(token_hash=token_hash, last_sent_at=now, expires_at=now + INVITATION_LIFETIME)
        .execution_options(synchronize_session=False)
    )
    return token if claimed.rowcount == 1 else None


def unclaim(invitation_id: int, token: str, undeliverable: bool = False) -> None:
    """Its email could not be sent: it waits to be sent again (or, refused for good, is
    marked undeliverable), unless it has been sent again since with another link."""
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id, Invitation.token_hash == hash_token(token))
        .values(last_sent_at=None, undeliverable_at=utcnow() if undeliverable else None)
        .execution_options(synchronize_session=False)
    )


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


# --- join codes and domains ------------------------------------------------------------


def regenerate_join_code(organisation: Organisation) -> str:
    """A new code; the old one stops working at once."""
    while True:
        code = new_join_code()
        taken = db.session.scalar(select(Organisation.id).where(Organisation.join_code == code))
        if taken is None:
            break
    organisation.join_code = code
    organisation.join_code_enabled = True
    audit.record("join_code_regenerated", organisation)
    return code


def set_join_code_enabled(organisation: Organisation, enabled: bool) -> None:
    if enabled and not organisation.join_code:
        regenerate_join_code(organisation)
    organisation.join_code_enabled = enabled
    audit.record("join_code_enabled" if enabled else "join_code_disabled", organisation)


def organisation_for_join_code(text: str) -> Organisation | None:
    code = normalise_join_code(text)
    if not code:
        return None
    return db.session.scalar(
        select(Organisation).where(
            Organisation.join_code == code,
            Organisation.join_code_enabled.is_(True),
            Organisation.status == OrganisationStatus.APPROVED,
        )
    )


def organisation_for_email(email: str) -> Organisation | None:
    """The approved organisation whose allowed domain matches a verified address."""
    domain = normalise_email(email).rpartition("@")[2]
    return db.session.scalar(
        select(Organisation)
        .join(OrganisationDomain)
        .where(
            OrganisationDomain.domain == domain,
            Organisation.status == OrganisationStatus.APPROVED,
        )
    )


def organisation_to_join(email: str, join_code: str | None) -> Organisation | None:
    """Where a newly verified account belongs: the code it came with, else its domain."""
    organisation = organisation_for_join_code(join_code) if join_code else None
    return organisation or organisation_for_email(email)


# --- required training -------------------------------------------------------------------


def assign_course(
    organisation: Organisation, course_slug: str, team: str | None, due_on: date, by: User
) -> Assignment:
    """Require a course of everyone (or a team) by a date; assigning again moves the date."""
    team = (team or "").strip() or WHOLE_ORGANISATION
    assignment = db.session.scalar(
        select(Assignment).where(
            Assignment.organisation_id == organisation.id,
            Assignment.course_slug == course_slug,
            Assignment.team == team,
        )
    )
    if assignment is None:
        assignment = Assignment(
            organisation_id=organisation.id,
            course_slug=course_slug,
            team=team,
            due_on=due_on,
            created_by_id=by.id,
        )
        db.session.add(assignment)
    else:
        assignment.due_on = due_on
    db.session.flush()
    audit.record(
        "course_assigned",
        assignment,
        {"course": course_slug, "team": team, "due_on": due_on.isoformat()},
    )
    return assignment


def unassign_course(assignment: Assignment) -> None:
    audit.record(
        "course_unassigned", assignment, {"course": assignment.course_slug, "team": assignment.team}
    )
    db.session.delete(assignment)


def teams(organisation_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Membership.team)
            .where(
                Membership.organisation_id == organisation_id,
                Membership.left_at.is_(None),
                Membership.team.is_not(None),
                Membership.team != "",
            )
            .distinct()
            .order_by(Membership.team)
        )
    )
