"""Dashboard figures worked out once, shared by every worker, and renewed in the background.

Working out coverage at City scale reads every membership and completion: about half a
second on two cores, and training is recorded every few minutes, so a CST admin would
wait for it on almost every view. Instead each view's figures are kept in the database
(`report_figures`, as JSON), where every worker, and a worker started after a deploy,
finds them:

- kept figures are *current* while none of the data they depend on has changed (the
  newest id of completions, memberships, assignments, organisations and audited actions)
  and they are younger than REPORT_CACHE_SECONDS (valid now and overdue move with the
  clock);
- the dashboard may show figures that are not current, with the time they were worked
  out, while they are younger than REPORT_STALE_SECONDS; the worker that first claims
  the view works new ones out in a background thread meanwhile (one worker at a time: a
  claim that lapses if that worker dies); older figures it waits for;
- exports and the committee PDF always wait for current figures;
- a worker that has shown the dashboard keeps its default view (the last twelve months,
  every course) current from then on, so the first view after a quiet spell need not
  wait either.

REPORT_CACHE_SECONDS = 0 turns all of this off: every view works its figures out.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from elearn.background import Queue
from elearn.database import reading, writing
from elearn.extensions import db
from elearn.models import (
    Assignment,
    AuditEvent,
    Completion,
    Membership,
    Organisation,
    ReportFigures,
    utcnow,
)

T = TypeVar("T")
CLAIM_FOR = timedelta(minutes=2)  # a claim to renew a view's figures lapses after this
KEEP_FOR = timedelta(days=1)  # figures no view has renewed for this long are deleted


class Kept:
    """How to work out one view's figures and keep them as text."""

    def __init__(
        self,
        key: tuple,
        compute: Callable[[], T],
        encode: Callable[[T], str],
        decode: Callable[[str], T],
    ) -> None:
        self.name = hashlib.sha256(repr(key).encode()).hexdigest()
        self.compute, self.encode, self.decode = compute, encode, decode


View = Callable[[], Kept]  # the default view, worked out afresh each time it is asked for

_lock = threading.Lock()
_background = Queue("report-figures")
_warmer: threading.Thread | None = None
_stopping = threading.Event()


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
                for model in (Completion, Membership, Assignment, Organisation)
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
    are shown while new ones are worked out in the background, if they are young enough."""
    return _get(kept, stale_ok=True)


def _get(kept: Kept, stale_ok: bool) -> tuple[object, bool]:
    config = current_app.config
    fresh_for = config.get("REPORT_CACHE_SECONDS", 0)
    if not fresh_for:
        return kept.compute(), True
    version = data_version()
    row = db.session.execute(
        select(ReportFigures.version, ReportFigures.worked_out_at, ReportFigures.figures).where(
            ReportFigures.key == kept.name
        )
    ).one_or_none()
    now = utcnow()
    if row is not None:
        age = (now - row.worked_out_at).total_seconds()
        if row.version == version and age < fresh_for:
            return kept.decode(row.figures), True
        if stale_ok and age < config.get("REPORT_STALE_SECONDS", fresh_for):
            if _claim(kept.name, row.worked_out_at, now):
                _renew_in_background(kept)
            return kept.decode(row.figures), False
    value = kept.compute()
    _store(kept.name, version, now, kept.encode(value))
    return value, True


def _claim(name: str, seen: datetime, now: datetime) -> bool:
    """Claim the renewal of the figures worked out at `seen`; False if another worker has
    it, or has already renewed them."""
    with writing():
        claimed = db.session.execute(
            update(ReportFigures)
            .where(
                ReportFigures.key == name,
                ReportFigures.worked_out_at == seen,
                or_(ReportFigures.refreshing_until.is_(None), ReportFigures.refreshing_until < now),
            )
            .values(refreshing_until=now + CLAIM_FOR)
        ).rowcount
        db.session.commit()
    return claimed == 1


def _store(name: str, version: str, started: datetime, text: str) -> None:
    """Keep figures worked out from `version`, begun at `started`, unless newer are kept."""
    table = ReportFigures.__table__
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table).values(
        key=name, version=version, worked_out_at=started, refreshing_until=None, figures=text
    )
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "version": insert.excluded.version,
            "worked_out_at": insert.excluded.worked_out_at,
            "refreshing_until": None,
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


def _work_out(kept: Kept) -> None:
    """Work out a view's figures and keep them, holding no connection meanwhile."""
    version, started = data_version(), utcnow()
    db.session.commit()  # no connection held while the work takes the pool's others
    _store(kept.name, version, started, kept.encode(kept.compute()))


def _renew(kept: Kept) -> None:
    """Work out and keep a view's figures (its claim already held)."""
    try:
        _work_out(kept)
    except Exception:
        db.session.rollback()
        with writing():  # let another worker try at once rather than after the claim lapses
            db.session.execute(
                update(ReportFigures)
                .where(ReportFigures.key == kept.name)
                .values(refreshing_until=None)
            )
            db.session.commit()
        raise


def _renew_in_background(kept: Kept) -> None:
    """Queue the renewal for this worker's one background thread: however many views are
    out of date, it works out one at a time (each takes four connections of the pool)."""

    def run() -> None:
        # Only reading while the figures are worked out: on SQLite a transaction outside
        # a request would otherwise begin IMMEDIATE and hold the write lock meanwhile.
        with reading():
            _renew(kept)

    _background.submit(run, "Working out the dashboard's figures failed")


def keep_warm(app: Flask, view: View) -> None:
    """Keep the default view's figures current, from now on, checking from this worker."""
    global _warmer
    if not app.config.get("REPORT_CACHE_SECONDS"):
        return
    with _lock:
        if _warmer is not None and _warmer.is_alive():
            return
        _warmer = threading.Thread(
            target=_keep_warm, args=(app, view), name="report-warmer", daemon=True
        )
        _warmer.start()


def _keep_warm(app: Flask, view: View) -> None:
    # Every REPORT_CACHE_SECONDS, for the rest of the worker's life, the figures are worked
    # out again unless another worker has just done so: "valid now" and "overdue" move
    # with the clock, so figures that old are no longer current even if nothing changed.
    while not _stopping.wait(app.config.get("REPORT_CACHE_SECONDS") or 60):
        warm(app, view)


def warm(app: Flask, view: View) -> None:
    """Work out the view's figures unless they are current or another worker is at it."""
    with app.app_context(), reading():
        try:
            kept = view()
            row = db.session.execute(
                select(ReportFigures.version, ReportFigures.worked_out_at).where(
                    ReportFigures.key == kept.name
                )
            ).one_or_none()
            now = utcnow()
            if row is None:
                _work_out(kept)
            elif (
                row.version != data_version()
                or (now - row.worked_out_at).total_seconds() >= app.config["REPORT_CACHE_SECONDS"]
            ) and _claim(kept.name, row.worked_out_at, now):
                _renew(kept)
        except Exception:
            app.logger.exception("Keeping the dashboard's figures current failed")


def wait_for_refreshes(timeout: float = 60) -> None:
    """Wait for this worker's background work queued so far (the tests and the benchmark)."""
    _background.wait(timeout)


def stop() -> None:
    """Finish this worker's background work and stop keeping the default view warm."""
    global _warmer
    _stopping.set()
    wait_for_refreshes()
    if _warmer is not None:
        _warmer.join(10)
    with _lock:
        _warmer = None
    _stopping.clear()
