"""The task queue: the schedule, and a real consumer (`flask tasks consume`) killed midway.

The consumer runs as its own process on the suite's database (SQLite or PostgreSQL) and
a Huey queue in a SQLite file, as the embedded set-up runs it; the test queues work the
way a web worker does, kills the consumer with SIGKILL in the middle of it, starts it
again, and checks that the work is finished and no email went twice.
"""

from __future__ import annotations

import email
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from huey.storage import SqliteStorage
from sqlalchemy import func, select

from elearn import tasks
from elearn.config import PROJECT_DIR
from elearn.models import ArchiveStatus, CertificateArchive, Invitation
from tests.conftest import FIXTURES
from tests.test_organisations import manager_of, upload


def test_the_schedule_runs_each_task_as_often_as_it_says(app):
    day = datetime(2026, 12, 7)  # a Monday
    runs = Counter(
        task.name.removeprefix("elearn.schedule.")
        for minute in range(24 * 60)
        for task in tasks.huey.read_periodic(day + timedelta(minutes=minute))
    )
    assert runs == {
        "keep_dashboard_current": 1440,
        "send_waiting_invitations": 144,
        "forget_old_zips": 24,
        "send_session_reminders": 24,
        "send_due_reminders": 1,
        "apply_retention": 1,
    }


def test_a_queue_is_named_by_its_url(tmp_path):
    assert isinstance(tasks.storage_for(f"sqlite:///{tmp_path}/t.db", "x"), SqliteStorage)
    assert type(tasks.storage_for("redis://127.0.0.1:6379/3", "x")).__name__ == ("RedisStorage")
    with pytest.raises(ValueError, match="ELEARN_TASKS_URL"):
        tasks.storage_for("amqp://127.0.0.1", "x")


def test_there_is_nothing_to_consume_where_tasks_run_at_once(app):
    result = app.test_cli_runner().invoke(args=["tasks", "consume"])
    assert result.exit_code == 1 and "nothing to consume" in result.output


CTRL_C_AS_IT_STARTS = """
import logging, os, signal
from elearn import tasks
logging.basicConfig(level=logging.INFO)
tasks.huey._immediate = False  # its queue in memory, as the module makes it
consumer = tasks.consumer(workers=1)
start_scheduler = consumer.scheduler.start
def interrupted():  # after "Huey consumer started", before Huey's own signal handlers
    os.kill(os.getpid(), signal.SIGINT)
    start_scheduler()
consumer.scheduler.start = interrupted
consumer.run()
"""


def test_a_ctrl_c_as_the_consumer_starts_stops_it_gracefully():
    """`make run` then Ctrl-C at once: the consumer was told, and finishes what it does."""
    done = subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, "-c", CTRL_C_AS_IT_STARTS],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Received SIGINT" in done.stderr and "Consumer exiting." in done.stderr, done.stderr


# --- a real consumer -------------------------------------------------------------------


class Consumer:
    """`flask tasks consume` in a process of its own, on the suite's database."""

    def __init__(self, app, folder: Path) -> None:
        self.folder = folder
        self.queue = folder / "tasks.db"
        self.mail = folder / "mail"
        self.env = {
            **os.environ,
            "ELEARN_ENV": "development",
            "ELEARN_INSTANCE_DIR": str(folder),
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "ELEARN_CONTENT_DIR": str(FIXTURES / "content"),
            "ELEARN_TASKS_URL": f"sqlite:///{self.queue}",
            "MAIL_SERVER": "",
        }
        self.process: subprocess.Popen | None = None
        self.runs = 0

    def start(self) -> None:
        self.runs += 1
        log = open(self.folder / f"consumer-{self.runs}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(  # nosec B603: our own command
            [sys.executable, "-m", "flask", "--app", "app", "tasks", "consume"],
            cwd=PROJECT_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Ctrl-C: the tasks under way finish, then it stops."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(30)

    def log(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.folder.glob("consumer-*.log")))

    def mails(self) -> list[Path]:
        return sorted(self.mail.glob("*.eml")) if self.mail.exists() else []

    @contextmanager
    def queueing(self):
        """This process queues its tasks where the consumer takes them, as a web worker."""
        held = tasks.huey.storage, tasks.huey._immediate
        tasks.huey.storage = SqliteStorage(tasks.huey.name, filename=str(self.queue))
        tasks.huey._immediate = False
        try:
            yield
        finally:
            tasks.huey.storage, tasks.huey._immediate = held


