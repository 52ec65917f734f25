"""Dashboard figures kept by each worker, and worked out again in the background.

Working out coverage at City scale reads every membership and completion: about half a
second on two cores, and training is recorded every few minutes, so a CST admin would
wait for it on almost every view. Instead:

- figures are *current* while none of the data they depend on has changed (the newest id
  of completions, memberships, assignments, organisations and audited actions) and they
  are younger than REPORT_CACHE_SECONDS (valid now and overdue move with the clock);
- the dashboard may show figures that are not current, with the time they were worked
  out, while they are younger than REPORT_STALE_SECONDS, and works out new ones in a
  background thread meanwhile (one at a time for each view); older ones it waits for;
- exports and the committee PDF always wait for current figures;
- a worker that has shown the dashboard keeps its default view (the last twelve months,
  every course) current from then on, so the first view after a quiet spell need not
  wait either.

Each worker keeps its own figures. REPORT_CACHE_SECONDS = 0 turns all of this off.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import func, select

from elearn.database import reading
from elearn.extensions import db
from elearn.models import Assignment, AuditEvent, Completion, Membership, Organisation

T = TypeVar("T")
MAX_ENTRIES = 32
View = Callable[[], tuple[tuple, Callable[[], Any]]]  # the default view's key and work


@dataclass
class _Entry:
    value: Any
    version: tuple
    started: float  # time.monotonic() when the work began: the figures are at least this old
    refreshing: threading.Thread | None = None


_lock = threading.Lock()
_entries: OrderedDict[tuple, _Entry] = OrderedDict()
_warmer: threading.Thread | None = None
_stopping = threading.Event()


def data_version() -> tuple:
    """The newest id of everything the figures depend on: cheap index look-ups."""
    return tuple(
        db.session.execute(
            select(
                *(
                    select(func.max(model.id)).scalar_subquery()
                    for model in (Completion, AuditEvent, Membership, Assignment, Organisation)
                )
            )
        ).one()
    )


def current(key: tuple, compute: Callable[[], T]) -> T:
    """Current figures: kept ones if nothing has changed, else worked out now."""
    return _get(key, compute, stale_ok=False)[0]


def served(key: tuple, compute: Callable[[], T]) -> tuple[T, bool]:
    """Figures to show at once, and whether they are current. Kept figures that are not
    are shown while new ones are worked out in the background, if they are young enough."""
    return _get(key, compute, stale_ok=True)


def _get(key: tuple, compute: Callable[[], T], stale_ok: bool) -> tuple[T, bool]:
    config = current_app.config
    fresh_for = config.get("REPORT_CACHE_SECONDS", 0)
    if not fresh_for:
        return compute(), True
    version = data_version()
    with _lock:
        entry = _entries.get(key)
        if entry is not None:
            _entries.move_to_end(key)
            age = time.monotonic() - entry.started
            if entry.version == version and age < fresh_for:
                return entry.value, True
            if stale_ok and age < config.get("REPORT_STALE_SECONDS", fresh_for):
                _refresh_in_background(key, compute, entry)
                return entry.value, False
    return _work_out(key, compute, version), True


def _work_out(key: tuple, compute: Callable[[], T], version: tuple) -> T:
    started = time.monotonic()
    value = compute()
    with _lock:
        kept = _entries.get(key)
        # A slower piece of work begun earlier must not replace newer figures.
        if kept is None or kept.started <= started:
            _entries[key] = _Entry(value, version, started)
            _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def _refresh_in_background(key: tuple, compute: Callable[[], Any], entry: _Entry) -> None:
    """Start working out new figures for key, unless that is already under way."""
    if entry.refreshing is not None and entry.refreshing.is_alive():
        return
    app = current_app._get_current_object()

    def run() -> None:
        # Only reading: on SQLite a transaction outside a request would otherwise begin
        # IMMEDIATE and hold the write lock while the figures are worked out.
        with app.app_context(), reading():
            try:
                _work_out(key, compute, data_version())
            except Exception:
                app.logger.exception("Working out the dashboard's figures failed")

    entry.refreshing = threading.Thread(target=run, name="report-figures", daemon=True)
    entry.refreshing.start()


def keep_warm(app: Flask, view: View) -> None:
    """Keep the default view's figures current in this worker, from now on."""
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
    # Every REPORT_CACHE_SECONDS the figures are checked and, if anything has changed or
    # they have grown old, worked out again: at most that long after a change, even if no
    # one looks at the dashboard meanwhile.
    while not _stopping.wait(app.config.get("REPORT_CACHE_SECONDS") or 60):
        warm(app, view)


def warm(app: Flask, view: View) -> None:
    """Work out the view's figures unless they are current."""
    with app.app_context(), reading():
        try:
            key, compute = view()
            current(key, compute)
        except Exception:
            app.logger.exception("Keeping the dashboard's figures current failed")


def wait_for_refreshes(timeout: float = 60) -> None:
    """Wait for background work begun so far (the tests and the benchmark use this)."""
    with _lock:
        threads = [entry.refreshing for entry in _entries.values() if entry.refreshing]
    for thread in threads:
        thread.join(timeout)


def clear() -> None:
    """Forget every figure and stop keeping the default view warm."""
    global _warmer
    _stopping.set()
    wait_for_refreshes()
    if _warmer is not None:
        _warmer.join(10)
    with _lock:
        _entries.clear()
        _warmer = None
    _stopping.clear()
