"""Outgoing mail: SMTP when MAIL_SERVER is set, otherwise .eml files in instance/mail/."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app, render_template

from elearn.models import utcnow

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Render templates/mail/<template>.txt and send it (or write it to a file)."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="elearn")
    message.set_content(render_template(f"mail/{template}.txt", **context))
    if current_app.config["MAIL_SERVER"]:
        _send_smtp(message)
    else:
        _write_file(message, Path(current_app.config["MAIL_DIR"]))
    return message


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def _write_file(message: EmailMessage, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    token = message["Message-ID"].strip("<>").split("@")[0].replace(".", "-")
    path = folder / f"{stamp}-{token}.eml"
    path.write_bytes(message.as_bytes())
    log.info("mail to %s written to %s", message["To"], path)
