"""Security and personal data: error pages, passwords, throttling, two-step sign-in,
export, erasure, retention, backups, and hostile input everywhere it is shown."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import time
from datetime import timedelta

import pyotp
import pypdfium2
import pytest
from sqlalchemy import select

from elearn.models import (
    Assignment,
    AuditEvent,
    Certificate,
    Completion,
    Membership,
    User,
    utcnow,
)
from tests.conftest import PASSWORD

HOSTILE = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'


def test_friendly_error_pages_with_no_traces(app, browser, make, session):
    response = browser.client.put("/verify")
    assert response.status_code == 405
    assert "This page cannot be used like that" in response.get_data(as_text=True)
    browser.sign_in(make.user(org=make.organisation(), role="manager"))
    org_id = session.scalar(select(Membership.organisation_id))
    big = io.BytesIO(b"email\n" + b"x" * (7 * 1024 * 1024))
    response = browser.client.post(
        f"/organisations/{org_id}/invitations/upload",
        data={"file": (big, "huge.csv"), "csrf_token": browser.token()},
    )
    assert response.status_code == 413
    assert "The file is too big" in response.get_data(as_text=True)
    response = browser.client.get("/no-such-page")
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "SELECT" not in text


def test_every_response_has_a_request_id_which_the_log_carries(app, browser, session, caplog):
    response = browser.client.get("/sign-in", headers={"X-Request-ID": "trace-abc-12345"})
    assert response.headers["X-Request-ID"] == "trace-abc-12345"
    response = browser.client.get("/sign-in", headers={"X-Request-ID": "<bad id>"})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    from elearn.web.request_log import RequestIdFilter

    assert any(isinstance(f, RequestIdFilter) for h in app.logger.handlers for f in h.filters)


@pytest.mark.parametrize(
    "password",
    ["password123", "Qwerty123!", "London 2026", "elearning1", "aaaaaaaaaa"],
)  # hello.smith1, the address's own words: tests/test_passwords.py
def test_common_passwords_are_refused(browser, make, password):
    user = make.user(email="hello.smith@example.com")
    browser.sign_in(user)
    browser.get("/account/password")
    page = browser.post(
        "/account/password",
        {"current_password": PASSWORD, "password": password, "confirm": password},
        status=200,
    )
    assert page.error_summary() == ["Choose a password that is harder to guess: it is too common"]


def test_account_is_slowed_after_five_failures_not_locked(browser, make, session):
    user = make.user()
    browser.get("/sign-in")
    for _ in range(5):
        browser.post("/sign-in", {"email": user.email, "password": "wrong password"}, status=200)
    session.refresh(user)
    assert user.failed_sign_ins == 5
    assert user.sign_in_blocked_until > utcnow()
    page = browser.post("/sign-in", {"email": user.email, "password": PASSWORD}, status=200)
    assert page.error_summary() == ["Enter a correct email address and password"], "same message"
    user.sign_in_blocked_until = utcnow() - timedelta(seconds=1)  # the wait is over
    session.commit()
    browser.sign_in(user)
    session.refresh(user)
    assert (user.failed_sign_ins, user.sign_in_blocked_until) == (0, None)


def test_two_step_sign_in(app, browser, make, session):
    user = make.user(org=make.organisation(), role="manager")
    browser.sign_in(user)
    page = browser.get("/account/two-factor")
    secret = page.soup.select_one(".app-secret").get_text()
    assert page.soup.select_one("img.app-qr")["src"].startswith("data:image/png;base64,")
    page = browser.post("/account/two-factor", {"code": "000000"}, status=200)
    assert page.error_summary() == ["Enter the code your app shows now"]
    setup_code = pyotp.TOTP(secret).now()
    browser.post("/account/two-factor", {"code": setup_code})
    session.refresh(user)
    assert user.totp_secret == secret
    browser.sign_out()

    browser.get("/sign-in")
    page = browser.post("/sign-in", {"email": user.email, "password": PASSWORD})
    assert page.response.headers["Location"] == "/sign-in/code"
    assert browser.client.get("/my-training").status_code == 302, "not signed in yet"
    browser.get("/sign-in/code")
    page = browser.post("/sign-in/code", {"code": "123456"}, status=200)
    assert page.error_summary() == ["Enter the code your app shows now"]
    page = browser.post("/sign-in/code", {"code": setup_code}, status=200)
    assert page.error_summary() == [
        "That code has been used: enter the next code your app shows"
    ], "the code that turned two-step sign-in on is spent"
    next_code = pyotp.TOTP(secret).at(time.time() + 30)  # accepted for a clock running fast
    page = browser.post("/sign-in/code", {"code": next_code})
    assert page.response.headers["Location"] == "/organisations/", (
        "a manager lands on their organisation"
    )
    assert browser.get("/my-training").h1 == "My training"
    browser.sign_out()

    # Someone who saw that code, and knows the password, cannot use it again.
    browser.get("/sign-in")
    browser.post("/sign-in", {"email": user.email, "password": PASSWORD})
    browser.get("/sign-in/code")
    page = browser.post("/sign-in/code", {"code": next_code}, status=200)
    assert page.error_summary() == ["That code has been used: enter the next code your app shows"]
    assert browser.client.get("/my-training").status_code == 302, "still not signed in"


def test_cst_admins_can_be_required_to_use_two_step_sign_in(app, browser, make):
    app.config["REQUIRE_2FA_FOR_ADMINS"] = True
    try:
        browser.sign_in(make.user(admin=True))
        response = browser.client.get("/reports")
        assert response.headers["Location"] == "/account/two-factor"
    finally:
        app.config["REQUIRE_2FA_FOR_ADMINS"] = False


def test_learner_downloads_all_their_data(browser, make, session):
    org = make.organisation("Gresham College")
    learner = make.user(full_name="Data Subject", org=org, team="Research")
    make.completion(learner)
    browser.sign_in(learner)
    response = browser.client.get("/account/data.json")
    assert response.mimetype == "application/json"
    data = json.loads(response.get_data())
    assert data["account"]["full_name"] == "Data Subject"
    assert data["memberships"][0]["organisation"] == "Gresham College"
    assert data["completions"][0]["course_slug"] == "basics"
    assert data["actions_recorded"][0]["action"] == "signed_in"


def test_erasure_removes_identity_and_keeps_the_figures(app, browser, other_browser, make, session):
    from elearn.reports import coverage
    from elearn.reports.periods import Period
    from elearn.reports.query import ReportQuery

    org = make.organisation()
    learner = make.user(full_name="Rose Tyler", email="rose@example.com", org=org)
    completion = make.completion(learner)
    make.certificate(completion, "D" * 28, course_title="B")
    session.add(
        Assignment(organisation_id=org.id, course_slug="basics", team="", due_on=utcnow().date())
    )
    session.commit()
    query = ReportQuery(Period.last_twelve_months(utcnow().date()), utcnow())
    with app.app_context():
        before = (coverage.headline(query), coverage.by_organisation(query))

    browser.sign_in(learner)
    browser.get("/account")
    browser.post("/account/erasure")
    admin = make.user(admin=True)
    other_browser.sign_in(admin)
    page = other_browser.get("/admin/users")
    assert "Rose Tyler" in page.text()
    other_browser.get(f"/admin/users/{learner.id}")
    other_browser.post(f"/admin/users/{learner.id}", {"reason": "Their request"})
    session.expire_all()
    erased = session.get(User, learner.id)
    assert (erased.full_name, erased.password_hash, erased.active) == ("Erased user", None, False)
    assert "rose" not in erased.email
    assert session.scalar(select(Certificate.name_printed)) == "(name removed)"
    assert session.scalar(select(Completion.user_id)) == learner.id, "completions stay"
    assert browser.client.get("/my-training").status_code == 302, "signed out everywhere"
    with app.app_context():
        assert (coverage.headline(query), coverage.by_organisation(query)) == before
    actions = session.scalars(select(AuditEvent.action)).all()
    assert {"erasure_requested", "user_erased"} <= set(actions)


def test_retention_erases_people_who_left_long_ago(app, make, session):
    org = make.organisation()
    gone = make.user(full_name="Long Gone", org=org)
    recent = make.user(full_name="Just Left", org=org)
    staying = make.user(full_name="Still Here", org=org)
    for user, days in ((gone, 800), (recent, 30)):
        membership = session.scalar(select(Membership).where(Membership.user_id == user.id))
        membership.left_at = utcnow() - timedelta(days=days)
    session.commit()
    runner = app.test_cli_runner()
    assert "Would erase 1 person" in runner.invoke(args=["retention", "apply", "--dry-run"]).output
    assert session.get(User, gone.id).erased_at is None
    assert "Erased 1 person" in runner.invoke(args=["retention", "apply"]).output
    session.expire_all()
    assert session.get(User, gone.id).full_name == "Erased user"
    assert session.get(User, recent.id).full_name == "Just Left"
    assert session.get(User, staying.id).full_name == "Still Here"


def test_backup_is_a_consistent_copy_while_the_app_runs(app, browser, make, session, tmp_path):
    if session.get_bind().dialect.name != "sqlite":
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.db")])
        assert result.exit_code == 1 and "pg_dump" in result.output
        return
    make.user(email="in-backup@example.com")
    browser.sign_in(make.user())  # the app holds connections and writes while we copy
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.db")])
    assert result.exit_code == 0, result.output
    assert "integrity check: ok" in result.output
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        emails = {row[0] for row in copy.execute("select email from user_account")}
    assert "in-backup@example.com" in emails


def assert_no_live_markup(html: str) -> None:
    assert "<script>alert" not in html
    assert re.search(r"<img[^>]*onerror", html) is None


def test_hostile_names_are_shown_as_text_everywhere(app, browser, other_browser, make, session):
    org = make.organisation(f"Org {HOSTILE}")
    manager = make.user(full_name=f"Manager {HOSTILE}", org=org, role="manager", team=HOSTILE)
    learner = make.user(full_name=f"Learner {HOSTILE}", org=org, team=HOSTILE)
    session.add(
        Assignment(organisation_id=org.id, course_slug="basics", team="", due_on=utcnow().date())
    )
    session.commit()
    make.completion(learner)
    browser.sign_in(manager)
    membership = session.scalar(select(Membership).where(Membership.user_id == learner.id))
    for path in (
        "/my-training",
        f"/organisations/{org.id}",
        f"/organisations/{org.id}/members",
        f"/organisations/{org.id}/members/{membership.id}",
        f"/organisations/{org.id}/assignments",
        "/account",
    ):
        assert_no_live_markup(browser.get(path).response.get_data(as_text=True))
    members = browser.get(f"/organisations/{org.id}/members").response.get_data(as_text=True)
    assert "Learner &lt;script&gt;alert(" in members, "shown, as text"
    csv_text = browser.client.get(f"/organisations/{org.id}/members.csv").get_data(as_text=True)
    assert "Learner <script>" in csv_text, "the CSV keeps the data as entered"

    upload = f"email,name,team\nnew@example.com,{HOSTILE.replace(',', ' ')},=cmd\n".encode()
    browser.get(f"/organisations/{org.id}/invitations")
    page = browser.post(
        f"/organisations/{org.id}/invitations/upload", {"file": (io.BytesIO(upload), "p.csv")}
    )
    assert_no_live_markup(
        browser.get(page.response.headers["Location"]).response.get_data(as_text=True)
    )

    admin = make.user(admin=True)
    other_browser.sign_in(admin)
    for path in (
        "/admin/organisations",
        f"/admin/organisations/{org.id}",
        "/reports",
        f"/reports/sectors/{org.sector}",
        "/admin/users?q=Learner",
    ):
        assert_no_live_markup(other_browser.get(path).response.get_data(as_text=True))
    pdf = other_browser.client.get("/reports/training-update.pdf").get_data()
    assert pdf.startswith(b"%PDF")

    from elearn.certificates.pdf import certificate_pdf

    completion = session.scalar(select(Completion))
    certificate = make.certificate(completion, "E" * 28, save=False, course_title=HOSTILE)
    text = pypdfium2.PdfDocument(certificate_pdf(certificate, "http://x/v"))[0].get_textpage()
    assert f"Learner {HOSTILE}" in text.get_text_range(), "printed literally, not as markup"


def test_a_fresh_session_cookie_is_not_signed_again_until_a_minute_old(browser, make, monkeypatch):
    from elearn.web import sessions

    browser.sign_in(make.user())
    browser.get("/my-training")  # shows (and so removes) the welcome message
    response = browser.get("/my-training").response
    assert "Set-Cookie" not in response.headers  # issued seconds ago
    monkeypatch.setattr(sessions, "REFRESH_AFTER_SECONDS", 0)
    cookie = browser.get("/my-training").response.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie  # the eight hours start again
    monkeypatch.setattr(sessions, "REFRESH_AFTER_SECONDS", 60)
    assert "Set-Cookie" not in browser.get("/my-training").response.headers
    browser.sign_out()  # a changed session is always sent
    assert browser.last.response.headers["Set-Cookie"]


def test_asking_to_be_erased_is_confirmed_and_can_be_withdrawn(browser, make, session):
    learner = make.user(org=make.organisation("Erasure Co"))
    browser.sign_in(learner)
    page = browser.get("/account")
    assert "Erasure Co" in page.text()
    assert not page.soup.select("form[action='/account/erasure']"), "no one-click request"
    page = browser.get("/account/erasure")
    assert page.h1 == "Ask for your data to be erased?"
    assert session.get(User, learner.id).erasure_requested_at is None
    browser.post("/account/erasure")
    session.expire_all()
    assert session.get(User, learner.id).erasure_requested_at is not None
    page = browser.get("/account/erasure")
    assert page.h1 == "Withdraw your request to be erased?"
    browser.post("/account/erasure", {"withdraw": "1"})
    session.expire_all()
    assert session.get(User, learner.id).erasure_requested_at is None
    assert "You have withdrawn your request" in browser.get("/account").text()
