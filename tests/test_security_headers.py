"""Security headers on every response, and the CSP nonce on every script."""

from __future__ import annotations

import re

import pytest


def test_headers_and_strict_csp_on_pages(browser, session):
    page = browser.get("/sign-in")
    headers = page.response.headers
    policy = headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert policy == (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers, "HSTS only over HTTPS"
    scripts = page.soup.find_all("script")
    assert scripts and all(script["nonce"] == nonce for script in scripts)


def test_nonce_changes_on_every_request(browser, session):
    first = browser.get("/sign-in").response.headers["Content-Security-Policy"]
    second = browser.get("/sign-in").response.headers["Content-Security-Policy"]
    assert first != second


def test_hsts_behind_https(browser, session):
    response = browser.client.get("/sign-in", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_signed_in_pages_are_not_cached(browser, make):
    browser.sign_in(make.user())
    assert browser.get("/my-training").response.headers["Cache-Control"] == "no-store"


def test_not_found_page_is_friendly(browser, session):
    page = browser.get("/no-such-page", status=404)
    assert page.h1 == "Page not found"


@pytest.mark.parametrize(
    "path",
    [
        "/reset-password/not-a-real-token",
        "/invitations/not-a-real-token",
        "/create-account/not-a-real-token",
        "/sign-in",
        "/verify",
        "/courses/basics",
    ],
)
def test_pages_are_never_kept_by_a_browser_or_proxy(client, path):
    response = client.get(path)
    assert response.headers["Cache-Control"] == "no-store", path


def test_a_check_your_email_page_is_not_kept(client):
    client.get("/reset-password")
    response = client.post("/reset-password", data={"email": "nobody@example.com"})
    assert response.headers["Cache-Control"] == "no-store"


def test_tokens_in_emailed_links_never_reach_a_log(app):
    import logging
    from types import SimpleNamespace

    from elearn.web.request_log import AccessLog, redact_tokens

    assert (
        redact_tokens('"GET /reset-password/abc.DEF-123?x=1 HTTP/1.1" 200')
        == '"GET /reset-password/[token]?x=1 HTTP/1.1" 200'
    )
    assert redact_tokens("/invitations/tok/extra") == "/invitations/[token]/extra"
    assert redact_tokens("/create-account/tok") == "/create-account/[token]"
    assert redact_tokens("/courses/wrap") == "/courses/wrap"
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"%s" %s',
        ("GET /invitations/s3cret HTTP/1.1", 200),
        None,
    )
    assert logging.getLogger("werkzeug").filter(record), "the development server's log"
    assert record.getMessage() == '"GET /invitations/[token] HTTP/1.1" 200'

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/reset-password/s3cret",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/reset-password/s3cret",
        "QUERY_STRING": "",
        "HTTP_REFERER": "https://site.example/invitations/s3cret",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    duration = SimpleNamespace(seconds=0, microseconds=5)
    access_log = AccessLog.__new__(AccessLog)  # atoms() needs none of a logger's set-up
    atoms = access_log.atoms(response, SimpleNamespace(headers=[]), environ, duration)
    assert "s3cret" not in " ".join(str(value) for value in atoms.values())
    assert atoms["r"] == "GET /reset-password/[token] HTTP/1.1"
