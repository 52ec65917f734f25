"""A business or institution asks to register; CST approves or declines it."""

from __future__ import annotations

from elearn import audit
from elearn.extensions import db
from elearn.models import Invitation, Organisation, OrganisationStatus, Role, User, utcnow
from elearn.organisations.invitations import invite_one
from elearn.organisations.memberships import OperationRefused


def request_registration(
    name: str,
    sector: str,
    headcount: int,
    contact_name: str,
    contact_email: str,
    contact_phone: str | None,
) -> Organisation:
    organisation = Organisation(
        name=name.strip(),
        sector=sector,
        headcount=headcount,
        status=OrganisationStatus.PENDING,
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip().lower(),
        contact_phone=(contact_phone or "").strip() or None,
    )
    db.session.add(organisation)
    db.session.flush()
    audit.record("registration_requested", organisation, {"name": organisation.name})
    return organisation


def approve(organisation: Organisation, by: User) -> Invitation:
    """Approve a request: its contact is invited to become the organisation's manager (the
    invitation waits to be sent once this commits)."""
    if organisation.status != OrganisationStatus.PENDING:
        raise OperationRefused("Only a request waiting for a decision can be approved")
    organisation.status = OrganisationStatus.APPROVED
    organisation.decided_at = utcnow()
    audit.record("registration_approved", organisation)
    return invite_one(
        organisation, organisation.contact_email, by, organisation.contact_name, Role.MANAGER
    )


def decline(organisation: Organisation, by: User, reason: str) -> None:
    if organisation.status != OrganisationStatus.PENDING:
        raise OperationRefused("Only a request waiting for a decision can be declined")
    organisation.status = OrganisationStatus.DECLINED
    organisation.decided_at = utcnow()
    organisation.decision_note = reason.strip() or None
    audit.record("registration_declined", organisation, {"reason": organisation.decision_note})
