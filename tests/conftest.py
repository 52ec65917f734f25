"""Fixtures: one app per run on a migrated database, wiped between tests.

Tests never hold an app context while they make requests: Flask reuses a pushed app
context for each request, which would share `g` (and so the signed-in user) between
requests. Test code reads and writes the database through its own `session`.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from elearn import create_app, tasks
from elearn.config import TestConfig
from elearn.courses.standing import update_standing
from elearn.database import wants_immediate
from elearn.extensions import db, limiter
from elearn.models import (
    Certificate,
    Completion,
    Membership,
    Organisation,
    Role,
    User,
    utcnow,
)

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "correct horse battery staple"
PASSWORD_HASH = generate_password_hash(PASSWORD)  # hashed once: scrypt is slow on purpose


class ClosingClient(FlaskClient):
    """A test client that closes each response, as a WSGI server does once it has sent it:
    the work a view left for after the response (elearn.mail.after_response) runs then."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        response.get_data()  # read whole first, as a server sends it, so nothing is cut
        response.close()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    config = TestConfig(instance, os.environ.get("DATABASE_URL"))
    config.ELEARN_CONTENT_DIR = FIXTURES / "content"
    app = create_app(config)
    app.test_client_class = ClosingClient
    with app.app_context():
        upgrade()
        event.listen(db.engine, "before_cursor_execute", _refuse_writes_in_reading_work)
    return app


WRITES = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|SAVEPOINT|WITH\b.*\b(INSERT|UPDATE|DELETE))\b", re.I | re.S
)


def _refuse_writes_in_reading_work(connection, cursor, statement, *args) -> None:
    """On PostgreSQL a page that only reads runs without a transaction (elearn/database.py),
    where a write would commit statement by statement, half done if the request failed
    (and a savepoint fails outright). The suite fails any write made there, on both
    engines: it belongs in `writing()`."""
    if not WRITES.match(statement):
        return
    in_autocommit = getattr(connection.connection.dbapi_connection, "autocommit", False)
    if not wants_immediate() or in_autocommit is True:
        raise AssertionError(f"a write in work that only reads: {statement[:120]}")


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replaces pytest-flask's: no request context is held around a test (see above)."""
    yield


@pytest.fixture(autouse=True)
def _tasks_run_in_the_suite_s_app(app):
    """A test that creates an app of its own (a second worker, production settings) points
    the task queue at it: after the test, tasks run at once in the suite's app again."""
    yield
    if tasks._app is not app or not tasks.huey.immediate:
        tasks.init_app(app)


class TaskQueue:
    """Tasks held in the queue (Huey's, in memory) until the test runs them."""

    def __len__(self) -> int:
        return tasks.huey.pending_count()

    def run(self) -> int:
        """Run what is queued, as the consumer would: the number of tasks run."""
        return tasks.run_queued()


@pytest.fixture
def task_queue():
    """Tasks wait in the queue instead of running where they are queued (the suite's
    default, TASKS_IMMEDIATE), so a test sees what a page shows meanwhile."""
    tasks.huey._immediate = False
    try:
        yield TaskQueue()
    finally:
        tasks.huey.flush()
        tasks.huey._immediate = True


@pytest.fixture(scope="session")
def engine(app):
    """The tests' own engine. On SQLite it keeps pysqlite's default transactions, where a
    SELECT takes no lock and sees the latest commit (the app's engine begins every
    transaction IMMEDIATE, which would hold the write lock while a test reads)."""
    with app.app_context():
        app_engine = db.engine
    if app_engine.dialect.name != "sqlite":
        yield app_engine
        return
    engine = create_engine(app_engine.url, connect_args={"timeout": 30})
    yield engine
    engine.dispose()


@pytest.fixture
def session(app, engine):
    """A database session of the test's own, committed by the factories."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
    _wipe(engine)
    with app.app_context():
        limiter.reset()
    mail_dir = Path(app.config["MAIL_DIR"])
    for message in mail_dir.glob("*.eml") if mail_dir.exists() else ():
        message.unlink()


def _wipe(engine) -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


def sqlite_writer_waits(engine) -> str:
    """Whether a web request could write to the SQLite database now, without waiting:
    "free", or SQLite's reason why not (some work holds the write lock)."""
    import sqlite3

    writer = sqlite3.connect(engine.url.database, timeout=0)
    try:
        writer.execute("BEGIN IMMEDIATE")
        return "free"
    except sqlite3.OperationalError as error:
        return str(error)
    finally:
        writer.close()


