"""Accounts: signing in and out, sessions, password reset and change, admin commands."""

from __future__ import annotations

import email
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from elearn.config import Config
from elearn.models import AuditEvent, User
from tests.conftest import PASSWORD, Browser, Page


def mails(app) -> list[email.message.Message]:
    folder = Path(app.config["MAIL_DIR"])
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def test_sign_in_with_any_case_of_email_and_sign_out(browser, make, session):
    user = make.user(email="Sam.Smith@Example.com")
    assert user.email == "sam.smith@example.com"
    browser.sign_in("SAM.SMITH@example.COM")
    assert browser.get("/my-training").h1 == "My training"
    browser.sign_out()
    assert browser.get("/my-training", status=302)
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["signed_in", "signed_out"]


def test_emails_are_unique_whatever_their_case(make, session):
    make.user(email="one@example.com")
    session.add(User(email="ONE@example.com", full_name="Two", password=PASSWORD))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
    else:
        raise AssertionError("a second account with the same email was stored")


def test_wrong_password_and_unknown_email_give_the_same_message(browser, make):
    make.user(email="known@example.com")
    for address in ("known@example.com", "unknown@example.com"):
        browser.get("/sign-in")
        page = browser.post("/sign-in", {"email": address, "password": "wrong"}, status=200)
        assert page.error_summary() == ["Enter a correct email address and password"]
        assert page.soup.title.get_text().startswith("Error: Sign in")


def test_empty_sign_in_form_links_each_error_to_its_field(browser, session):
    browser.get("/sign-in")
    page = browser.post("/sign-in", {"email": "", "password": ""}, status=200)
    links = page.soup.select(".govuk-error-summary__list a")
    assert [(a["href"], a.get_text(strip=True)) for a in links] == [
        ("#email", "Enter your email address"),
        ("#password", "Enter your password"),
    ]
    assert page.soup.select_one("#email-error") is not None


def test_inactive_user_cannot_sign_in(browser, make, session):
    user = make.user()
    user.active = False
    session.commit()
    browser.get("/sign-in")
    page = browser.post("/sign-in", {"email": user.email, "password": PASSWORD}, status=200)
    assert page.error_summary() == ["Enter a correct email address and password"]


def test_sign_in_needs_a_csrf_token(browser, make):
    user = make.user()
    browser.post("/sign-in", {"email": user.email, "password": PASSWORD}, status=400, csrf=False)


def test_sign_out_is_a_post_with_csrf(browser, make):
    browser.sign_in(make.user())
    browser.client.get("/sign-out")  # a GET does nothing
    assert browser.get("/my-training").h1 == "My training"
    browser.post("/sign-out", {"csrf_token": "forged"}, status=400)
    assert browser.get("/my-training").h1 == "My training"


def test_sign_in_redirects_only_to_a_path_on_this_site(browser, make):
    user = make.user()
    browser.get("/sign-in?next=/courses/basics")
    page = browser.post(
        "/sign-in?next=/courses/basics", {"email": user.email, "password": PASSWORD}
    )
    assert page.response.headers["Location"] == "/courses/basics"
    browser.sign_out()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        page = browser.post(f"/sign-in?next={target}", {"email": user.email, "password": PASSWORD})
        assert page.response.headers["Location"] == "/my-training"
        browser.sign_out()


