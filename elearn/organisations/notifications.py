"""Emails about organisations: invitations and registration decisions."""

from __future__ import annotations

from flask import url_for

from elearn.mail import send_mail
from elearn.models import Organisation
from elearn.organisations.operations import INVITATION_LIFETIME


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
