"""Per-connection database settings (see ../shared/PITFALLS.md, SQLite under several workers)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from elearn.extensions import db


def init_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine)


def configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL, a busy timeout, and BEGIN IMMEDIATE for every transaction.

    BEGIN IMMEDIATE takes the write lock up front, so a transaction that reads and then
    writes waits for another writer (busy_timeout) instead of failing with
    SQLITE_BUSY_SNAPSHOT.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
