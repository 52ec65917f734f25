"""Module pages are rendered once per module and menu: each response still has its own
CSP nonce and CSRF token, its own menu, and this request's messages."""

from __future__ import annotations

import re

from elearn.models import Membership, Role, utcnow
from elearn.web import shared_pages

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
    assert [name for name in renders if name.startswith("courses/")] == [
        "courses/module.html",
        "courses/module.html",
    ]


QUIZ = "/courses/basics/check"


def quiz_of(browser) -> tuple:
    """The quiz page as shown: where it posts, and each question's options in order."""
    page = browser.get(QUIZ)
    form = page.soup.find("form", action=lambda a: a and "/attempts/" in a)
    options = [
        [(item["value"], item["type"]) for item in group.select("input")]
        for group in page.soup.select(".app-quiz__question")
    ]
    return page, form["action"], options


def test_each_learner_sees_their_own_attempt_on_the_shared_quiz_page(
    browser, other_browser, make, monkeypatch
):
    """The quiz page is the module's shared copy with the attempt filled in: each learner
    gets their own questions' keys, link and token, and it is rendered once."""
    renders = []
    render = shared_pages._render_with_placeholders
    monkeypatch.setattr(
        shared_pages,
        "_render_with_placeholders",
        lambda *args: renders.append(args[0]) or render(*args),
    )
    for each in (browser, other_browser):
        each.sign_in(make.user())
        each.get("/courses/basics/welcome")
        each.get("/courses/basics/next-steps")
    mine, my_action, my_options = quiz_of(browser)
    _, again_action, again_options = quiz_of(browser)
    theirs, their_action, their_options = quiz_of(other_browser)
    assert renders.count("courses/quiz.html") == 1
    assert (my_action, my_options) == (again_action, again_options), "the same open attempt"
    assert my_action != their_action
    assert {v for q in my_options for v, _ in q}.isdisjoint(
        {v for q in their_options for v, _ in q}
    )
    assert [[kind for _, kind in q] for q in my_options] == [["radio"] * 3, ["checkbox"] * 3]
    assert mine.csrf_token() != theirs.csrf_token()
    html = mine.response.get_data(as_text=True)
    assert shared_pages.SLOT not in html and "Your best score" not in html


def test_a_quiz_sent_back_keeps_what_was_chosen_and_says_what_is_missing(browser, make):
    browser.sign_in(make.user())
    browser.get("/courses/basics/welcome")
    browser.get("/courses/basics/next-steps")
    _, action, options = quiz_of(browser)
    first_q2 = options[1][0][0]
    back = browser.post(action, {"q2": first_q2}, status=400)
    assert back.soup.select_one(f"input[value='{first_q2}']").has_attr("checked")
    error = back.soup.select_one("#q1-error")
    assert error is not None and "q1-error" in back.soup.select("fieldset")[0]["aria-describedby"]
    summary = back.soup.select_one(".govuk-error-summary a")
    assert summary["href"] == "#q1"
    assert back.soup.select_one("#q1")["name"] == "q1"


def test_the_best_score_so_far_is_the_learners_own(browser, make, session):
    from tests.test_journey import answer

    browser.sign_in(make.user())
    browser.get("/courses/basics/welcome")
    browser.get("/courses/basics/next-steps")
    page, action, _ = quiz_of(browser)
    browser.post(action, answer(page, right=False))
    assert "Your best score so far: 0%." in browser.get(QUIZ).text()


def test_a_quiz_sent_back_after_an_attempt_shows_the_best_score_as_text(browser, make):
    """The page sent back with errors is rendered whole: its parts are HTML there too."""
    from tests.test_journey import answer

    browser.sign_in(make.user())
    browser.get("/courses/basics/welcome")
    browser.get("/courses/basics/next-steps")
    page, action, _ = quiz_of(browser)
    browser.post(action, answer(page, right=False))
    _, action, _ = quiz_of(browser)
    back = browser.post(action, {}, status=400)
    assert "&lt;p" not in back.response.get_data(as_text=True)
    assert back.soup.select_one("p.govuk-body", string="Your best score so far: 0%.")
    assert back.soup.select_one("form[action*=attempts]")["action"] == action


def test_the_header_is_rendered_once_for_each_menu_and_kind_of_page(
    browser, other_browser, make, monkeypatch
):
    """The layout's header and footer are kept for each menu and endpoint: a page built
    afresh (My training) still gets each person's own menu and sign-out token."""
    renders = []
    render = shared_pages._render_with_placeholders
    monkeypatch.setattr(
        shared_pages,
        "_render_with_placeholders",
        lambda *args: renders.append(args[0]) or render(*args),
    )
    browser.sign_in(make.user())
    other_browser.sign_in(make.user(org=make.organisation(), role=Role.MANAGER))
    with browser.client.application.app_context():
        browser.client.application.extensions.pop("elearn.shared_pages", None)
    mine = [browser.get("/my-training") for _ in range(3)]
    theirs = other_browser.get("/my-training")
    assert renders.count("layout/header.html") == 2, "once for the learner, once for the manager"
    assert renders.count("layout/footer.html") == 2
    assert "Your organisation" not in mine[0].text() and "Your organisation" in theirs.text()
    current = mine[0].soup.select(".govuk-service-navigation__item--active")
    assert [item.get_text(strip=True) for item in current] == ["My training"]
    tokens = {page.csrf_token() for page in (*mine, theirs)}
    assert len(tokens) == 2, "each session's own token, the same across its pages"
    other_browser.post("/sign-out", {"csrf_token": mine[0].csrf_token()}, status=400)
    for page in (*mine, theirs):
        html = page.response.get_data(as_text=True)
        assert shared_pages.NONCE not in html and shared_pages.CSRF not in html
        assert page.soup.find("script", nonce=nonce_of(page))
