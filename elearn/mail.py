"""Outgoing mail: SMTP when MAIL_SERVER is set, otherwise .eml files in instance/mail/.

A file is UTF-8 text a developer can read with `cat` (the body 8bit, not base64) and a
valid email, named so that the names sort by time: `FILE_NAME` says how.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import after_this_request, current_app, g, render_template

from elearn.models import utcnow

log = logging.getLogger(__name__)

# A mail server gets quoted-printable bodies (7-bit: safe through any relay); a file gets
# the text as it is (7bit, or 8bit UTF-8), since no relay reads it and people do.
SMTP_BODY = Charset("utf-8")
SMTP_BODY.body_encoding = QP
FILE_BODY = Charset("utf-8")
FILE_BODY.body_encoding = None
SUBJECT = Charset("utf-8")  # a subject that is not ASCII: =?utf-8?q?...?=, mostly legible
SUBJECT.header_encoding = QP

# 20261204T154152123456-<Message-ID's local part>.eml: UTC to the microsecond, first.
FILE_NAME = re.compile(r"(?P<stamp>\d{8}T\d{12})-[0-9A-Za-z-]+\.eml")
STAMP_FORMAT = "%Y%m%dT%H%M%S%f"


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email. Text (a calendar event) is encoded as the body is: as it
    is in a file, quoted-printable to a mail server; bytes go in base64."""

    filename: str
    mimetype: str  # "text/calendar"
    content: str | bytes
    parameters: tuple[tuple[str, str], ...] = ()  # of the Content-Type: ("method", "REQUEST")


def send_mail(
    to: str, subject: str, template: str, attachments: Sequence[Attachment] = (), **context
) -> Message:
    """Render templates/mail/<template>.txt and send it (or write it to a file)."""
    message = compose(to, subject, template, attachments, **context)
    deliver(message)
    return message


def compose(
    to: str, subject: str, template: str, attachments: Sequence[Attachment] = (), **context
) -> Message:
    """The email, rendered from templates/mail/<template>.txt, ready to deliver: the text
    alone, or the text and its attachments (multipart/mixed).

    Built with the classic (compat32) email API: a tenth of the cost of EmailMessage's
    header parsing, which matters when an import sends ten thousand invitations.
    """
    body = SMTP_BODY if current_app.config["MAIL_SERVER"] else FILE_BODY
    text = MIMEText(render_template(f"mail/{template}.txt", **context), "plain", body)
    message = _with_attachments(text, attachments, body) if attachments else text
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = Header(subject, SUBJECT) if not subject.isascii() else subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="elearn")
    return message


def _with_attachments(
    text: MIMEText, attachments: Sequence[Attachment], body: Charset
) -> MIMEMultipart:
    message = MIMEMultipart("mixed")
    message.attach(text)
    for attachment in attachments:
        maintype, subtype = attachment.mimetype.split("/", 1)
        if isinstance(attachment.content, str) and maintype == "text":
            part = MIMEText(attachment.content, subtype, body)
        else:
            content = attachment.content
            part = MIMEApplication(content.encode() if isinstance(content, str) else content)
            part.replace_header("Content-Type", attachment.mimetype)
        for name, value in attachment.parameters:
            part.set_param(name, value)
        part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
        message.attach(part)
    return message


def deliver(message: Message) -> None:
    """Hand a composed email to the mail server, or write it to a file without one."""
    if current_app.config["MAIL_SERVER"]:
        _send_smtp(message)
    else:
        _write_file(message, Path(current_app.config["MAIL_DIR"]))


def send_mail_or_log(
    to: str, subject: str, template: str, attachments: Sequence[Attachment] = (), **context
) -> bool:
    """`send_mail` for an email sent after the change it tells of is saved: a mail server
    that fails must not turn that into an error page. The failure is logged, and False
    returned for the caller to say so where it can."""
    try:
        send_mail(to, subject, template, attachments, **context)
    except OSError:
        log.exception("mail (%s) could not be sent", template)  # no address: not in the log
        return False
    return True


def after_response(job: Callable[[], None]) -> None:
    """Run `job` once the response has gone, in an app context of its own.

    A request that may email (a password reset, an account, a registration) answers in
    the same time and the same words whether or not an account exists: looking the
    address up, making a token and talking to the mail server all happen after the
    answer. The job commits its own changes; a failure is logged. These are not tasks
    (elearn/tasks.py) on purpose: the address and name a stranger typed are never
    written to the queue's storage, and the job is a single email."""
    app = current_app._get_current_object()
    g.emails_after_response = True  # counted by the per-address limits (elearn/web/security.py)

    def run() -> None:
        with app.app_context():
            try:
                job()
            except Exception:
                log.exception("work after the response failed")

    @after_this_request
    def schedule(response):
        response.call_on_close(run)
        return response


def refused_for_good(error: BaseException) -> bool:
    """The mail server refused this recipient for good (a 5xx reply: no such mailbox):
    sending again will not help, but the next email, to someone else, may well go. Not a
    4xx (try later) nor a 5.7.x (policy: relaying denied, which refuses everyone)."""
    if not isinstance(error, smtplib.SMTPRecipientsRefused) or not error.recipients:
        return False
    return all(
        500 <= code < 600 and not reply.lstrip().startswith(b"5.7")
        for code, reply in error.recipients.values()
    )


@dataclass
class _Held:
    """The connection one_connection() keeps open, and when it was last used."""

    smtp: smtplib.SMTP | None = None
    last_used: float = 0.0


_connection: ContextVar[_Held | None] = ContextVar("elearn_smtp", default=None)


@contextmanager
def one_connection() -> Iterator[None]:
    """Send every email in the block through one connection to the mail server, opened at
    the first and closed at the end, rather than one connection each: with TLS and a login,
    opening a connection costs more than sending through it. For batches (invitations,
    reminders); each thread and command has its own."""
    held = _Held()
    token = _connection.set(held)
    try:
        yield
    finally:
        _connection.reset(token)
        if held.smtp is not None:
            with suppress(OSError):
                held.smtp.quit()


def _send_smtp(message: Message) -> None:
    held = _connection.get()
    if held is None:
        with _connect() as smtp:
            smtp.send_message(message)
        return
    idle = time.monotonic() - held.last_used > IDLE_SECONDS
    if held.smtp is not None and idle and not _still_open(held.smtp):
        held.smtp = None
    if held.smtp is None:
        held.smtp = _connect()
    # No second try if this fails: the server may have taken the message before failing.
    held.smtp.send_message(message)
    held.last_used = time.monotonic()


IDLE_SECONDS = 5  # a held connection idle longer is checked before use


def _still_open(smtp: smtplib.SMTP) -> bool:
    """Whether a held connection still answers: a server closes one left idle."""
    try:
        return smtp.noop()[0] == 250
    except OSError:
        return False


def _connect() -> smtplib.SMTP:
    config = current_app.config
    context = ssl.create_default_context()
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30, context=context
        )
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
    try:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=context)
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        smtp.close()  # a refused login must not leave the socket open
        raise
    return smtp


def _write_file(message: Message, folder: Path) -> None:
    """Write the email whole or not at all: a reader (the mail viewer, a test) never
    finds half of one under its name."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime(STAMP_FORMAT)
    token = re.sub(r"[^0-9A-Za-z]+", "-", message["Message-ID"].strip("<>").split("@")[0])
    path = folder / f"{stamp}-{token.strip('-')}.eml"
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(message.as_bytes())
    os.replace(partial, path)
    log.info("mail written to %s", path)  # the file is named by its Message-ID, not the address
