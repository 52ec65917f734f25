"""How requests use the database: on PostgreSQL, pages that only read run without a
transaction (so psycopg's prepared statements last); anything that writes runs in one."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from elearn.extensions import db


@pytest.fixture
def statements(app):
    """(first word, whether the connection was in autocommit) of each statement run."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's transactions (SQLite's are covered by the concurrency tests)")
    seen: list[tuple[str, bool]] = []

    def record(connection, cursor, statement, *args):
        autocommit = connection.connection.dbapi_connection.autocommit
        seen.append((statement.split()[0].upper(), autocommit))

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_pages_that_only_read_run_without_a_transaction(browser, make, session, statements):
    learner = make.user()
    browser.sign_in(learner)
    assert ("UPDATE", False) in statements, "signing in records it, in a transaction"
    statements.clear()

    browser.get("/my-training")
    browser.get("/courses/basics")
    assert statements and all(autocommit for _, autocommit in statements), statements

    statements.clear()
    browser.get("/courses/basics/welcome")  # a first view is recorded: a write
    writes = [autocommit for word, autocommit in statements if word in {"INSERT", "UPDATE"}]
    assert writes and not any(writes), statements


def test_an_isolation_level_asked_for_is_kept(app, statements):
    """A migration's AUTOCOMMIT block (CREATE INDEX CONCURRENTLY cannot run in a
    transaction) keeps it, though work outside a request otherwise writes in one."""
    with app.app_context():
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("SELECT 2")
    assert statements == [("SELECT", False), ("SELECT", True)]
