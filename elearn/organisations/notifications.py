"""Emails about organisations: invitations and registration decisions."""

from __future__ import annotations

import logging
import threading

from flask import current_app, request, url_for

from elearn.mail import send_mail
from elearn.models import Organisation
from elearn.organisations.operations import INVITATION_LIFETIME

log = logging.getLogger(__name__)


def send_invitation(organisation: Organisation, email: str, name: str | None, token: str) -> None:
    send_mail(
        email,
        f"You are invited to train with {organisation.name}",
        "invitation",
        organisation=organisation,
        name=name,
        link=url_for("joining.invitation", token=token, _external=True),
        days=INVITATION_LIFETIME.days,
    )


SEND_NOW = 200  # larger batches are sent after the response, in the background


def send_invitations(organisation: Organisation, outgoing: list[tuple[dict, str]]) -> None:
    """Email a confirmed batch. The invitations are already committed: a large batch
    (thousands of rows) is sent by a background thread so the manager is not kept
    waiting; any email that fails can be sent again from the invitations page."""
    if len(outgoing) <= SEND_NOW:
        _send_all(organisation.name, organisation.id, outgoing)
        return
    app = current_app._get_current_object()
    base_url = request.host_url

    def send() -> None:
        with app.test_request_context(base_url=base_url):
            _send_all(organisation.name, organisation.id, outgoing)

    threading.Thread(target=send, name=f"invitations-{organisation.id}", daemon=True).start()


def _send_all(name: str, organisation_id: int, outgoing: list[tuple[dict, str]]) -> None:
    organisation = Organisation(id=organisation_id, name=name)
    sent = 0
    for row, token in outgoing:
        try:
            send_invitation(organisation, row["email"], row.get("name"), token)
            sent += 1
        except OSError:
            log.exception("invitation to %s could not be sent", row["email"])
    log.info("sent %d of %d invitations for organisation %d", sent, len(outgoing), organisation_id)
