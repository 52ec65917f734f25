"""The number of SQL queries a page runs does not grow with the rows it shows (no N+1)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from elearn.extensions import db


@contextmanager
def counted(app):
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def queries(app, browser, path: str) -> int:
    with counted(app) as statements:
        assert browser.client.get(path).status_code == 200
    return len(statements)


def grow(make, org, count: int) -> None:
    for _ in range(count):
        learner = make.user(org=org, team="Team")
        make.completion(learner)


@pytest.mark.parametrize(
    "path",
    ["/organisations/{org}/members", "/organisations/{org}", "/organisations/{org}/invitations"],
)
def test_manager_pages(app, browser, make, path):
    org = make.organisation()
    browser.sign_in(make.user(org=org, role="manager"))
    grow(make, org, 3)
    few = queries(app, browser, path.format(org=org.id))
    grow(make, org, 20)
    many = queries(app, browser, path.format(org=org.id))
    assert few == many, f"{path}: {few} queries for 4 members, {many} for 24"


@pytest.mark.parametrize("path", ["/admin/organisations", "/reports", "/certificates"])
def test_admin_pages(app, browser, make, path):
    admin = make.user(admin=True)
    browser.sign_in(admin)
    for _ in range(2):
        grow(make, make.organisation(), 2)
    few = queries(app, browser, path)
    for _ in range(8):
        grow(make, make.organisation(), 2)
    many = queries(app, browser, path)
    assert few == many, f"{path}: {few} queries, then {many} with five times the rows"


def test_my_training_and_course_pages_use_a_fixed_number_of_queries(app, browser, make):
    learner = make.user(org=make.organisation())
    browser.sign_in(learner)
    counts = {path: queries(app, browser, path) for path in ("/my-training", "/courses/basics")}
    assert counts["/my-training"] <= 10, counts
    assert counts["/courses/basics"] <= 8, counts


@pytest.mark.parametrize("path", ["/contacts", "/courses", "/courses/basics"])
def test_content_pages_for_a_visitor_read_nothing(app, browser, path):
    """Content is held in memory: a visitor's content pages run no query."""
    assert queries(app, browser, path) == 0
