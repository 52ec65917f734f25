"""Guessing, and keeping the owner in: a stranger's wrong passwords slow the account for
unknown devices only (known devices are limited on their own); wrong two-step codes end
the pending sign-in and slow the account's codes; and with Redis unreachable every limit
still counts, in each worker, and the log says so once."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from elearn.auth import devices
from elearn.config import PROJECT_DIR
from elearn.models import AuditEvent, User, utcnow
from tests.conftest import FIXTURES, PASSWORD, Browser

SAME_MESSAGE = ["Enter a correct email address and password"]


def attempt(browser: Browser, email: str, password: str, address: str = "127.0.0.1"):
    """One sign-in attempt from this browser, as if from this network address."""
    browser.client.environ_base["REMOTE_ADDR"] = address
    page = browser.get("/sign-in")
    return browser.client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": page.csrf_token()},
    )


def test_a_strangers_wrong_passwords_do_not_keep_the_owner_out(app, browser, make, session):
    owner = make.user()
    browser.sign_in(owner)  # this browser is now a known device of the account
    browser.sign_out()
    stranger = Browser(app.test_client())
    for number in range(12):  # from twelve addresses, under every per-address limit
        response = attempt(stranger, owner.email, "wrong guess", f"203.0.113.{number}")
        assert response.status_code == 200
    session.refresh(owner)
    assert owner.failed_sign_ins == 5 and owner.sign_in_blocked_until > utcnow()  # then waits
    response = attempt(stranger, owner.email, PASSWORD, "203.0.113.99")
    assert response.status_code == 200, "an unknown device waits, even with the password"

    response = attempt(browser, owner.email, PASSWORD)
    assert response.status_code == 302, "the owner's own browser signs in"
    assert browser.get("/my-training").h1 == "My training"
    browser.sign_out()
    new_device = Browser(app.test_client())
    assert attempt(new_device, owner.email, PASSWORD).status_code == 200, "a new one waits"


def test_a_known_device_has_a_limit_of_its_own(app, browser, make, session):
    owner = make.user()
    browser.sign_in(owner)
    browser.sign_out()
    statuses = [attempt(browser, owner.email, "wrong guess").status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    assert attempt(browser, owner.email, PASSWORD).status_code == 429, "even the password"
    session.refresh(owner)
    assert (owner.failed_sign_ins, owner.sign_in_blocked_until) == (0, None), "not counted"
    elsewhere = Browser(app.test_client())
    assert attempt(elsewhere, owner.email, PASSWORD).status_code == 302, "the account is not held"


def test_a_device_cookie_counts_only_for_its_own_account(app, browser, make, session):
    mine, theirs = make.user(), make.user()
    browser.sign_in(mine)
    browser.sign_out()
    for _ in range(5):
        assert attempt(browser, theirs.email, "wrong guess").status_code == 200
    session.refresh(theirs)
    assert theirs.sign_in_blocked_until > utcnow(), "an unknown device for that account"
    cookie = browser.client.get_cookie(devices.COOKIE, path="/sign-in")
    forged = cookie.value[:-4] + ("AAAA" if not cookie.value.endswith("AAAA") else "BBBB")
    forger = Browser(app.test_client())
    forger.client.set_cookie(devices.COOKIE, forged, domain="localhost", path="/sign-in")
    theirs.failed_sign_ins, theirs.sign_in_blocked_until = 0, None
    session.commit()
    for number in range(5):
        response = attempt(forger, theirs.email, "wrong guess", f"198.51.100.{number}")
        assert response.status_code == 200
    session.refresh(theirs)
    assert theirs.failed_sign_ins == 5, "a forged cookie is no known device"
    assert theirs.sign_in_blocked_until > utcnow()


def test_the_device_cookie_holds_no_address_and_is_sent_only_to_sign_in(app, make):
    owner = make.user(email="private.person@example.com")
    browser = Browser(app.test_client())
    browser.get("/sign-in")
    app.config["SESSION_COOKIE_SECURE"] = True  # as over HTTPS
    try:
        response = attempt(browser, owner.email, PASSWORD)
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("elearn_device")]
    assert "; Path=/sign-in" in header and "; HttpOnly" in header and "; Secure" in header
    assert "; SameSite=Lax" in header and f"Max-Age={180 * 24 * 60 * 60}" in header
    value = header.split(";")[0].split("=", 1)[1]
    assert "private" not in value and "example" not in value


# --- two-step codes -----------------------------------------------------------------------


def two_step_user(make, session) -> tuple[User, pyotp.TOTP]:
    user = make.user()
    user.totp_secret = pyotp.random_base32()
    session.commit()
    return user, pyotp.TOTP(user.totp_secret)


def wrong_code(right: str) -> str:
    return f"{(int(right) + 500_000) % 1_000_000:06d}"


def start_two_step(browser: Browser, user: User, address: str = "127.0.0.1") -> None:
    browser.client.environ_base["REMOTE_ADDR"] = address
    browser.get("/sign-in")
    page = browser.post("/sign-in", {"email": user.email, "password": PASSWORD})
    assert page.response.headers["Location"] == "/sign-in/code"
    browser.get("/sign-in/code")


def test_three_wrong_codes_end_the_sign_in_and_slow_the_accounts_codes(browser, make, session):
    user, totp = two_step_user(make, session)
    start_two_step(browser, user)
    for _ in range(2):
        page = browser.post("/sign-in/code", {"code": wrong_code(totp.now())}, status=200)
        assert page.error_summary() == ["Enter the code your app shows now"]
    page = browser.post("/sign-in/code", {"code": wrong_code(totp.now())})
    assert page.response.headers["Location"] == "/sign-in", "the pending sign-in has ended"
    page = browser.get("/sign-in")
    assert "You entered a wrong code too many times. Wait 1 minute, then sign in again" in (
        page.text()
    )
    assert browser.get("/sign-in/code", status=302).response.headers["Location"] == "/sign-in"

    start_two_step(browser, user)  # the password again: the codes still wait
    page = browser.post("/sign-in/code", {"code": totp.now()}, status=200)
    assert page.error_summary() == [
        "You entered a wrong code too many times. Wait 1 minute, then enter the code your app shows"
    ]
    assert browser.client.get("/my-training").status_code == 302, "not signed in"
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["two_factor_code_wrong"] * 3 + ["two_factor_sign_in_ended"]

    session.refresh(user)
    user.codes_blocked_until = utcnow() - timedelta(seconds=1)  # the minute has passed
    session.commit()
    page = browser.post("/sign-in/code", {"code": totp.now()})
    assert browser.get("/my-training").h1 == "My training"
    session.refresh(user)
    assert (user.failed_codes, user.codes_blocked_until) == (0, None)


def test_the_right_code_after_twenty_five_wrong_ones_is_refused(browser, make, session):
    """The outside tester's probe, signing in again whenever a pending sign-in ends."""
    user, totp = two_step_user(make, session)
    start_two_step(browser, user, "203.0.113.1")
    for number in range(25):  # each from an address of its own, under the per-address limits
        browser.client.environ_base["REMOTE_ADDR"] = f"203.0.113.{number + 1}"
        response = browser.client.post(
            "/sign-in/code", data={"code": wrong_code(totp.now()), "csrf_token": browser.token()}
        )
        if response.status_code == 302:
            start_two_step(browser, user, f"198.51.100.{number}")
    page = browser.post("/sign-in/code", {"code": totp.now()}, status=200)
    assert page.error_summary()[0].startswith("You entered a wrong code too many times. Wait")
    assert browser.client.get("/my-training").status_code == 302
    session.refresh(user)
    assert user.failed_codes == 3, "no code checked past the first three"


