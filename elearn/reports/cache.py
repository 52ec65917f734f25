"""Dashboard figures worked out once, shared by every instance, and renewed by the consumer.

Working out coverage at City scale reads every membership and completion: about half a
second of work or more, and training is recorded every few minutes, so a CST admin would
wait for it on almost every view. Instead each view's figures are kept in the database
(`report_figures`, as JSON), where every instance, and one started after a deploy, finds
them:

- kept figures are *current* while none of the data they depend on has changed (the
  newest id of completions, memberships, assignments, organisations, face-to-face
  sessions and bookings, and audited actions: marking the register is one)
  and they are younger than REPORT_CACHE_SECONDS (valid now and overdue move with the
  clock);
- the dashboard may show figures that are not current, with the time they were worked
  out, while they are younger than REPORT_STALE_SECONDS, and queues a task to work out
  new ones (`Kept.renew`); the task holds a Huey lock while it works, and finds the
  figures current if another has just renewed them, so however many views queue it, the
  figures are worked out once; older figures the view waits for;
- exports and the committee PDF always wait for current figures;
- the consumer keeps the default view (the last twelve months, every course) current,
  checking every minute (`refresh`, from elearn/schedule.py), so a view after a quiet
  spell need not wait either.

REPORT_CACHE_SECONDS = 0 turns all of this off: every view works its figures out.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from flask import current_app
from huey.exceptions import TaskLockedException
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from elearn.database import reading, writing
from elearn.extensions import db
from elearn.models import (
    Assignment,
    AuditEvent,
    Booking,
    Completion,
    Membership,
    Organisation,
    ReportFigures,
    TrainingSession,
    utcnow,
)
from elearn.tasks import huey

log = logging.getLogger(__name__)
T = TypeVar("T")
# Held while a task works figures out: one view's at a time, so a renewal queued by many
# views runs once and the others find the figures current (a consumer that starts
# releases it, if one was killed holding it).
WORKING_OUT = huey.lock_task("report-figures")
KEEP_FOR = timedelta(days=1)  # figures no view has renewed for this long are deleted


class Kept:
    """How to work out one view's figures and keep them as text, and how to queue their
    renewal (a task that calls `refresh` on the same view)."""

    def __init__(
        self,
        key: tuple,
        compute: Callable[[], T],
        encode: Callable[[T], str],
        decode: Callable[[str], T],
        renew: Callable[[], object],
    ) -> None:
        self.name = hashlib.sha256(repr(key).encode()).hexdigest()
        self.compute, self.encode, self.decode = compute, encode, decode
        self.renew = renew


# Audited actions that change nothing the figures count: signing in happens all day, and
# would otherwise make every kept figure look out of date. Any other action (a member
# leaving, an organisation approved, a due date moved) may change them.
ACCOUNT_ONLY = (
    "signed_in",
    "signed_out",
    "password_reset_requested",
    "password_reset",
    "password_changed",
    "two_factor_enabled",
    "two_factor_disabled",
    "name_changed",
    "invited",
    "invitation_resent",
    "invitation_revoked",
    "join_code_enabled",
    "join_code_regenerated",
    "domain_added",
    "domain_removed",
)


def data_version() -> str:
    """The newest id of everything the figures depend on: cheap index look-ups (the audit
    log read backwards from its newest entry to the first that is not account-only)."""
    newest = db.session.execute(
        select(
            *(
                select(func.max(model.id)).scalar_subquery()
                for model in (
                    Completion,
                    Membership,
                    Assignment,
                    Organisation,
                    Booking,
                    TrainingSession,
                )
            ),
            select(AuditEvent.id)
            .where(AuditEvent.action.not_in(ACCOUNT_ONLY))
            .order_by(AuditEvent.id.desc())
            .limit(1)
            .scalar_subquery(),
        )
    ).one()
    return json.dumps(list(newest))


def current(kept: Kept):
    """Current figures: kept ones if nothing has changed, else worked out now."""
    return _get(kept, stale_ok=False)[0]


def served(kept: Kept) -> tuple[object, bool]:
    """Figures to show at once, and whether they are current. Kept figures that are not
    are shown while new ones are worked out by a task, if they are young enough."""
    return _get(kept, stale_ok=True)


def _get(kept: Kept, stale_ok: bool) -> tuple[object, bool]:
    config = current_app.config
    fresh_for = config.get("REPORT_CACHE_SECONDS", 0)
    if not fresh_for:
        return kept.compute(), True
    version = data_version()
    row = _kept_row(kept)
    now = utcnow()
    if row is not None:
        age = (now - row.worked_out_at).total_seconds()
        if row.version == version and age < fresh_for:
            return kept.decode(row.figures), True
        if stale_ok and age < config.get("REPORT_STALE_SECONDS", fresh_for):
            figures = kept.decode(row.figures)
            db.session.commit()  # the request holds no transaction while the task runs
            kept.renew()
            return figures, False
    value = kept.compute()
    _store(kept.name, version, now, kept.encode(value))
    return value, True


def _kept_row(kept: Kept):
    return db.session.execute(
        select(ReportFigures.version, ReportFigures.worked_out_at, ReportFigures.figures).where(
            ReportFigures.key == kept.name
        )
    ).one_or_none()


def _store(name: str, version: str, started: datetime, text: str) -> None:
    """Keep figures worked out from `version`, begun at `started`, unless newer are kept."""
    table = ReportFigures.__table__
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table).values(
        key=name, version=version, worked_out_at=started, figures=text
    )
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "version": insert.excluded.version,
            "worked_out_at": insert.excluded.worked_out_at,
            "figures": insert.excluded.figures,
        },
        # Slower work begun earlier must not replace newer figures.
        where=table.c.worked_out_at <= insert.excluded.worked_out_at,
    )
    with writing():
        db.session.execute(statement)
        forgotten = ReportFigures.worked_out_at < started - KEEP_FOR
        db.session.execute(delete(ReportFigures).where(forgotten))
        db.session.commit()


def refresh(kept: Kept) -> bool:
    """Work out and keep a view's figures unless they are current, or another task is
    working them out now: whether they were worked out (the consumer's work: a renewal
    queued by a view, and every minute the default view). Only reading while the figures
    are worked out: on SQLite a transaction outside a request would otherwise begin
    IMMEDIATE and hold the write lock meanwhile."""
    fresh_for = current_app.config.get("REPORT_CACHE_SECONDS", 0)
    if not fresh_for:
        return False
    try:
        with WORKING_OUT, reading():
            row, version, started = _kept_row(kept), data_version(), utcnow()
            if (
                row is not None
                and row.version == version
                and (started - row.worked_out_at).total_seconds() < fresh_for
            ):
                db.session.commit()
                return False
            db.session.commit()  # no connection held while the work takes the pool's others
            _store(kept.name, version, started, kept.encode(kept.compute()))
            return True
    except TaskLockedException:
        log.info("Figures are being worked out by another task: view %s waits", kept.name)
        return False
