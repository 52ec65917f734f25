"""Work a worker process does after the response, on one thread of its own.

Each kind of work (the dashboard's figures, certificate zips) has its own queue: one
thread, so a worker does one piece of that work at a time, in the order asked, however
many requests ask. Each piece runs in its own application context (its own database
session) and a failure is logged rather than lost with the thread. The tests and the
benchmark wait for what was queued.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from flask import current_app


class Queue:
    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._pending: list[Future] = []
        self._lock = threading.Lock()

    def submit(self, work: Callable[[], None], failure: str) -> None:
        """Run work after whatever is already queued; failure is logged if it raises."""
        app = current_app._get_current_object()

        def run() -> None:
            with app.app_context():
                try:
                    work()
                except Exception:
                    app.logger.exception(failure)

        with self._lock:
            self._pending.append(self._executor.submit(run))

    def wait(self, timeout: float) -> None:
        """Wait for the work queued so far."""
        with self._lock:
            pending = list(self._pending)
            self._pending.clear()
        wait(pending, timeout)
