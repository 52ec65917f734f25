"""A mail server that fails, or refuses an address, never loses or hides what was done."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from elearn import mail
from elearn.models import Invitation, Organisation, ReminderLog, utcnow
from elearn.web.links import site_url
from tests.conftest import sqlite_writer_waits
from tests.test_invitation_outbox import invite, waiting
from tests.test_organisations import REGISTRATION, mails, manager_of


@pytest.fixture
def mail_server(monkeypatch):
    """Mail as written to files, except to the addresses refused or while it is down."""
    state = {"refused": {}, "down": False}  # refused: address -> (code, reply)
    write = mail._write_file

    def send(message, folder):
        if state["down"]:
            raise ConnectionRefusedError("mail server down")
        if message["To"] in state["refused"]:
            raise smtplib.SMTPRecipientsRefused({message["To"]: state["refused"][message["To"]]})
        write(message, folder)

    monkeypatch.setattr(mail, "_write_file", send)
    return state


def test_a_refused_address_is_marked_and_the_rest_still_go(
    app, browser, make, session, mail_server
):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    mail_server["refused"]["b@example.com"] = (550, b"5.1.1 no such mailbox")
    invite(browser, org, "a@example.com\nb@example.com\nc@example.com")
    assert sorted(message["To"] for message in mails(app)) == ["a@example.com", "c@example.com"]
    refused = session.scalar(select(Invitation).where(Invitation.email == "b@example.com"))
    assert refused.undeliverable_at is not None and waiting(session) == 1
    page = browser.get(f"/organisations/{org.id}/invitations")
    assert "Email refused: check the address" in page.text()
    assert "The mail server refused 1" in page.text()
    assert "waiting to be sent" not in page.text(), "not offered again and again"

    mail_server["refused"].clear()  # say the address was fixed at the other end
    browser.post(f"/organisations/{org.id}/invitations/{refused.id}/resend")
    assert "b@example.com" in [message["To"] for message in mails(app)]
    session.refresh(refused)
    assert refused.undeliverable_at is None and refused.last_sent_at is not None


@pytest.mark.parametrize(
    "reply",
    [(450, b"4.2.1 mailbox busy, try later"), (550, b"5.7.1 relaying denied")],
    ids=["try-later", "policy"],
)
def test_a_refusal_that_is_not_the_address_s_fault_leaves_it_waiting(
    app, browser, make, session, mail_server, reply
):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    mail_server["refused"]["a@example.com"] = reply
    invite(browser, org, "a@example.com\nb@example.com")
    assert mails(app) == [], "the sender stops: the rest wait"
    assert waiting(session) == 2
    assert session.scalar(select(Invitation.undeliverable_at).limit(1)) is None


def test_links_keep_the_site_address_path(app, monkeypatch):
    monkeypatch.setitem(app.config, "ELEARN_BASE_URL", "https://example.org:8443/elearn")
    with app.app_context():
        assert site_url("auth.reset_password", token="abc") == (
            "https://example.org:8443/elearn/reset-password/abc"
        )


def test_approval_stands_when_the_invitation_cannot_be_sent(
    app, browser, make, session, mail_server
):
    admin = make.user(admin=True)
    organisation = make.organisation(
        "Cheapside Coffee",
        status="pending",
        contact_name="Priya Shah",
        contact_email="priya@cheapside.example",
    )
    browser.sign_in(admin)
    browser.get(f"/admin/organisations/{organisation.id}")
    mail_server["down"] = True
    browser.post(f"/admin/organisations/{organisation.id}/approve")
    page = browser.get("/admin/organisations")
    assert "could not be sent" in page.text()
    session.refresh(organisation)
    assert organisation.status == "approved"
    assert waiting(session) == 1, "the invitation waits, to be sent from its page"


def test_registration_and_reset_pages_answer_as_usual_when_mail_fails(
    app, browser, make, session, mail_server
):
    make.user(email="reset@example.com")
    mail_server["down"] = True
    browser.get("/reset-password")
    assert browser.post("/reset-password", {"email": "reset@example.com"}, status=200).h1 == (
        "Check your email"
    )
    browser.get("/organisations/register")
    page = browser.post("/organisations/register", REGISTRATION, status=200)
    assert page.h1 == "Request sent"
    assert session.scalar(select(Organisation.name)) == "Cheapside Coffee Ltd"


def test_a_refused_reminder_does_not_stop_the_others(app, make, session, mail_server):
    org = make.organisation()
    now = utcnow()
    for address in ("a@example.com", "b@example.com", "c@example.com"):
        person = make.user(email=address, org=org)
        make.completion(
            person, completed_at=now - timedelta(days=350), expires_at=now + timedelta(days=12)
        )
    mail_server["refused"]["b@example.com"] = (550, b"5.1.1 no such mailbox")
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 2 reminders" in result.output
    assert sorted(message["To"] for message in mails(app)) == ["a@example.com", "c@example.com"]


def test_reminders_hold_no_lock_while_the_mail_server_answers(
    app, make, session, engine, mail_server, monkeypatch
):
    org = make.organisation()
    now = utcnow()
    for address in ("a@example.com", "b@example.com"):
        make.completion(
            make.user(email=address, org=org),
            completed_at=now - timedelta(days=350),
            expires_at=now + timedelta(days=12),
        )
    seen, write = [], mail._write_file

    def slow_server(message, folder):
        if engine.dialect.name == "sqlite":  # while it "sends", may a web request write?
            seen.append(sqlite_writer_waits(engine))
        if mail_server["down"]:
            raise ConnectionRefusedError("mail server down")
        write(message, folder)

    monkeypatch.setattr(mail, "_write_file", slow_server)
    mail_server["down"] = True
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code != 0, "a mail server that is down ends the run"
    assert mails(app) == [] and session.scalar(select(func.count(ReminderLog.id))) == 0, (
        "the claim of the reminder that failed is withdrawn"
    )

    mail_server["down"] = False
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert "Sent 2 reminders" in result.output, result.output
    if engine.dialect.name == "sqlite":
        assert set(seen) == {"free"}, seen


class Relay:
    """Stands in for smtplib's client: what elearn asked of the mail server."""

    def __init__(self, calls: list, kind: str):
        self.calls, self.kind = calls, kind

    def __call__(self, host, port, **options):
        self.calls.append((self.kind, host, port))
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self, context):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user))

    def send_message(self, message):
        self.calls.append(("send", message["To"]))

    def quit(self):
        self.calls.append(("quit",))

    def noop(self):
        self.calls.append(("noop",))
        raise smtplib.SMTPServerDisconnected("closed while idle")


