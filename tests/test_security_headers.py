"""Security headers on every response, and the CSP nonce on every script."""

from __future__ import annotations

import re


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
