"""Joining without an invitation: an organisation's join code (made, replaced, switched
on and off) and the email domains whose verified addresses join it, and which
organisation a new account joins by either. The joining views (joining_views.py) use
them; each change audits, and the view commits.
"""

from __future__ import annotations

from sqlalchemy import select

from elearn import audit
from elearn.extensions import db
from elearn.models import Organisation, OrganisationDomain, OrganisationStatus, normalise_email
from elearn.organisations.tokens import new_join_code, normalise_join_code


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