class Factory:
    """Makes people and organisations with keyword overrides: make_user(org=..., role=...)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.count = 0

    def organisation(
        self, name: str | None = None, sector: str = "business", **values
    ) -> Organisation:
        """An approved organisation unless told otherwise (status="pending", contact_...)."""
        self.count += 1
        organisation = Organisation(
            name=name or f"Organisation {self.count}", sector=sector, **values
        )
        self.session.add(organisation)
        self.session.commit()
        return organisation

    def user(
        self,
        email: str | None = None,
        full_name: str | None = None,
        password: str = PASSWORD,
        org: Organisation | None = None,
        role: str = Role.MEMBER,
        admin: bool = False,
        team: str | None = None,
    ) -> User:
        self.count += 1
        user = User(
            email=email or f"person{self.count}@example.com",
            full_name=full_name or f"Person {self.count}",
            is_cst_admin=admin,
        )
        if password == PASSWORD:
            user.password_hash = PASSWORD_HASH
        else:
            user.set_password(password)
        self.session.add(user)
        self.session.flush()
        if org is not None:
            self.session.add(
                Membership(user_id=user.id, organisation_id=org.id, role=role, team=team)
            )
        self.session.commit()
        return user

    def completion(self, user: User, course_slug: str = "basics", **values) -> Completion:
        values = {"course_version": "1.0", "sequence": 1, "completed_at": utcnow(), **values}
        completion = Completion(user_id=user.id, course_slug=course_slug, **values)
        self.session.add(completion)
        self.session.flush()
        update_standing(user.id, course_slug, self.session)
        self.session.commit()
        return completion

    def certificate(self, completion: Completion, code: str, save: bool = True, **values):
        """A certificate of the completion, in the holder's name unless told otherwise;
        save=False builds one only to render it."""
        holder = self.session.get(User, completion.user_id)
        values = {
            "name_printed": holder.full_name,
            "course_title": "Basics",
            "course_version": "1.0",
            "method": "e-learning",
            "issuer": "CST",
            "completed_at": completion.completed_at,
            "expires_at": completion.expires_at,
            **values,
        }
        certificate = Certificate(
            code=code,
            completion_id=completion.id,
            user_id=holder.id,
            course_slug=completion.course_slug,
            **values,
        )
        if save:
            self.session.add(certificate)
            self.session.commit()
        return certificate


@pytest.fixture
def make(session) -> Factory:
    return Factory(session)


class Page:
    """A fetched HTML page, checked for what every page must have."""

    def __init__(self, response) -> None:
        self.response = response
        self.status = response.status_code
        self.soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")

    @property
    def h1(self) -> str:
        return " ".join(self.soup.h1.get_text().split())

    def text(self) -> str:
        return " ".join(self.soup.get_text().split())

    def csrf_token(self) -> str:
        return self.soup.find("input", {"name": "csrf_token"})["value"]

    def error_summary(self) -> list[str]:
        summary = self.soup.select(".govuk-error-summary__list a")
        return [" ".join(link.get_text().split()) for link in summary]

    def check(self) -> None:
        headings = self.soup.find_all("h1")
        assert len(headings) == 1, f"expected one <h1>, found {len(headings)}"
        title = " ".join(self.soup.title.get_text().split()).removeprefix("Error: ")
        assert title.startswith(self.h1), f"title {title!r} does not start with {self.h1!r}"
        ids = Counter(tag["id"] for tag in self.soup.find_all(id=True))
        duplicates = [key for key, count in ids.items() if count > 1]
        assert not duplicates, f"duplicate ids: {duplicates}"
        policy = self.response.headers["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        for script in self.soup.find_all("script"):
            assert script.get("nonce") == nonce, f"script without the CSP nonce: {script}"
        assert not self.soup.find(style=True), "inline style attribute"


class Browser:
    """The test client with a page check on every HTML page and CSRF tokens handled."""

    def __init__(self, client) -> None:
        self.client = client
        self.last: Page | None = None

    def get(self, path: str, status: int = 200) -> Page:
        response = self.client.get(path)
        assert response.status_code == status, (
            f"GET {path}: {response.status_code}, expected {status}"
        )
        page = Page(response)
        if response.mimetype == "text/html" and status != 302:
            page.check()
        self.last = page
        return page

    def token(self) -> str:
        """A CSRF token for this session, from the last page or a page with a form."""
        for path in ("/courses", "/sign-in"):
            if self.last is not None and self.last.soup.find("input", {"name": "csrf_token"}):
                break
            self.last = Page(self.client.get(path))
        return self.last.csrf_token()

    def post(self, path: str, data: dict | None = None, status: int = 302, csrf=True) -> Page:
        data = dict(data or {})
        if csrf and "csrf_token" not in data:
            data["csrf_token"] = self.token()
        response = self.client.post(path, data=data)
        assert response.status_code == status, (
            f"POST {path}: {response.status_code}, expected {status}"
        )
        page = Page(response)
        if response.mimetype == "text/html" and status not in (301, 302, 303):
            page.check()
        self.last = page
        return page

    def sign_in(self, user_or_email, password: str = PASSWORD) -> None:
        email = getattr(user_or_email, "email", user_or_email)
        self.get("/sign-in")
        page = self.post("/sign-in", {"email": email, "password": password})
        assert "/sign-in" not in page.response.headers["Location"], "signed in"

    def sign_out(self) -> None:
        self.get("/my-training")
        self.post("/sign-out")


@pytest.fixture
def browser(app, session) -> Browser:
    # Not pytest-flask's `client`: it keeps each request's context pushed until the next
    # request, and a second client's requests would then share its `g` (and signed-in user).
    return Browser(app.test_client())


@pytest.fixture
def other_browser(app, session) -> Browser:
    return Browser(app.test_client())


FIGURES: list[str] = []


@pytest.fixture
def figures() -> list[str]:
    """Lines a test wants in the run's summary: requests tried, data lost, timings."""
    return FIGURES


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("elearn figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