@pytest.mark.parametrize(
    ("port", "expected"),
    [
        (587, [("plain", "smtp.example.org", 587), ("starttls",)]),
        (465, [("ssl", "smtp.example.org", 465)]),
    ],
)
def test_mail_goes_by_starttls_or_implicit_tls_with_a_login(app, monkeypatch, port, expected):
    calls: list = []
    monkeypatch.setattr(smtplib, "SMTP", Relay(calls, "plain"))
    monkeypatch.setattr(smtplib, "SMTP_SSL", Relay(calls, "ssl"))
    for key, value in {
        "MAIL_SERVER": "smtp.example.org",
        "MAIL_PORT": port,
        "MAIL_USE_SSL": port == 465,
        "MAIL_USERNAME": "elearn",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    with app.app_context():
        mail.send_mail("a@example.com", "Hello", "registration_received", name="Priya Shah")
    assert calls == [*expected, ("login", "elearn"), ("send", "a@example.com")]


def test_a_batch_of_invitations_goes_through_one_connection(app, browser, make, monkeypatch):
    calls: list = []
    monkeypatch.setattr(smtplib, "SMTP", Relay(calls, "plain"))
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.org")
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "")
    org, manager = manager_of(make)
    browser.sign_in(manager)
    invite(browser, org, "a@example.com\nb@example.com\nc@example.com")
    assert calls == [
        ("plain", "smtp.example.org", 587),
        ("starttls",),
        ("send", "a@example.com"),
        ("send", "b@example.com"),
        ("send", "c@example.com"),
        ("quit",),
    ]


def test_a_connection_left_idle_is_checked_and_opened_again(app, monkeypatch):
    calls: list = []
    clock = [1000.0]
    monkeypatch.setattr(smtplib, "SMTP", Relay(calls, "plain"))
    monkeypatch.setattr(mail.time, "monotonic", lambda: clock[0])
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.org")
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    with app.app_context(), mail.one_connection():
        for address, pause in (("a@example.com", 0), ("b@example.com", 1), ("c@example.com", 60)):
            clock[0] += pause
            mail.send_mail(address, "Hello", "registration_received", name="Priya Shah")
    connected = ("plain", "smtp.example.org", 587)
    assert calls == [
        connected,
        ("send", "a@example.com"),
        ("send", "b@example.com"),  # a second later: not checked
        ("noop",),  # a minute later: checked, found closed, opened again
        connected,
        ("send", "c@example.com"),
        ("quit",),
    ]
