"""Per-connection database settings (see ../shared/PITFALLS.md, SQLite under several workers)."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from elearn.extensions import db

READING_METHODS = {"GET", "HEAD", "OPTIONS"}
_writing = contextvars.ContextVar("elearn_writing", default=False)
_reading = contextvars.ContextVar("elearn_reading", default=False)


def init_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine)
    elif engine.dialect.name == "postgresql":
        configure_postgresql(engine)


def wants_immediate() -> bool:
    """Whether a new transaction will write: then on SQLite it must begin IMMEDIATE, and
    on PostgreSQL it must be a transaction at all (reads run without one).

    A page that only reads (a GET) begins a deferred transaction, so readers in several
    workers run side by side under WAL. A POST, the command line and `writing()` begin
    IMMEDIATE: they take the write lock first, so a transaction that reads then writes
    waits for another writer (busy_timeout) instead of failing with SQLITE_BUSY_SNAPSHOT.
    """
    if _writing.get():
        return True
    if _reading.get():
        return False
    return not (has_request_context() and request.method in READING_METHODS)


@contextmanager
def writing() -> Iterator[None]:
    """For a GET that records something: end the read transaction, write in a new one.

    A savepoint (`begin_nested`) in a GET needs this too: on PostgreSQL a page that only
    reads has no transaction to hold one."""
    db.session.commit()
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


@contextmanager
def reading() -> Iterator[None]:
    """For work that only reads, outside a GET (a report's statements run side by side)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


MMAP_BYTES = 1 << 30


def configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL, a busy timeout, and IMMEDIATE transactions for writers."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # Read through a memory map of the file, shared by every connection and worker
        # (the operating system's page cache), rather than copying pages into each
        # connection's private 2 MB cache: the reports read most of the file.
        cursor.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if wants_immediate() else "BEGIN")


def configure_postgresql(engine: Engine) -> None:
    """Work that only reads runs without a transaction, so that prepared statements last.

    psycopg prepares a statement the fifth time a connection runs it, but forgets every
    prepared statement on ROLLBACK, and each request ended with one, so every query of
    every page was planned afresh (0.35 ms for the signed-in person alone) and each
    request also paid a BEGIN and a ROLLBACK round trip. A page that only reads (and
    `reading()`) now runs in autocommit: each statement sees the data committed when it
    starts, which under PostgreSQL's READ COMMITTED is what it saw inside a transaction
    too. Anything that writes (a POST, the command line, `writing()`) begins a
    transaction as before.
    """

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        if "isolation_level" in connection.get_execution_options():
            return  # asked for explicitly (a migration's AUTOCOMMIT block): left as asked
        # psycopg opens its transaction at the first statement, so here it has none yet.
        connection.connection.dbapi_connection.autocommit = not wants_immediate()
