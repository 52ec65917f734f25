"""Merging a duplicate organisation into the one kept.

CST finds the organisation to keep by name or email domain (no organisation is chosen
for them), reads what will move (`preview`, counted in SQL), and only then merges. A
merge cannot be undone: the duplicate is closed, and its people, required training,
credit for completions, invitations, email domains, face-to-face bookings, sessions and
facilitators, and the hub's findings reported for it belong to the organisation kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, delete, exists, func, select, update
from sqlalchemy.orm import aliased, selectinload

from elearn import audit
from elearn.admin.listing import OrganisationFilters, organisations_select
from elearn.extensions import db
from elearn.models import (
    Assignment,
    Booking,
    BookingStatus,
    Facilitator,
    Finding,
    Invitation,
    InvitationBatch,
    Membership,
    Organisation,
    OrganisationDomain,
    OrganisationStatus,
    Role,
    TrainingSession,
    completion_organisation,
)


class MergeRefused(ValueError):
    """A merge that cannot be made; the message says why, in CST's words."""


def candidates(source: Organisation, search: str) -> Select:
    """The approved organisations `source` could be merged into, found by name or email
    domain, by name."""
    return (
        organisations_select(OrganisationFilters(search=search, status=OrganisationStatus.APPROVED))
        .where(Organisation.id != source.id)
        .options(selectinload(Organisation.domains))
    )


def organisation_to_keep(into: str | None) -> Organisation | None:
    """The organisation named by ?into= in the address, if there is one: anything else,
    a number past any id included, is none."""
    into = (into or "").strip()
    if not (into.isascii() and into.isdigit() and len(into) <= 10 and 0 < int(into) < 2**31):
        return None
    return db.session.get(Organisation, int(into))


def check(source: Organisation, target: Organisation | None) -> None:
    if target is None:
        raise MergeRefused("Choose the organisation to keep from the list")
    if source.status != OrganisationStatus.APPROVED:
        raise MergeRefused(f"{source.name} is not approved and active: it cannot be merged")
    if source.id == target.id:
        raise MergeRefused("Choose a different organisation to merge into")
    if target.status != OrganisationStatus.APPROVED:
        raise MergeRefused("The organisation kept must be approved and active")


@dataclass(frozen=True)
class MergePreview:
    """What merging `source` into `target` moves, counted before anything moves."""

    members: int  # current members of the duplicate
    managers: int  # of whom managers
    members_already: int  # current members who are members of the kept one too (once there)
    former_members: int  # people who left the duplicate: their history moves
    required: int  # courses required (of everyone or of a team)
    required_already: int  # of which the kept one requires too: the earlier due date stays
    completions: int  # completions credited to the duplicate
    completions_already: int  # of which the kept one is credited with too
    invitations: int  # invitations not yet accepted nor withdrawn
    bookings: int  # face-to-face bookings credited to it (walk-ins with no account too)
    domains: list[str]
    join_code: bool  # the duplicate's join code works today: it stops


