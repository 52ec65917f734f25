"""Whatever a stranger sends gets a clear 400 or a normal page, never a 500: odd query
parameters on every GET route, control characters in every field and in the address."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.conftest import Browser
from tests.test_access_matrix import other_rules, url_for_rule, world  # noqa: F401
from tests.test_permissions import World, organisation_rules

# Parameters that have broken Flask views before: url_for's own keywords, the routes'
# own argument names, numbers too big for int(), empty and repeated values.
ODD = [
    {"_external": "1", "_anchor": "x", "_method": "POST", "_scheme": "javascript"},
    {"organisation_id": "abc", "membership_id": "1", "code": "", "sector": "nope"},
    {"course_slug": "x", "module_slug": "y", "filename": "../../etc/passwd", "name": "x"},
    {"page": "9" * 5000},
    {"page": "-1", "sort": "nonsense.column", "order": "sideways", "status": "x", "team": ""},
    {"q": "'; DROP TABLE user_account; --", "kind": "x", "account": "x", "manager": "x"},
    {"start": "31", "end": "2", "course": "x" * 500, "threshold": "1e9"},
]
ODD_REPEATED = "page=1&page=2&sort=a&sort=b&q=x&q=y&code=A&code=B"


def odd_urls(path: str) -> list[str]:
    glue = "&" if "?" in path else "?"
    return [f"{path}{glue}{urlencode(query)}" for query in ODD] + [f"{path}{glue}{ODD_REPEATED}"]


def requested(browser: Browser, url: str) -> int:
    return browser.client.get(url).status_code


@pytest.mark.parametrize("role", ["visitor", "learner", "cst_admin"])
def test_odd_parameters_on_every_route_are_never_a_server_error(app, world, role):  # noqa: F811
    people, values = world
    browser = Browser(app.test_client())
    if role != "visitor":
        browser.sign_in(people[role])
    failures = []
    for rule in other_rules(app):
        if "GET" not in rule.methods or rule.endpoint == "auth.sign_out":
            continue
        for url in odd_urls(url_for_rule(rule, values)):
            status = requested(browser, url)
            if status >= 500:
                failures.append(f"{url[:120]}: {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["manager", "cst_admin"])
def test_odd_parameters_on_every_organisation_route(app, make, session, role):
    organisations = World(make, session)
    browser = Browser(app.test_client())
    browser.sign_in(organisations.person(role))
    failures = []
    for rule in organisation_rules(app):
        if "GET" not in rule.methods:
            continue
        for url in odd_urls(organisations.url(rule)):
            status = requested(browser, url)
            if status >= 500:
                failures.append(f"{url[:120]}: {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "url",
    [
        "/verify/ABCD%00EFGH",
        "/courses/basics%00",
        "/admin/users?q=Ann%00ie",
        "/organisations/1/members?team=%00",
        "/reports?course=%01",
        "/sign-in?next=/my-training%0d%0aSet-Cookie:x=1",
    ],
)
def test_a_control_character_in_the_address_is_a_clear_400(browser, make, url):
    browser.sign_in(make.user(admin=True))
    response = browser.client.get(url)
    assert response.status_code == 400, url
    assert "control characters" in response.get_data(as_text=True)


def test_a_control_character_in_a_form_changes_nothing(browser, make, session):
    user = make.user(full_name="Ann Example")
    browser.sign_in(user)
    browser.get("/account")
    for typed in ("Ann\x00Example", "Ann\x07", "Ann\x1b[31m"):
        page = browser.post("/account", {"full_name": typed}, status=400)
        assert "control characters" in page.text()
    session.refresh(user)
    assert user.full_name == "Ann Example"
    page = browser.post("/account", {"full_name": "Ann\tExample"})  # a tab is typed text
    assert page.response.status_code == 302


def test_a_line_break_in_next_after_signing_in_goes_nowhere_odd(browser, make):
    user = make.user()
    browser.get("/sign-in")
    for target in ("/my-training\r\nX-Injected: 1", "/my-training\n", "\t/my-training"):
        response = browser.client.post(
            "/sign-in?" + urlencode({"next": target}),
            data={
                "email": user.email,
                "password": "correct horse battery staple",
                "csrf_token": browser.token(),
            },
        )
        assert response.status_code == 400, repr(target)
        assert "X-Injected" not in response.headers
