"""Requests that may email an address: the same answer, in the same time, whether or not
an account exists; nothing a stranger typed in the email beyond a plain name; and a limit
per address as well as per client."""

from __future__ import annotations

import time

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from elearn import mail
from tests.conftest import Browser
from tests.test_organisations import REGISTRATION, mails


def slow_mail_server(monkeypatch, seconds: float = 0.4) -> None:
    write = mail._write_file

    def slowly(message, folder):
        time.sleep(seconds)
        write(message, folder)

    monkeypatch.setattr(mail, "_write_file", slowly)


def timed_reset(app, email: str) -> tuple[float, str]:
    client = FlaskClient(app, app.response_class)  # closes nothing itself, as seen by a client
    browser = Browser(client)
    browser.get("/reset-password")
    token = browser.token()
    started = time.perf_counter()
    response = client.post("/reset-password", data={"email": email, "csrf_token": token})
    answered = time.perf_counter() - started
    text = response.get_data(as_text=True)
    response.close()  # the server has sent it: now the email goes
    return answered, text


def test_a_reset_request_answers_before_any_email_whoever_asks(app, make, monkeypatch):
    user = make.user("known@example.com")
    slow_mail_server(monkeypatch)
    known, known_text = timed_reset(app, user.email)
    unknown, unknown_text = timed_reset(app, "nobody@example.com")
    assert known < 0.3 and unknown < 0.3, (known, unknown)  # the 0.4 s mail server waited after
    assert abs(known - unknown) < 0.15

    def main_text(text: str, email: str) -> str:
        main = BeautifulSoup(text, "html.parser").select_one("main")
        return main.get_text(" ", strip=True).replace(email, "ADDRESS")

    assert main_text(known_text, user.email) == main_text(unknown_text, "nobody@example.com")
    sent = [message["To"] for message in mails(app)]
    assert sent == ["known@example.com"], "the email went, after the answer"


def test_creating_an_account_answers_alike_for_a_known_address(app, make, browser):
    make.user("taken@example.com")
    answers = []
    for email in ("taken@example.com", "free@example.com"):
        browser.get("/create-account")
        page = browser.post(
            "/create-account", {"full_name": "Sam Smith", "email": email}, status=200
        )
        answers.append(page.soup.select_one("main").get_text(" ", strip=True).replace(email, "X"))
    assert answers[0] == answers[1]
    subjects = {message["To"]: message["Subject"] for message in mails(app)}
    assert subjects == {
        "taken@example.com": "You already have an account",
        "free@example.com": "Confirm your email address",
    }


@pytest.mark.parametrize(
    "name",
    [
        "Visit https://evil.example now",
        "www.evil.example",
        "Claim your prize at evil.com",
        "bob@evil.example",
        "<a href=x>Bob</a>",
    ],
)
def test_a_name_that_carries_an_address_is_refused(browser, name):
    browser.get("/create-account")
    page = browser.post(
        "/create-account", {"full_name": name, "email": "x@example.com"}, status=200
    )
    assert page.error_summary() == ["Enter your name only, without a web or email address"]


def test_a_registration_email_carries_nothing_else_a_stranger_typed(app, browser):
    browser.get("/organisations/register")
    typed = {**REGISTRATION, "name": "FREE MONEY: call 0900 123 456 today"}
    browser.post("/organisations/register", typed, status=200)
    [message] = mails(app)
    body = message.get_payload(decode=True).decode()
    assert "FREE MONEY" not in body and "0900" not in body
    assert "Dear Priya Shah," in body
    assert "http" not in body, "no link to an unproven address"


def test_requests_that_email_an_address_are_limited_per_address(app):
    def register(number: int):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{number}"  # a new client each time
        browser = Browser(client)
        browser.get("/organisations/register")
        return client.post(
            "/organisations/register",
            data={**REGISTRATION, "name": f"Shop {number}", "csrf_token": browser.token()},
        )

    statuses = [register(number).status_code for number in range(1, 6)]
    assert statuses == [200, 200, 200, 429, 429]
    assert len(mails(app)) == 3


def test_a_request_refused_does_not_count_against_the_address(app, browser):
    browser.get("/reset-password")
    for _ in range(4):  # the same address, refused (no CSRF token): nothing is emailed
        browser.post("/reset-password", {"email": "someone@example.com"}, status=302, csrf=False)
    browser.post("/reset-password", {"email": "someone@example.com"}, status=200)
