"""The hub's partners: organisations CST shares findings with, and reporting links.

A partner (`Organisation.hub_partner`) is an approved organisation whose managers see the
hub's figures and export (`permissions.can_see_hub_figures`): what was reported, where and
when, never who reported it, and for whom only where the reporter did not ask to stay
anonymous to other partners. A reporting link (`Organisation.hub_link_token`) lets anyone
who has it report for that organisation without an account; a new link ends the old one.
Each change is an audit event, in the caller's transaction (the caller commits).
"""

from __future__ import annotations

import secrets

from sqlalchemy import or_, select

from elearn import audit
from elearn.extensions import db
from elearn.models import Organisation, OrganisationStatus, User


class PartnerRefused(Exception):
    pass


def partners() -> list[Organisation]:
    """Organisations sharing findings or holding a reporting link, by name."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(or_(Organisation.hub_partner, Organisation.hub_link_token.is_not(None)))
            .order_by(Organisation.name, Organisation.id)
        )
    )


def _approved(organisation: Organisation) -> None:
    if organisation.status != OrganisationStatus.APPROVED:
        raise PartnerRefused(f"{organisation.name} is not approved: approve it first")


def share(organisation: Organisation, by: User) -> None:
    _approved(organisation)
    if not organisation.hub_partner:
        organisation.hub_partner = True
        audit.record("hub_sharing_started", organisation, {}, by.id)


def stop_sharing(organisation: Organisation, by: User) -> None:
    if organisation.hub_partner:
        organisation.hub_partner = False
        audit.record("hub_sharing_stopped", organisation, {}, by.id)


def new_link(organisation: Organisation, by: User) -> str:
    """A new reporting link's secret; any link the organisation had stops working."""
    _approved(organisation)
    replaced = organisation.hub_link_token is not None
    organisation.hub_link_token = secrets.token_urlsafe(32)
    audit.record("hub_link_made", organisation, {"replaced": replaced}, by.id)
    return organisation.hub_link_token


def end_link(organisation: Organisation, by: User) -> None:
    if organisation.hub_link_token is not None:
        organisation.hub_link_token = None
        audit.record("hub_link_ended", organisation, {}, by.id)


def by_link(token: str) -> Organisation | None:
    """The approved organisation whose reporting link this is."""
    if not token or len(token) > 43:
        return None
    return db.session.scalar(
        select(Organisation).where(
            Organisation.hub_link_token == token,
            Organisation.status == OrganisationStatus.APPROVED,
        )
    )
