"""Module pages are rendered once per module and menu: each response still has its own
CSP nonce and CSRF token, its own menu, and this request's messages."""

from __future__ import annotations

import re

from elearn import shared_pages
from elearn.models import Membership, Role, utcnow

MODULE = "/courses/basics/welcome"


def nonce_of(page) -> str:
    return re.search(r"'nonce-([^']+)'", page.response.headers["Content-Security-Policy"]).group(1)


def test_each_learner_gets_their_own_nonce_and_token_on_a_shared_page(browser, other_browser, make):
    browser.sign_in(make.user())
    other_browser.sign_in(make.user())
    first, again = browser.get(MODULE), browser.get(MODULE)  # the second from the copy
    other = other_browser.get(MODULE)
    nonces = {nonce_of(first), nonce_of(again), nonce_of(other)}
    assert len(nonces) == 3
    for page in (first, again, other):
        assert page.soup.find("script", nonce=nonce_of(page))  # Page.check asserts every one
        html = page.response.get_data(as_text=True)
        assert shared_pages.NONCE not in html and shared_pages.CSRF not in html
    assert again.csrf_token() != other.csrf_token()
    assert first.h1 == again.h1 == other.h1 == "Welcome"
    # Each token is the session's own: it signs that learner out, and not the other.
    other_browser.post("/sign-out", {"csrf_token": again.csrf_token()}, status=400)
    browser.post("/sign-out", {"csrf_token": again.csrf_token()})
    assert (
        browser.get("/my-training", status=302).response.headers["Location"].startswith("/sign-in")
    )
    other_browser.get("/my-training")


def test_the_menu_is_each_persons_own(browser, other_browser, make):
    browser.sign_in(make.user())
    other_browser.sign_in(make.user(org=make.organisation(), role=Role.MANAGER))
    learner, manager = browser.get(MODULE), other_browser.get(MODULE)
    assert "Your organisation" not in learner.text()
    assert "Your organisation" in manager.text()
    assert "Your organisation" not in browser.get(MODULE).text()


def test_a_message_for_this_request_is_shown_once(browser, make):
    browser.sign_in(make.user())
    browser.get(MODULE)
    with browser.client.session_transaction() as session:
        session["_flashes"] = [("info", "Your answers were saved.")]
    assert "Your answers were saved." in browser.get(MODULE).text()
    assert "Your answers were saved." not in browser.get(MODULE).text()


def test_a_manager_who_leaves_loses_the_link_on_the_next_page(browser, make, session):
    manager = make.user(org=make.organisation(), role=Role.MANAGER)
    browser.sign_in(manager)
    assert "Your organisation" in browser.get(MODULE).text()
    membership = session.query(Membership).filter_by(user_id=manager.id).one()
    membership.left_at = utcnow()
    session.commit()
    assert "Your organisation" not in browser.get(MODULE).text()
    assert "Your organisation" not in browser.get("/my-training").text()


def test_the_page_is_rendered_once_for_each_module_and_menu(browser, make, monkeypatch):
    renders = []
    render = shared_pages._render_with_placeholders
    monkeypatch.setattr(
        shared_pages,
        "_render_with_placeholders",
        lambda *args: renders.append(args[0]) or render(*args),
    )
    browser.sign_in(make.user())
    browser.get("/my-training")  # shows the welcome message, so nothing is pending
    with browser.client.application.app_context():
        browser.client.application.extensions.pop("elearn.shared_pages", None)
    for _ in range(3):
        browser.get(MODULE)
    browser.get("/courses/basics/next-steps")
    assert renders == ["courses/module.html", "courses/module.html"]