def preview(source: Organisation, target: Organisation) -> MergePreview:
    mine, theirs = aliased(Membership), aliased(Membership)
    also_theirs = exists().where(
        theirs.user_id == mine.user_id, theirs.organisation_id == target.id
    )
    members = db.session.execute(
        select(
            func.count().filter(mine.left_at.is_(None)),
            func.count().filter(mine.left_at.is_(None), mine.role == Role.MANAGER),
            func.count().filter(mine.left_at.is_(None), also_theirs),
            func.count().filter(mine.left_at.is_not(None)),
        ).where(mine.organisation_id == source.id)
    ).one()
    kept = aliased(Assignment)
    required = db.session.execute(
        select(
            func.count(),
            func.count().filter(
                exists().where(
                    kept.organisation_id == target.id,
                    kept.course_slug == Assignment.course_slug,
                    kept.team == Assignment.team,
                )
            ),
        ).where(Assignment.organisation_id == source.id)
    ).one()
    credit, other = completion_organisation, completion_organisation.alias("kept_credit")
    completions = db.session.execute(
        select(
            func.count(),
            func.count().filter(
                exists().where(
                    other.c.completion_id == credit.c.completion_id,
                    other.c.organisation_id == target.id,
                )
            ),
        ).where(credit.c.organisation_id == source.id)
    ).one()
    invitations = db.session.scalar(
        select(func.count()).where(
            Invitation.organisation_id == source.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    )
    bookings = db.session.scalar(
        select(func.count()).where(
            Booking.organisation_id == source.id, Booking.status != BookingStatus.CANCELLED
        )
    )
    return MergePreview(
        *members,
        *required,
        *completions,
        invitations=invitations,
        bookings=bookings,
        domains=[entry.domain for entry in source.domains],
        join_code=bool(source.join_code and source.join_code_enabled),
    )


def merge(source: Organisation, target: Organisation) -> None:
    """Move everything of a duplicate into the organisation kept, then close the duplicate."""
    check(source, target)
    _merge_memberships(source, target)
    _merge_completion_credits(source, target)
    # Face-to-face: bookings credited to it (walk-ins with no account among them), the
    # sessions for it alone, and the facilitators who run sessions for it. The hub: what
    # was reported for it.
    for model in (
        Invitation,
        InvitationBatch,
        OrganisationDomain,
        Booking,
        TrainingSession,
        Facilitator,
        Finding,
    ):
        db.session.execute(
            update(model)
            .where(model.organisation_id == source.id)
            .values(organisation_id=target.id)
            .execution_options(synchronize_session=False)
        )
    _merge_assignments(source, target)
    source.status = OrganisationStatus.DEACTIVATED
    source.merged_into_id = target.id
    source.join_code = None
    source.join_code_enabled = False
    # A partner's reporting link and sharing end with it; the kept one's own settings stand.
    source.hub_link_token = None
    source.hub_partner = False
    audit.record("organisation_merged", source, {"into": target.id, "name": source.name})
    db.session.flush()
    db.session.expire_all()  # bulk updates above bypassed the identity map


def _merge_memberships(source: Organisation, target: Organisation) -> None:
    kept = {
        m.user_id: m
        for m in db.session.scalars(
            select(Membership).where(Membership.organisation_id == target.id)
        )
    }
    for membership in db.session.scalars(
        select(Membership).where(Membership.organisation_id == source.id)
    ).all():
        other = kept.get(membership.user_id)
        if other is None:
            membership.organisation_id = target.id
            continue
        if membership.left_at is None:
            other.left_at = None
            if membership.role == Role.MANAGER:
                other.role = Role.MANAGER
            other.team = other.team or membership.team
        other.joined_at = min(other.joined_at, membership.joined_at)
        db.session.delete(membership)
    db.session.flush()


def _merge_completion_credits(source: Organisation, target: Organisation) -> None:
    credited = select(completion_organisation.c.completion_id).where(
        completion_organisation.c.organisation_id == target.id
    )
    db.session.execute(
        delete(completion_organisation).where(
            and_(
                completion_organisation.c.organisation_id == source.id,
                completion_organisation.c.completion_id.in_(credited),
            )
        )
    )
    db.session.execute(
        update(completion_organisation)
        .where(completion_organisation.c.organisation_id == source.id)
        .values(organisation_id=target.id)
    )


def _merge_assignments(source: Organisation, target: Organisation) -> None:
    existing = {
        (a.course_slug, a.team): a
        for a in db.session.scalars(
            select(Assignment).where(Assignment.organisation_id == target.id)
        )
    }
    for assignment in db.session.scalars(
        select(Assignment).where(Assignment.organisation_id == source.id)
    ).all():
        other = existing.get((assignment.course_slug, assignment.team))
        if other is None:
            assignment.organisation_id = target.id
        else:
            other.due_on = min(other.due_on, assignment.due_on)
            db.session.delete(assignment)
    db.session.flush()