def test_session_is_renewed_at_sign_in(browser, make):
    user = make.user()
    browser.get("/sign-in")
    before = browser.client.get_cookie("elearn_session").value
    browser.post("/sign-in", {"email": user.email, "password": PASSWORD})
    after = browser.client.get_cookie("elearn_session").value
    assert before != after
    cookie = browser.client.get_cookie("elearn_session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_copied_cookie_stops_working_after_sign_out(browser, other_browser, make):
    browser.sign_in(make.user())
    stolen = browser.client.get_cookie("elearn_session").value
    other_browser.client.set_cookie("elearn_session", stolen, domain="localhost")
    assert other_browser.get("/my-training").h1 == "My training"
    browser.sign_out()
    assert other_browser.get("/my-training", status=302)


def test_password_reset_by_emailed_link(app, browser, make, session):
    user = make.user(email="reset@example.com")
    browser.get("/reset-password")
    page = browser.post("/reset-password", {"email": "RESET@example.com"}, status=200)
    assert page.h1 == "Check your email"
    [message] = mails(app)
    assert message["To"] == "reset@example.com"
    assert message["Subject"] == "Reset your Community Safety e-learning password"
    link = re.search(
        r"http://localhost(/reset-password/\S+)", message.get_payload(decode=True).decode()
    ).group(1)

    browser.get(link)
    page = browser.post(link, {"password": "short", "confirm": "short"}, status=200)
    assert page.error_summary() == ["Password must be at least 8 characters"]
    new = "a brand new passphrase"
    page = browser.post(link, {"password": new, "confirm": new})
    assert page.response.headers["Location"] == "/sign-in"
    browser.sign_in(user.email, new)
    browser.sign_out()
    # The link works once.
    assert browser.get(link, status=400).h1 == "This link has expired"


def test_reset_for_unknown_email_says_the_same_and_sends_nothing(app, browser, session):
    browser.get("/reset-password")
    page = browser.post("/reset-password", {"email": "nobody@example.com"}, status=200)
    assert page.h1 == "Check your email"
    assert mails(app) == []


def test_tampered_reset_token_is_refused(browser, session):
    assert browser.get("/reset-password/not-a-token", status=400).h1 == "This link has expired"


def test_change_password_signs_out_other_sessions(browser, other_browser, make):
    user = make.user()
    browser.sign_in(user)
    other_browser.sign_in(user)
    browser.get("/account/password")
    page = browser.post(
        "/account/password",
        {
            "current_password": "wrong one",
            "password": "new secret words",
            "confirm": "new secret words",
        },
        status=200,
    )
    assert page.error_summary() == ["Your current password is not right"]
    page = browser.post(
        "/account/password",
        {"current_password": "wrong one", "password": "short", "confirm": "short"},
        status=200,
    )
    assert page.error_summary() == [
        "Your current password is not right",
        "Password must be at least 8 characters",
    ], "every mistake at once"
    browser.post(
        "/account/password",
        {
            "current_password": PASSWORD,
            "password": "new secret words",
            "confirm": "new secret words",
        },
    )
    assert browser.get("/my-training").h1 == "My training", "this session continues"
    assert other_browser.get("/my-training", status=302), "the other session has ended"
    other_browser.sign_in(user.email, "new secret words")


def test_sign_in_is_rate_limited(browser, make):
    user = make.user()
    browser.get("/sign-in")
    token = browser.last.csrf_token()
    statuses = [
        browser.client.post(
            "/sign-in", data={"email": user.email, "password": "wrong", "csrf_token": token}
        ).status_code
        for _ in range(11)
    ]
    assert statuses == [200] * 10 + [429]
    page = browser.client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert page.status_code == 429, "the limit holds even for the right password"


def test_create_admin_command_creates_then_promotes(app, make, session):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-admin", "Chief@Example.org", "--name", "Chief Admin"],
        input="long enough password\nlong enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created CST admin chief@example.org." in result.output
    admin = session.scalar(select(User).where(User.email == "chief@example.org"))
    assert admin.is_cst_admin and admin.check_password("long enough password")

    existing = make.user(email="learner@example.org")
    result = runner.invoke(
        args=[
            "create-admin",
            "learner@example.org",
            "--name",
            "X",
            "--password",
            "another long one",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Promoted CST admin learner@example.org." in result.output
    session.refresh(existing)
    assert existing.is_cst_admin

    result = runner.invoke(
        args=["create-admin", "x@example.org", "--name", "X", "--password", "short"]
    )
    assert result.exit_code == 2
    assert "Password must be at least 8 characters" in result.output


def test_a_reset_link_is_on_the_site_whatever_host_the_request_names(
    app, make, session, monkeypatch
):
    """A client chooses the Host header: a link built on it could send the token to them."""
    make.user(email="admin@example.com", admin=True)
    monkeypatch.setitem(app.config, "SERVER_NAME", None)  # as in production
    monkeypatch.setitem(app.config, "ELEARN_BASE_URL", "https://elearn.example")
    client = app.test_client()
    evil = {"Host": "attacker.example"}
    token = Page(client.get("/reset-password", headers=evil)).csrf_token()
    response = client.post(
        "/reset-password",
        data={"email": "admin@example.com", "csrf_token": token},
        headers=evil,
    )
    assert response.status_code == 200
    [message] = mails(app)
    body = message.get_payload(decode=True).decode()
    assert "attacker.example" not in body
    assert re.search(r"https://elearn\.example/reset-password/\S+", body)


def test_production_refuses_settings_that_would_fail_quietly(monkeypatch):
    monkeypatch.setenv("ELEARN_ENV", "production")
    settings = ("SECRET_KEY", "MAIL_SERVER", "RATELIMIT_STORAGE_URI", "ELEARN_BASE_URL")
    for name in (*settings, "ELEARN_TASKS_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError) as refused:
        Config().check()
    for problem in (*settings, "ELEARN_TASKS_URL"):
        assert problem in str(refused.value)

    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    monkeypatch.setenv("ELEARN_BASE_URL", "https://elearn.example")
    monkeypatch.setenv("ELEARN_TASKS_URL", "redis://127.0.0.1:6379/1")
    Config().check()


def test_each_role_lands_where_its_work_is(app, make):
    """A learner on My training, a manager on their organisation, CST on what is waiting."""
    org = make.organisation()
    people = {
        "/my-training": make.user(),
        "/organisations/": make.user(org=org, role="manager"),
        "/admin": make.user(admin=True),
    }
    for landing, person in people.items():
        browser = Browser(app.test_client())
        browser.get("/sign-in")
        page = browser.post("/sign-in", {"email": person.email, "password": PASSWORD})
        assert page.response.headers["Location"] == landing
        assert browser.get("/", status=302).response.headers["Location"] == landing
        assert browser.get("/sign-in", status=302).response.headers["Location"] == landing
    browser = Browser(app.test_client())
    browser.get("/sign-in")
    page = browser.post(
        "/sign-in?next=/courses", {"email": people["/my-training"].email, "password": PASSWORD}
    )
    assert page.response.headers["Location"] == "/courses", "next= still wins"


def test_the_sign_in_page_shows_a_newcomer_how_to_get_an_account(browser):
    page = browser.get("/sign-in")
    links = {a.get_text(): a["href"] for a in page.soup.select("main a.govuk-link")}
    assert links["Join with a code"] == "/join"
    assert links["Create an account"] == "/create-account"
    assert links["Register your organisation"] == "/organisations/register"
    for href in ("/join", "/create-account", "/organisations/register"):
        assert browser.get(href).h1