def test_a_copied_session_cookie_does_not_bring_back_its_tries(app, browser, make, session):
    user, totp = two_step_user(make, session)
    start_two_step(browser, user)
    pending = browser.client.get_cookie("elearn_session").value
    for _ in range(3):
        browser.client.post(
            "/sign-in/code", data={"code": wrong_code(totp.now()), "csrf_token": browser.token()}
        )
    session.refresh(user)
    user.codes_blocked_until = None  # even once the wait is over
    session.commit()
    browser.client.set_cookie("elearn_session", pending, domain="localhost")
    response = browser.client.post(
        "/sign-in/code", data={"code": totp.now(), "csrf_token": browser.token()}
    )
    assert response.headers["Location"] == "/sign-in"
    session.refresh(user)
    assert user.failed_codes == 3, "the code was not even checked"


def test_codes_sent_at_once_are_checked_three_at_most(app, browser, make, session):
    user, totp = two_step_user(make, session)
    start_two_step(browser, user)
    cookie, token = browser.client.get_cookie("elearn_session").value, browser.token()
    statuses = []

    def guess() -> None:
        client = app.test_client()
        client.set_cookie("elearn_session", cookie, domain="localhost")
        code = wrong_code(totp.now())
        statuses.append(client.post("/sign-in/code", data={"code": code, "csrf_token": token}))

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(statuses) == 8
    session.refresh(user)
    assert user.failed_codes == 3
    checked = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "two_factor_code_wrong")
    ).all()
    assert len(checked) == 3


