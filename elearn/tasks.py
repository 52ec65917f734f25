"""Work done outside the request, by the task consumer: Huey.

Views and commands queue a task (a zip to prepare, invitations to send, a dashboard's
figures to renew) and return; the consumer, `flask tasks consume`, runs it, and runs the
periodic work of elearn/schedule.py (reminders, waiting invitations, retention, zip
clean-up, keeping the dashboard current), so no cron entry is needed. The queue outlives
any web worker: a restart of gunicorn loses nothing queued.

The queue is kept where ELEARN_TASKS_URL says: by default a SQLite file in instance/
(the embedded set-up needs no service), Redis in production. With TASKS_IMMEDIATE (the
test suite) a task runs at once, where it is queued, through Huey all the same.

There is one consumer per deployment (with a few worker threads): it alone runs the
periodic tasks, and when it starts it takes up what a consumer stopped midway left
(`resume`). Each task runs in an application context of its own, as a request does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey, crontab
from huey.consumer import Consumer
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

__all__ = [
    "consumer",
    "crontab",
    "huey",
    "init_app",
    "on_resume",
    "periodic",
    "resume",
    "run_queued",
    "task",
]

log = logging.getLogger(__name__)

huey = Huey("elearn", results=False, immediate=True)  # storage and mode: init_app
_app: Flask | None = None
# What the consumer does on starting, after a stop: each package adds its own (`on_resume`).
_resumers: list[Callable[[], None]] = []


def storage_for(url: str, name: str):
    """The Huey storage ELEARN_TASKS_URL names: redis://..., sqlite:///path, memory://."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStorage(name, url=url)
    if url.startswith("sqlite:///"):
        return SqliteStorage(name, filename=url.removeprefix("sqlite:///"))
    if url == "memory://":
        return MemoryStorage(name)
    raise ValueError(f"ELEARN_TASKS_URL must be redis://, sqlite:/// or memory://, not {url!r}")


def init_app(app: Flask) -> None:
    """Point the queue at this app's storage; tasks run in this app's context."""
    global _app
    _app = app
    huey.name = app.config["TASKS_NAME"]
    if app.config.get("TASKS_IMMEDIATE"):
        huey.storage = MemoryStorage(huey.name)
        huey._immediate = True
    else:
        huey.storage = storage_for(app.config["TASKS_URL"], huey.name)
        huey._immediate = False


def _in_app_context(function: Callable) -> Callable:
    """The task's work, in a new application context (its own database session), as in
    a request: in immediate mode too, so it never shares the caller's transaction."""

    @wraps(function)
    def run(*args: Any, **kwargs: Any):
        app = current_app._get_current_object() if has_app_context() else _app
        if app is None:
            raise RuntimeError("elearn.tasks.init_app() was not called")
        with app.app_context():
            return function(*args, **kwargs)

    return run


def task(**options: Any) -> Callable:
    """Make a function a task: calling it queues it (`function.call_local` runs it here).
    Options are Huey's: retries, retry_delay, expires, priority..."""
    return lambda function: huey.task(**options)(_in_app_context(function))


def periodic(when: Callable, **options: Any) -> Callable:
    """Make a function a task the consumer runs on a schedule (`crontab(...)`, in UTC)."""
    return lambda function: huey.periodic_task(when, **options)(_in_app_context(function))


def on_resume(function: Callable[[], None]) -> Callable[[], None]:
    """Run `function` (in an application context) when the consumer starts, to take up
    work a consumer stopped midway left undone."""
    _resumers.append(function)
    return function


def resume() -> None:
    """Take up what a stopped consumer left: its locks, and each package's work."""
    flushed = huey.flush_locks()
    if flushed:
        log.info("released the locks of a consumer that stopped: %s", ", ".join(sorted(flushed)))
    for resumer in _resumers:
        _in_app_context(resumer)()


class _Consumer(Consumer):
    """Huey's consumer, hearing Ctrl-C from its first moment. Huey sets its signal handlers
    only once its threads run, after logging that it started: a Ctrl-C in between was a
    KeyboardInterrupt, its tasks cut short and no "Consumer exiting"."""

    def start(self) -> None:
        self._set_signal_handlers()  # a signal now is noticed by the first loop
        super().start()


def consumer(workers: int) -> Consumer:
    """The consumer `flask tasks consume` runs: queued tasks and the periodic ones."""
    return _Consumer(huey, workers=workers, periodic=True)


def run_queued() -> int:
    """Run the tasks waiting in the queue, here and now, as the consumer would; the
    number run (the tests and the benchmark, with a queue that is not immediate)."""
    ran = 0
    while (queued := huey.dequeue()) is not None:
        huey.execute(queued)
        ran += 1
    return ran
