"""A short-lived cache of dashboard figures, emptied by any change to the data.

Working out coverage at City scale reads every membership and completion (about a second
on SQLite). The figures only change when a completion, membership, assignment,
organisation or audited action is added, so each cached entry remembers the newest id
of each, and is used only while those are unchanged and it is younger than
REPORT_CACHE_SECONDS. Each worker keeps its own cache; nothing is ever stale beyond a
change, and time-dependent figures (valid now, overdue) at most that many seconds old.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.models import Assignment, AuditEvent, Completion, Membership, Organisation

T = TypeVar("T")
MAX_ENTRIES = 32
_entries: OrderedDict[tuple, tuple[float, tuple, object]] = OrderedDict()


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


def cached(key: tuple, compute: Callable[[], T]) -> T:
    seconds = current_app.config.get("REPORT_CACHE_SECONDS", 0)
    if not seconds:
        return compute()
    version = data_version()
    entry = _entries.get(key)
    if entry is not None and entry[0] > time.monotonic() and entry[1] == version:
        _entries.move_to_end(key)
        return entry[2]
    value = compute()
    _entries[key] = (time.monotonic() + seconds, version, value)
    while len(_entries) > MAX_ENTRIES:
        _entries.popitem(last=False)
    return value


def clear() -> None:
    _entries.clear()