# --- the rate-limit storage, unreachable and shared ---------------------------------------

GUNICORN = Path(sys.executable).parent / "gunicorn"
REAL_REDIS = "redis://127.0.0.1:6379/13"  # a database of its own: other runs use 0
UNREACHABLE = "redis://127.0.0.1:1"  # nothing listens on port 1: refused at once


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """elearn under gunicorn on the suite's database, reached over HTTP."""

    def __init__(self, app, folder: Path, storage: str, workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "server.log"
        env = {
            **os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "ELEARN_INSTANCE_DIR": str(folder),
            "ELEARN_CONTENT_DIR": str(FIXTURES / "content"),
            "ELEARN_BASE_URL": self.url,
            "SECRET_KEY": "s" * 48,
            "RATELIMIT_STORAGE_URI": storage,
            "MAIL_SERVER": "",
        }
        command = [str(GUNICORN), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}"]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own server
                [*command, "app:app"], cwd=PROJECT_DIR, env=env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/sign-in", timeout=2)  # noqa: S310
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"the server did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)

    def client(self) -> urllib.request.OpenerDirector:
        return urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def post(self, client, path: str, fields: dict) -> int:
        """GET the form, then POST it with its CSRF token: the POST's status."""
        with client.open(self.url + path, timeout=10) as page:
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
        data = urllib.parse.urlencode({**fields, "csrf_token": token.group(1)}).encode()
        try:
            with client.open(self.url + path, data=data, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as refused:
            return refused.code


@pytest.fixture
def serve(app, session, tmp_path):
    servers: list[Served] = []

    def start(storage: str, workers: int = 1) -> Served:
        servers.append(Served(app, tmp_path, storage, workers))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def test_with_redis_unreachable_limits_count_in_each_worker_and_the_log_says_so(
    serve, make, figures
):
    user = make.user()
    server = serve(UNREACHABLE)
    started = time.perf_counter()
    sign_ins = [
        server.post(server.client(), "/sign-in", {"email": user.email, "password": "wrong"})
        for _ in range(11)
    ]
    each = (time.perf_counter() - started) / 11
    resets = [
        server.post(server.client(), "/reset-password", {"email": f"nobody{n}@example.com"})
        for n in range(6)
    ]
    server.stop()
    assert sign_ins == [200] * 10 + [429]
    assert resets == [200] * 5 + [429]
    log = server.log.read_text()
    assert log.count("Rate limit storage unreachable - falling back to in-memory storage") == 1, log
    assert "Traceback" not in log
    figures.append(f"redis unreachable: sign-in limited per worker, {each * 1000:.0f} ms a try")


def test_with_redis_the_limit_is_shared_by_every_worker(serve, make):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REAL_REDIS, socket_connect_timeout=1).flushdb()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    user = make.user()
    server = serve(REAL_REDIS, workers=2)
    statuses = [
        server.post(server.client(), "/sign-in", {"email": user.email, "password": "wrong"})
        for _ in range(11)
    ]
    server.stop()
    assert statuses == [200] * 10 + [429], "ten in all, whichever worker answered"
    assert "Rate limit storage unreachable" not in server.log.read_text()
