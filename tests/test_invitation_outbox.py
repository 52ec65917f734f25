"""Invitations go out through an outbox: none is lost when sending stops, none sent twice."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from elearn import mail
from elearn.extensions import db
from elearn.models import Invitation
from elearn.organisations import invitation_views, outbox
from elearn.organisations.invitations import resend_invitation
from elearn.organisations.notifications import send_waiting
from tests.test_organisations import mails, manager_of


def invite(browser, org, emails: str) -> None:
    browser.get(f"/organisations/{org.id}/invitations")
    page = browser.post(
        f"/organisations/{org.id}/invitations", {"emails": emails, "role": "member"}
    )
    browser.get(page.response.headers["Location"])
    browser.post(page.response.headers["Location"])


def waiting(session) -> int:
    session.expire_all()
    return session.scalar(
        select(func.count()).select_from(Invitation).where(Invitation.last_sent_at.is_(None))
    )


@pytest.fixture
def cut_short(monkeypatch):
    """The worker stops between committing a batch and emailing it."""
    monkeypatch.setattr(invitation_views, "send_and_say", lambda *args: None)


def test_a_batch_cut_short_waits_and_the_command_sends_it_once(
    app, browser, other_browser, make, session, cut_short, monkeypatch
):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    invite(browser, org, "a@example.com\nb@example.com\nc@example.com")
    assert mails(app) == []
    page = browser.get(f"/organisations/{org.id}/invitations")
    assert "3 invitations are waiting to be sent" in page.text()
    assert page.text().count("Waiting to be sent") == 3
    assert waiting(session) == 3

    # A command has no request: its links are built on the site's configured address.
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    monkeypatch.setitem(app.config, "ELEARN_BASE_URL", "https://elearn.example")
    result = app.test_cli_runner().invoke(args=["invitations", "send"])
    assert result.output.strip() == "Sent 3 invitations.", result.output
    sent = mails(app)
    assert sorted(message["To"] for message in sent) == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]
    assert waiting(session) == 0
    body = sent[0].get_payload(decode=True).decode()
    path = re.search(r"https://elearn\.example(/invitations/\S+)", body).group(1)
    assert other_browser.get(path).h1

    again = app.test_cli_runner().invoke(args=["invitations", "send"])
    assert again.output.strip() == "Sent 0 invitations."
    assert len(mails(app)) == 3
    assert "waiting to be sent" not in browser.get(f"/organisations/{org.id}/invitations").text()


def test_an_invitation_is_claimed_by_one_sender_only(app, browser, make, session, cut_short):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    invite(browser, org, "a@example.com\nb@example.com")
    first, second = session.scalars(select(Invitation.id).order_by(Invitation.id)).all()
    with app.app_context():
        token = outbox.claim_for_sending(first)
        assert token and outbox.claim_for_sending(first) is None
        db.session.commit()
    browser.post(f"/organisations/{org.id}/invitations/{second}/revoke")
    with app.app_context():
        assert outbox.claim_for_sending(second) is None, "a withdrawn one is not sent"
        assert outbox.waiting_invitations() == []


def test_when_mail_fails_the_rest_wait_and_the_page_sends_them(
    app, browser, other_browser, make, session, monkeypatch
):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    writes = []

    def mail_server_down(message, folder):
        writes.append(message["To"])
        raise OSError("connection refused")

    monkeypatch.setattr(mail, "_write_file", mail_server_down)
    invite(browser, org, "a@example.com\nb@example.com\nc@example.com")
    assert writes == ["a@example.com"], "sending stops at the first failure"
    page = browser.get(f"/organisations/{org.id}/invitations")
    assert "3 could not go yet and are waiting to be sent" in page.text()
    assert "3 invitations are waiting to be sent" in page.text()
    assert waiting(session) == 3

    monkeypatch.undo()
    browser.post(f"/organisations/{org.id}/invitations/send-waiting")
    page = browser.get(f"/organisations/{org.id}/invitations")
    assert "3 invitations sent" in page.text()
    assert "waiting to be sent" not in page.text()
    assert len(mails(app)) == 3 and waiting(session) == 0


def test_a_waiting_invitation_can_be_sent_or_withdrawn_on_its_own(
    app, browser, make, session, cut_short
):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    invite(browser, org, "a@example.com\nb@example.com")
    first, second = session.scalars(select(Invitation).order_by(Invitation.id)).all()
    page = browser.get(f"/organisations/{org.id}/invitations")
    assert "Send now to a@example.com" in page.text()
    browser.post(f"/organisations/{org.id}/invitations/{first.id}/resend")
    browser.post(f"/organisations/{org.id}/invitations/{second.id}/revoke")
    assert [message["To"] for message in mails(app)] == ["a@example.com"]
    assert waiting(session) == 1  # the withdrawn one, never to be sent
    assert "waiting to be sent" not in browser.get(f"/organisations/{org.id}/invitations").text()


def test_a_new_batch_sends_what_an_earlier_one_left_waiting(
    app, browser, make, session, monkeypatch
):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    monkeypatch.setattr(invitation_views, "send_and_say", lambda *args: None)
    invite(browser, org, "a@example.com\nb@example.com")
    monkeypatch.undo()
    invite(browser, org, "c@example.com")
    page = browser.get(f"/organisations/{org.id}/invitations")
    assert "3 invitations sent" in page.text()
    assert sorted(message["To"] for message in mails(app)) == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]


def test_while_a_sender_is_at_work_the_page_says_so_and_offers_no_second_one(
    app, browser, make, session, cut_short, monkeypatch
):
    monkeypatch.setattr(outbox, "SEND_NOW", 1)  # so that three is a large batch
    org, manager = manager_of(make)
    browser.sign_in(manager)
    invite(browser, org, "a@example.com\nb@example.com\nc@example.com")
    first = session.scalars(select(Invitation.id).order_by(Invitation.id)).first()
    with app.app_context():
        assert outbox.claim_for_sending(first)
        db.session.commit()
    page = browser.get(f"/organisations/{org.id}/invitations")
    assert "2 invitations are still being sent" in page.text()
    assert "Send them now" not in page.text()


def test_a_failed_send_waits_again_only_if_no_newer_link_went_out(
    app, browser, other_browser, make, session, cut_short
):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    invite(browser, org, "a@example.com")
    invitation_id = session.scalar(select(Invitation.id))
    with app.app_context():
        claimed = outbox.claim_for_sending(invitation_id)  # a sender, still at it
        db.session.commit()
    # Meanwhile the manager sends it again: a new link goes out and the sender's dies.
    browser.post(f"/organisations/{org.id}/invitations/{invitation_id}/resend")
    [message] = mails(app)
    path = re.search(
        r"http://localhost(/invitations/\S+)", message.get_payload(decode=True).decode()
    )
    other_browser.get(f"/invitations/{claimed}", status=404)
    with app.app_context():  # then the sender's email fails
        outbox.unclaim(invitation_id, claimed)
        db.session.commit()
    assert waiting(session) == 0
    assert other_browser.get(path.group(1)).h1


def test_the_command_leaves_alone_organisations_no_longer_approved(
    app, browser, make, session, cut_short
):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    invite(browser, org, "a@example.com")
    org.status = "deactivated"
    session.commit()
    result = app.test_cli_runner().invoke(args=["invitations", "send"])
    assert result.output.strip() == "Sent 0 invitations."
    assert mails(app) == [] and waiting(session) == 1


def test_send_again_wins_over_a_sender_that_claimed_it_after_the_page_loaded(
    app, browser, make, session, cut_short
):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    invite(browser, org, "a@example.com")
    invitation_id = session.scalar(select(Invitation.id))
    with app.app_context():
        seen = db.session.get(Invitation, invitation_id)  # the page showed it waiting
        db.session.expunge(seen)
        assert outbox.claim_for_sending(invitation_id)  # then a sender claimed it
        db.session.commit()
        db.session.add(seen)  # as the page had it: still waiting
        resend_invitation(seen)
        db.session.commit()
        assert send_waiting(org.id, only=invitation_id).sent == 1, "sent, with a live link"


def test_the_counts_after_sending_speak_plainly(browser, make):
    org, manager = manager_of(make)
    make.user("already@example.com", org=org)
    browser.sign_in(manager)
    invite(browser, org, "new@example.com\nalready@example.com")
    page = browser.get(f"/organisations/{org.id}/invitations")
    assert "1 invitation sent. 1 person was already a member." in page.text()
    invite(browser, org, "other@example.com")
    page = browser.get(f"/organisations/{org.id}/invitations")
    assert "1 invitation sent." in page.text() and "already" not in page.text()
