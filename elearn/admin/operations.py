"""CST administration operations that change state."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from elearn import audit
from elearn.auth.accounts import find_user
from elearn.auth.forms import MIN_PASSWORD_LENGTH
from elearn.auth.passwords import is_common
from elearn.extensions import db
from elearn.models import (
    Assignment,
    Invitation,
    InvitationBatch,
    Membership,
    Organisation,
    OrganisationDomain,
    OrganisationStatus,
    Role,
    User,
    completion_organisation,
)


class PasswordTooShort(ValueError):
    pass


def create_admin_user(email: str, full_name: str, password: str) -> tuple[User, bool]:
    """A CST admin with this email: created, or an existing user promoted (and re-passworded)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooShort(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    if is_common(password, email):
        raise PasswordTooShort("Choose a password that is harder to guess: it is too common")
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


# --- organisations -------------------------------------------------------------------


class AdminRefused(ValueError):
    pass


def create_organisation(name: str, sector: str, headcount: int | None) -> Organisation:
    """CST creates an organisation directly (a Corporation department, for example)."""
    organisation = Organisation(
        name=name.strip(), sector=sector, headcount=headcount, status=OrganisationStatus.APPROVED
    )
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation_created", organisation, {"name": organisation.name})
    return organisation


def update_organisation(
    organisation: Organisation, name: str, sector: str, headcount: int | None
) -> None:
    before = {"name": organisation.name, "sector": organisation.sector}
    organisation.name = name.strip()
    organisation.sector = sector
    organisation.headcount = headcount
    audit.record("organisation_updated", organisation, {"before": before, "name": name})


def set_organisation_active(organisation: Organisation, active: bool) -> None:
    organisation.status = OrganisationStatus.APPROVED if active else OrganisationStatus.DEACTIVATED
    if not active:
        organisation.join_code_enabled = False
    audit.record("organisation_reactivated" if active else "organisation_deactivated", organisation)


def add_domain(organisation: Organisation, domain: str) -> OrganisationDomain:
    domain = domain.strip().lower().lstrip("@")
    taken = db.session.scalar(select(OrganisationDomain).where(OrganisationDomain.domain == domain))
    if taken is not None:
        raise AdminRefused(f"{domain} already belongs to {taken.organisation.name}")
    entry = OrganisationDomain(organisation_id=organisation.id, domain=domain)
    db.session.add(entry)
    db.session.flush()
    audit.record("domain_added", organisation, {"domain": domain})
    return entry


def remove_domain(organisation: Organisation, domain_id: int) -> None:
    entry = db.session.get(OrganisationDomain, domain_id)
    if entry is None or entry.organisation_id != organisation.id:
        raise AdminRefused("That domain is not one of this organisation's")
    audit.record("domain_removed", organisation, {"domain": entry.domain})
    db.session.delete(entry)


def merge_organisations(source: Organisation, target: Organisation) -> None:
    """Move everything of a duplicate into the organisation kept, then close the duplicate."""
    if source.id == target.id:
        raise AdminRefused("Choose a different organisation to merge into")
    if target.status != OrganisationStatus.APPROVED:
        raise AdminRefused("The organisation kept must be approved and active")
    _merge_memberships(source, target)
    _merge_completion_credits(source, target)
    for model in (Invitation, InvitationBatch, OrganisationDomain):
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
            completion_organisation.c.organisation_id == source.id,
            completion_organisation.c.completion_id.in_(credited),
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
