"""axe-core on the pages the journeys do not reach, as a visitor and as a CST admin."""

from __future__ import annotations

from tests.e2e.helpers import PASSWORD, sign_in

VISITOR_PAGES = [
    "/",
    "/courses",
    "/courses/hate-crime",
    "/courses/facing-facts",
    "/sign-in",
    "/reset-password",
    "/join",
    "/create-account",
    "/privacy",
    "/accessibility",
    "/verify/NOT-A-REAL-CODE",
    "/no-such-page",
]
ADMIN_PAGES = [
    "/my-training",
    "/certificates",
    "/certificates/external",
    "/account",
    "/account/password",
    "/account/two-factor",
    "/admin/organisations",
    "/admin/organisations/new",
    "/admin/users?q=a",
    "/admin/external",
    "/courses/hate-crime/what-hate-crime-is",
]


def test_visitor_pages(server, page, accessibility):
    _, base = server
    for path in VISITOR_PAGES:
        page.goto(base + path)
        accessibility.check(page)


def test_signed_in_pages(server, page, accessibility):
    app, base = server
    from elearn.admin.operations import create_admin_user

    with app.app_context():
        create_admin_user("pages@journey.example", "Page Checker", PASSWORD)
    sign_in(page, base, "pages@journey.example")
    for path in ADMIN_PAGES:
        page.goto(base + path)
        accessibility.check(page)