@pytest.fixture
def consumer(app, tmp_path):
    running = Consumer(app, tmp_path)
    yield running
    running.stop()


def wait_for(condition, timeout: float, consumer: Consumer, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.02)
    raise AssertionError(f"{what}: not within {timeout} s\n{consumer.log()}")


def test_every_invitation_is_sent_once_when_the_consumer_is_killed_mid_batch(
    app, browser, make, session, consumer
):
    invited = 400
    org, manager = manager_of(make)
    browser.sign_in(manager)
    rows = "\n".join(f"person{n}@batch.example,Person {n}" for n in range(invited))
    page = upload(browser, org, f"email,name\n{rows}\n".encode(), status=302)
    preview = browser.get(page.response.headers["Location"])
    with consumer.queueing():
        browser.post(preview.response.request.path)
    assert not consumer.mails(), "queued for the consumer, not sent by the web worker"

    consumer.start()
    wait_for(lambda: len(consumer.mails()) >= 40, 60, consumer, "the first emails")
    consumer.kill()
    sent_before = len(consumer.mails())
    assert sent_before < invited, "killed in the middle of the batch"

    consumer.start()  # takes up what was left waiting
    unsent = select(func.count()).select_from(Invitation).where(Invitation.last_sent_at.is_(None))

    def all_sent():
        session.expire_all()
        return session.scalar(unsent) == 0

    wait_for(all_sent, 120, consumer, "the rest of the batch")
    consumer.stop()
    addresses = Counter(email.message_from_bytes(p.read_bytes())["To"] for p in consumer.mails())
    assert max(addresses.values()) == 1, "no one was sent two"
    # The one each worker was sending as the consumer was killed is marked sent without
    # being sent: at most one per worker (`tasks consume` runs 2; the batch and the
    # sender resumed at start may both be at work).
    assert len(addresses) >= invited - 2


def test_a_zip_is_finished_when_the_consumer_is_killed_while_preparing_it(
    app, browser, make, session, consumer, monkeypatch
):
    from elearn.certificates import archives
    from tests.test_certificates import certified_members

    monkeypatch.setitem(app.config, "CERTIFICATE_ZIP_DIRECT_LIMIT", 0)
    holders = 2 * archives.BATCH + 50
    org, manager = manager_of(make)
    certified_members(make, org, holders)
    browser.sign_in(manager)
    archive_page = f"/organisations/{org.id}/certificates/archive"
    with consumer.queueing():
        browser.post(archive_page)
    archive_id = session.scalar(select(CertificateArchive.id))

    def done() -> int:
        session.expire_all()
        return session.get(CertificateArchive, archive_id).done

    consumer.start()
    wait_for(lambda: done() >= archives.BATCH, 120, consumer, "the first batch")
    consumer.kill()
    assert done() < holders, "killed in the middle of the zip"
    page = browser.get(archive_page).text()
    assert f"Preparing your zip: {done():,} of {holders}" in page

    def finished() -> bool:
        session.expire_all()
        return session.get(CertificateArchive, archive_id).status != ArchiveStatus.PREPARING

    consumer.start()
    wait_for(finished, 180, consumer, "the zip, prepared again")
    consumer.stop()
    assert session.get(CertificateArchive, archive_id).status == ArchiveStatus.READY
    assert "Queued again 1 certificate archives not yet prepared" in consumer.log()
    page = browser.get(archive_page)
    link = page.soup.find("a", string=f"Download the zip of {holders} certificates")
    data = browser.client.get(link["href"]).get_data()
    assert len(zipfile.ZipFile(io.BytesIO(data)).namelist()) == holders
