"""Emails about organisations: invitations and registration decisions.

Invitations go out through an outbox: a confirmed batch is committed waiting to be sent,
and each invitation is claimed (given its link) and committed before its email goes. A
large batch is sent by a task (`send_invitations`). A sender stopped midway (a restart,
a mail server down) leaves the rest waiting; the consumer sends them when it starts again
and every ten minutes (elearn/schedule.py), as do the invitations page and `flask
invitations send`, and no one gets two. The one invitation whose email was going out
when a process was killed is marked sent without being sent (at most once, never twice);
its manager can send it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from elearn.database import writing
from elearn.extensions import db
from elearn.mail import one_connection, refused_for_good, send_mail
from elearn.models import Role
from elearn.organisations.invitations import INVITATION_LIFETIME
from elearn.organisations.outbox import claim_for_sending, unclaim, waiting_invitations
from elearn.tasks import on_resume, task
from elearn.web.links import site_url

log = logging.getLogger(__name__)


def send_invitation(
    organisation_name: str,
    email: str,
    name: str | None,
    token: str,
    role: str = Role.MEMBER,
    registered_it: bool = False,
) -> None:
    """A member is invited to train; a manager (the person who registered the
    organisation, once CST approves it, or one a manager names) to manage its training."""
    managing = role == Role.MANAGER
    if managing and registered_it:
        subject = f"{organisation_name} is approved: set up your account"
    elif managing:
        subject = f"You are invited to manage {organisation_name}'s training"
    else:
        subject = f"You are invited to train with {organisation_name}"
    send_mail(
        email,
        subject,
        "manager_invitation" if managing else "invitation",
        organisation_name=organisation_name,
        name=name,
        registered_it=registered_it,
        link=site_url("joining.invitation", token=token),
        days=INVITATION_LIFETIME.days,
    )


@dataclass
class Sending:
    sent: int = 0
    refused: int = 0  # addresses the mail server refused for good, marked undeliverable


# So many refusals in a row, and none sent between, say more about the mail server than
# about the addresses: the sender stops and the rest wait.
REFUSED_IN_A_ROW = 10


def send_waiting(organisation_id: int | None = None, only: int | None = None) -> Sending:
    """Email the invitations waiting to be sent (one organisation's, or everyone's; or
    the one with id `only`). An address the mail server refuses for good is marked
    undeliverable and the rest go on; any other failure stops the sender, and that email
    waits again with the rest, rather than failing thousands of times against a mail
    server that is down. Each claim is a write transaction of its own, begun as one (see
    `elearn.database.writing`), whatever request or command this runs in."""
    outcome, in_a_row = Sending(), 0
    with writing(), one_connection():
        for (
            invitation_id,
            email,
            name,
            organisation_name,
            role,
            registered_it,
        ) in waiting_invitations(organisation_id, only):
            token = claim_for_sending(invitation_id)
            db.session.commit()
            if token is None:
                continue  # another sender has it
            try:
                send_invitation(organisation_name, email, name, token, role, registered_it)
            except Exception as error:
                undeliverable = refused_for_good(error) and in_a_row < REFUSED_IN_A_ROW
                log.exception("invitation %d could not be sent", invitation_id)
                unclaim(invitation_id, token, undeliverable)
                db.session.commit()
                if undeliverable:
                    outcome.refused += 1
                    in_a_row += 1
                    continue  # this address only: the next may go
                break  # the mail server is down, or something is wrong: the rest wait
            outcome.sent += 1
            in_a_row = 0
    if outcome.sent or outcome.refused:
        log.info("sent %d invitations, %d refused", outcome.sent, outcome.refused)
    return outcome


@task()
def send_invitations(organisation_id: int | None = None) -> None:
    """The task: send the invitations waiting (one organisation's, or everyone's). A large
    batch would keep the manager waiting."""
    send_waiting(organisation_id)


@on_resume
def resume_invitations() -> None:
    """Send what a stopped consumer left waiting."""
    send_invitations()
