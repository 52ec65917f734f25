"""The outbox: invitations confirmed but not yet emailed, and each one claimed for sending.

A sender (notifications.py) claims an invitation, which gives it a fresh link, and
commits before its email goes, so that no one is emailed twice; an email that could not
go is unclaimed and waits to be sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, update

from elearn.extensions import db
from elearn.models import Invitation, Organisation, OrganisationStatus, utcnow
from elearn.organisations.invitations import INVITATION_LIFETIME
from elearn.organisations.tokens import hash_token, new_token

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
