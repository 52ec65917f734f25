"""Per-connection database settings, and which work runs in a transaction.

SQLite under several workers: WAL, a busy timeout, and writers that take the write lock
before they read (docs/deployment.md). PostgreSQL: reads without a transaction, JIT off.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from elearn.extensions import db

log = logging.getLogger(__name__)

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
BUSY_TIMEOUT_MS = 30000


def configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL, a busy timeout, IMMEDIATE transactions for writers, and
    deleted data overwritten."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # What is deleted or replaced is overwritten with zeros, not left in free space
        # in the file, so an erased person's name is gone from it (with the WAL emptied
        # after an erasure: `checkpoint_after_commit`).
        cursor.execute("PRAGMA secure_delete = ON")
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


CHECKPOINT = "elearn_checkpoint_wal"
CHECKPOINT_WAIT_MS = 5000  # for readers to finish; the nightly retention run tries again


def checkpoint_after_commit() -> None:
    """Once the current transaction commits, copy SQLite's WAL into the database file and
    empty it: until then the WAL keeps the old copies of the pages that were changed (an
    erased person's name among them). Nothing on PostgreSQL."""
    db.session.info[CHECKPOINT] = True


@event.listens_for(Session, "after_commit")
def _checkpoint_if_asked(session: Session) -> None:
    if session.info.pop(CHECKPOINT, False):
        checkpoint_wal(session.get_bind())


@event.listens_for(Session, "after_rollback")
def _forget_checkpoint(session: Session) -> None:
    session.info.pop(CHECKPOINT, None)


def checkpoint_wal(engine: Engine) -> bool:
    """`PRAGMA wal_checkpoint(TRUNCATE)` outside any transaction, waiting a few seconds
    at most for readers: whether it finished (if not, the reason is logged)."""
    if engine.dialect.name != "sqlite":
        return True
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
        try:
            busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.close()
    finally:
        connection.close()
    if busy:
        log.warning("the WAL could not be emptied: readers were still at work")
    return not busy
