"""Nothing lost, nothing double: 50 learners submitting at once, and a database that
drops its connections under use."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from elearn.extensions import db
from elearn.models import AttemptStatus, Certificate, Completion, QuizAttempt
from tests.conftest import Browser
from tests.test_journey import answer, open_quiz, read_modules

LEARNERS = 50


def prepared_learner(app, make, number: int):
    """A learner who has read the course and has the quiz open, with its own address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.0.{number // 200}.{number % 200 + 1}"
    browser = Browser(client)
    browser.sign_in(make.user())
    read_modules(browser)
    page, action = open_quiz(browser)
    return browser, action, answer(page, right=True)


def test_fifty_learners_submitting_twice_at_once_lose_nothing_and_double_nothing(
    app, make, session, figures
):
    learners = [prepared_learner(app, make, n) for n in range(LEARNERS)]
    start = threading.Barrier(LEARNERS * 2)

    def submit(learner) -> int:
        browser, action, chosen = learner
        start.wait(timeout=60)
        return browser.client.post(
            action, data={**chosen, "csrf_token": browser.token()}
        ).status_code

    with ThreadPoolExecutor(max_workers=LEARNERS * 2) as pool:
        statuses = list(pool.map(submit, [learner for learner in learners for _ in range(2)]))

    submitted = session.scalar(
        select(func.count()).where(QuizAttempt.status == AttemptStatus.SUBMITTED)
    )
    completions = session.scalar(select(func.count()).select_from(Completion))
    certificates = session.scalar(select(func.count()).select_from(Certificate))
    figures.append(
        f"concurrent submissions ({session.get_bind().dialect.name}): {len(statuses)} "
        f"requests from {LEARNERS} learners "
        f"(each twice at once): {statuses.count(302)} answered, {submitted} attempts recorded, "
        f"{completions} completions, {certificates} certificates, "
        f"lost {LEARNERS - submitted}, duplicated {max(0, completions - LEARNERS)}"
    )
    assert statuses == [302] * (LEARNERS * 2), "every request answered, no errors"
    assert submitted == LEARNERS
    assert session.scalar(select(func.count()).select_from(QuizAttempt)) == LEARNERS
    assert completions == LEARNERS
    assert certificates == LEARNERS


def test_app_recovers_by_itself_when_the_database_drops_its_connections(
    app, browser, make, figures
):
    browser.sign_in(make.user())
    assert browser.get("/my-training").h1 == "My training"
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has no server connections to drop (CI runs this on PostgreSQL)")
        url = db.engine.url
    # From a connection of its own, outside the app's pool: every connection the pool
    # holds is dropped, including the one the last request used.
    killer = create_engine(url, poolclass=NullPool)
    with killer.connect() as connection:
        killed = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    killer.dispose()
    assert killed >= 1, "the pool's connections were dropped"
    statuses = [browser.client.get("/my-training").status_code for _ in range(5)]
    figures.append(
        f"database dropped {killed} connections in use: {statuses.count(200)} of 5 requests "
        "after it succeeded"
    )
    assert statuses == [200] * 5, "pre-ping replaces dead connections: no request fails"
