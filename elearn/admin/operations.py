"""CST administration operations that change state."""

from __future__ import annotations

from sqlalchemy import select

from elearn import audit
from elearn.auth.accounts import find_user
from elearn.auth.forms import MIN_PASSWORD_LENGTH
from elearn.auth.passwords import nfc
from elearn.auth.passwords import problem as password_problem
from elearn.extensions import db
from elearn.models import (
    Invitation,
    Organisation,
    OrganisationDomain,
    OrganisationStatus,
    Role,
    User,
    normalise_email,
)
from elearn.organisations.invitations import invite_one, resend_invitation


class PasswordTooShort(ValueError):
    pass


def create_admin_user(email: str, full_name: str, password: str) -> tuple[User, bool]:
    """A CST admin with this email: created, or an existing user promoted (and re-passworded)."""
    password = nfc(password)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooShort(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    refused = password_problem(password, email, full_name)
    if refused:
        raise PasswordTooShort(refused)
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


def remove_domain(organisation: Organisation, entry: OrganisationDomain) -> None:
    """Remove one of the organisation's email domains (found by `permissions.owned`)."""
    audit.record("domain_removed", organisation, {"domain": entry.domain})
    db.session.delete(entry)


def invite_manager(organisation: Organisation, email: str, full_name: str, by: User) -> Invitation:
    """CST invites someone to manage an organisation (one with no manager, say), without
    going through its members' pages: a new invitation, or the one this address already
    has there, renewed as a manager's with a new link. It waits to be sent once this
    commits (`send_waiting`)."""
    if organisation.status != OrganisationStatus.APPROVED:
        raise AdminRefused("Only an approved organisation can have a manager")
    email = normalise_email(email)
    earlier = db.session.scalar(
        select(Invitation)
        .where(
            Invitation.organisation_id == organisation.id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
        )
        .order_by(Invitation.id.desc())
        .limit(1)
    )
    if earlier is None:
        return invite_one(organisation, email, by, full_name.strip(), Role.MANAGER)
    earlier.role = Role.MANAGER
    earlier.full_name = full_name.strip()
    db.session.flush()
    resend_invitation(earlier)
    return earlier
