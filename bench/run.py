"""`make bench`: elearn at City scale, timed as its users wait for it.

Builds the synthetic population (bench/population.py) on a fresh database, then measures
each path as median and 95th percentile over repeated runs, writes the figures as JSON to
bench/results/ and prints them as a table. DATABASE_URL (an empty PostgreSQL database)
runs the same against PostgreSQL. `python -m bench.run --documents` measures only the
documents (certificates, their zips, the committee paper) on the same population.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess  # nosec B404
import sys
import threading
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from bench.population import Scale, build
from elearn import create_app
from elearn.config import PROJECT_DIR, Config, database_url, engine_options

RESULTS = PROJECT_DIR / "bench" / "results"
DATA = PROJECT_DIR / "bench" / ".data"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) elearn-bench"
PASSWORD = "bench password 2026"  # noqa: S105 - a synthetic population's
DASHBOARD_SERVED = "dashboard as served, training recorded"
LARGEST_ZIP = "zip of the 5,000-member organisation's"
DURING_ZIP = "module page, in the worker preparing it"
COMMITTEE_PDF = "committee PDF, typeset (figures worked out)"
COMMITTEE_WORD = "committee Word document, made (figures worked out)"
TARGETS = {
    DASHBOARD_SERVED: ("p95_ms", 300),
    "organisation progress, 5,000 members": ("p95_ms", 150),
    "certificate PDF": ("p95_ms", 15),
    "import of 10,000 CSV rows": ("median_ms", 5000),
}
NOTES = {
    "dashboard (computed)": "what a view waits for when no figures are kept for it",
    DURING_ZIP: "while the largest zip is prepared in the same process",
}


class BenchConfig(Config):
    def __init__(self, instance: Path, url: str | None) -> None:
        super().__init__()
        self.INSTANCE_DIR = instance
        self.MAIL_DIR = instance / "mail"
        self.SQLALCHEMY_DATABASE_URI = database_url(url, instance)
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.RATELIMIT_ENABLED = False
        self.REPORT_CACHE_SECONDS = 0
        self.TASKS_URL = "memory://"  # `consumer` runs the tasks in this process
        self.ELEARN_CONTENT_DIR = PROJECT_DIR / "content"
        self.SERVER_NAME = "localhost"
        self.PROPAGATE_EXCEPTIONS = True  # a failure shows its traceback, not a 500 page


class Consumer:
    """The task consumer's work, on a thread of the benchmark's process (the queue is in
    its memory): tasks run beside what is measured, on the same two cores, as a consumer
    process would run them beside the web workers."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.idle = threading.Event()
        self.thread = threading.Thread(target=self.run, name="bench-consumer", daemon=True)
        self.thread.start()

    def run(self) -> None:
        from elearn import tasks

        while not self.stopping.is_set():
            self.idle.clear()  # before taking a task, so that drain() never misses one
            queued = tasks.huey.dequeue()
            if queued is None:
                self.idle.set()
                time.sleep(0.01)
                continue
            tasks.huey.execute(queued)

    def drain(self, timeout: float = 1800) -> None:
        """Wait until every task queued so far has run."""
        from elearn import tasks

        deadline = time.monotonic() + timeout
        time.sleep(0.05)
        while tasks.huey.pending_count() or not self.idle.is_set():
            assert time.monotonic() < deadline, "tasks still running"
            time.sleep(0.02)


consumer: Consumer  # started by main(), once the app is made


def timed(function, runs: int, before=None) -> dict:
    """Median and 95th percentile of function's time; before (untimed) runs ahead of each."""
    before = before or (lambda: None)
    before()
    function()  # warm up
    samples = []
    for _ in range(runs):
        before()
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return summary(samples)


def summary(samples: list[float]) -> dict:
    """Median and 95th percentile of timings in milliseconds."""
    samples = sorted(samples)
    return {
        "runs": len(samples),
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2),
    }


def client_as(app, email: str):
    from tests.conftest import Browser  # the suite's client: signs in through the form

    browser = Browser(app.test_client())
    browser.sign_in(email, PASSWORD)
    return browser.client


def ok(response, status: int = 200):
    assert response.status_code == status, response.status_code
    return response


def main() -> int:
    url = os.environ.get("DATABASE_URL")
    if DATA.exists():
        shutil.rmtree(DATA)
    DATA.mkdir(parents=True)
    global consumer
    app = create_app(BenchConfig(DATA, url))
    consumer = Consumer()
    results: dict[str, dict] = {"machine speed": {"python_loop_s": machine_speed()}}
    with app.app_context():
        from elearn.extensions import db

        upgrade()
        start = time.perf_counter()
        population = build(db.engine, Scale())
        generated = time.perf_counter() - start
        analyse(db)
        people = setup_people(db, population)
    print(f"population: {population.counts} in {generated:.1f} s", flush=True)
    results["population"] = {"seconds": round(generated, 1), **population.counts}
    if "--documents" in sys.argv[1:]:
        measure_documents(app, people, population, results)
        results["machine speed"]["python_loop_after_s"] = machine_speed()
        report(results, url)
        return 0
    measure_pages(app, people, population, results)
    if "--pages" not in sys.argv[1:]:  # pages and throughput alone: a quicker run
        measure_work(app, people, population, results)
    results.update(measure_http(url, people["learner"]))
    results["machine speed"]["python_loop_after_s"] = machine_speed()
    report(results, url)
    return 0


def machine_speed() -> float:
    """Seconds for a fixed pure-Python loop: the figures of runs on different machines, or
    on one machine at busier times, compare only after allowing for this."""
    start = time.perf_counter()
    total = 0
    for number in range(10_000_000):
        total += number
    return round(time.perf_counter() - start, 2)


def analyse(db) -> None:
    """Statistics for the planner, as a settled database has them; on PostgreSQL also the
    visibility map, without which no index can be read alone (autovacuum does this in
    production, long before a population this size has been read)."""
    from sqlalchemy import text

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        return
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def setup_people(db, population) -> dict[str, str]:
    """Real passwords for the few people the benchmark signs in as."""
    from elearn.models import Membership, User

    hashed = generate_password_hash(PASSWORD)
    learner = db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == population.large_organisation_id,
            Membership.role == "member",
            Membership.left_at.is_(None),
        )
        .limit(1)
    )
    manager = db.session.get(User, population.large_manager_id)
    admin = db.session.get(User, population.admin_id)
    for user in (learner, manager, admin):
        user.password_hash = hashed
    db.session.commit()
    return {"learner": learner.email, "manager": manager.email, "admin": admin.email}


def measure_pages(app, people, population, results) -> None:
    """Every page a person waits for, in-process, each with the SQL statements it runs."""
    learner = client_as(app, people["learner"])
    manager = client_as(app, people["manager"])
    admin = client_as(app, people["admin"])
    visitor = app.test_client()
    organisation = population.large_organisation_id
    quiz, result = open_quiz_and_result(app, learner)
    pasted, uploaded = invitation_checks(manager, organisation)
    code = a_certificate_code(app)
    pages = {
        "module page": (learner, "/courses/wrap/prevent-and-contest", 200),
        "course page": (learner, "/courses/wrap", 200),
        "quiz page, an open attempt": (learner, quiz, 200),
        "quiz result": (learner, result, 200),
        "catalogue": (learner, "/courses", 200),
        "contacts page": (learner, "/contacts", 200),
        "my training": (learner, "/my-training", 200),
        "sign-in page": (visitor, "/sign-in", 200),
        "verify page": (visitor, "/verify", 200),
        "a verified certificate": (visitor, f"/verify/{code}", 200),
        "organisation overview, 5,000 members": (manager, f"/organisations/{organisation}", 30),
        "organisation progress, 5,000 members": (
            manager,
            f"/organisations/{organisation}/members?sort=status",
            30,
        ),
        "invitation check, 20 pasted": (manager, pasted, 30),
        "CSV check, 10,000 rows": (manager, uploaded, 10),
        "dashboard (computed)": (admin, "/reports", 10),
        "dashboard CSV export (computed)": (admin, "/reports/organisations.csv", 10),
        "committee PDF (computed)": (admin, "/reports/training-update.pdf", 5),
        "committee Word document (computed)": (admin, "/reports/training-update.docx", 5),
        "organisation progress CSV, 5,000 members": (
            manager,
            f"/organisations/{organisation}/members.csv",
            10,
        ),
        **cst_pages(app, admin, population),
        **face_to_face_pages(app, admin, learner, population),
        **hub_pages(app, admin, learner, visitor, population),
    }
    for name, (client, path, runs) in pages.items():
        results[name] = timed(lambda c=client, p=path: ok(c.get(p)).get_data(), runs)
        results[name]["queries"] = statements_run(app, lambda c=client, p=path: c.get(p))
        print(f"{name}: {results[name]}", flush=True)
    results.update(floor_layers(app, people["learner"]))
    results["a sign-in"] = time_sign_in(app, people["learner"])
    print(f"a sign-in: {results['a sign-in']}", flush=True)
    measure_dashboard_as_served(app, admin, population, results)


def statements_run(app, request) -> int:
    """How many SQL statements one request runs."""
    from sqlalchemy import event

    from elearn.extensions import db

    with app.app_context():
        engine = db.engine
    statements = []

    def count(*args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        request().get_data()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def open_quiz_and_result(app, client) -> tuple[str, str]:
    """The learner's WRAP quiz with an open attempt, and the result page of a submitted
    attempt (the modules before the quiz read first, as the quiz asks)."""
    from tests.conftest import Page

    with app.app_context():
        from elearn.courses.catalogue import current_catalogue

        modules = [m.slug for m in current_catalogue().get("wrap").modules if not m.is_quiz]
    for slug in modules:
        ok(client.get(f"/courses/wrap/{slug}"))
    quiz = "/courses/wrap/knowledge-check"
    page = Page(client.get(quiz))
    form = page.soup.find("form", action=lambda a: a and "/attempts/" in a)
    data = {"csrf_token": page.csrf_token()}
    for fieldset in page.soup.select("fieldset"):
        first = fieldset.find("input")
        data.setdefault(first["name"], []).append(first["value"])
    result = ok(client.post(form["action"], data=data), 302).headers["Location"]
    return quiz, result


def invitation_checks(client, organisation: int) -> tuple[str, str]:
    """The page a manager checks before invitations go: for 20 pasted addresses, and
    for a CSV of 10,000 rows (neither confirmed, so nothing is sent)."""
    from tests.conftest import Page

    page = Page(client.get(f"/organisations/{organisation}/invitations"))
    pasted = "\n".join(f"pasted{n}@bench-check.example" for n in range(20))
    response = client.post(
        f"/organisations/{organisation}/invitations",
        data={"csrf_token": page.csrf_token(), "emails": pasted, "role": "member"},
    )
    rows = "\n".join(
        f"check{n}@bench-check.example,Check Person {n},Team {n % 9}" for n in range(10_000)
    )
    uploaded = client.post(
        f"/organisations/{organisation}/invitations/upload",
        data={
            "csrf_token": page.csrf_token(),
            "file": (io.BytesIO(f"email,name,team\n{rows}\n".encode()), "people.csv"),
        },
    )
    return ok(response, 302).headers["Location"], ok(uploaded, 302).headers["Location"]


def a_certificate_code(app) -> str:
    from elearn.certificates.codes import display_code
    from elearn.extensions import db
    from elearn.models import Certificate

    with app.app_context():
        return display_code(db.session.scalar(select(Certificate.code).limit(1)))


def floor_layers(app, email: str, runs: int = 2000) -> dict:
    """What each layer under every signed-in request costs, timed alone in a request
    carrying the learner's session cookie: microseconds, median of `runs`."""
    from flask import request, session

    from elearn.auth.accounts import load_user
    from elearn.extensions import login_manager
    from elearn.web.request_log import assign_request_id
    from elearn.web.security import set_security_headers

    client = client_as(app, email)
    cookie = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
    layers = {}
    with app.test_request_context("/my-training", headers={"Cookie": cookie}):
        app.preprocess_request()
        identity = session["_user_id"]
        response = app.response_class("ok")

        def each(name, work):
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                work()
                samples.append((time.perf_counter() - start) * 1e6)
            layers[f"floor layer: {name}"] = {"us": round(statistics.median(samples), 1)}

        each("session cookie opened", lambda: app.session_interface.open_session(app, request))
        each("the person's row", lambda: load_user(identity))
        each("Flask-Login, with the row", login_manager._load_user)
        each("security headers", lambda: set_security_headers(response))
        each("request id", assign_request_id)
    for name, figures in layers.items():
        print(f"{name}: {figures}", flush=True)
    return layers


def time_sign_in(app, email: str) -> dict:
    """The sign-in form sent, to the redirect: most of it is checking the password's
    scrypt hash, which is slow on purpose."""
    from tests.conftest import Page

    samples = []
    for _ in range(10):
        client = app.test_client()
        page = Page(client.get("/sign-in"))
        data = {"csrf_token": page.csrf_token(), "email": email, "password": PASSWORD}
        start = time.perf_counter()
        ok(client.post("/sign-in", data=data), 302)
        samples.append((time.perf_counter() - start) * 1000)
    return summary(samples)


def cst_pages(app, admin, population) -> dict[str, tuple]:
    """CST's own pages over every organisation and person: what is waiting, the lists
    (first and last page, a search) and a person's training history."""
    requests_to_register(app)
    pages = len(population.organisation_ids) // 25 + 1
    return {
        "CST tasks page": (admin, "/admin", 30),
        "organisations list": (admin, "/admin/organisations", 30),
        "organisations list, last page": (admin, f"/admin/organisations?page={pages}", 30),
        "organisations search": (admin, "/admin/organisations?q=organisation+09&sector=school", 30),
        "people list": (admin, "/admin/users", 30),
        "people search": (admin, "/admin/users?q=learner4242", 30),
        "person page": (admin, f"/admin/users/{population.learner_ids[0]}", 30),
    }


def face_to_face_pages(app, admin, learner, population, count: int = 40) -> dict[str, tuple]:
    """A year of face-to-face sessions (half past, half to come), the largest with 60
    people booked and marked: the list, a session's page as the person running it, its
    register and sign-in sheet, and the list of sessions run."""
    from datetime import timedelta

    from elearn.database import writing
    from elearn.extensions import db
    from elearn.models import Booking, TrainingSession, utcnow

    with app.app_context(), writing():
        now = utcnow().replace(minute=0, second=0, microsecond=0)
        sessions = [
            TrainingSession(
                public_id=f"bench{number:011d}",
                course_slug="wrap",
                title=f"WRAP session {number}",
                starts_at=now + timedelta(days=9 * (number - count // 2)),
                ends_at=now + timedelta(days=9 * (number - count // 2), hours=2),
                venue="Guildhall",
                capacity=80,
                created_by_id=population.admin_id,
            )
            for number in range(count)
        ]
        db.session.add_all(sessions)
        db.session.flush()
        largest = sessions[count // 2 - 1]  # the last one past: its register is kept
        marks = ("attended", "attended", "partly", "absent")
        db.session.add_all(
            Booking(
                session_id=largest.id,
                user_id=user_id,
                attendance=marks[number % len(marks)],
            )
            for number, user_id in enumerate(population.learner_ids[:60])
        )
        db.session.commit()
        reference = largest.public_id
    return {
        "face-to-face sessions list": (learner, "/sessions", 30),
        "a session, as CST, 60 booked": (admin, f"/sessions/{reference}", 30),
        "a session's register, 60 booked": (admin, f"/sessions/{reference}/register", 30),
        "sign-in sheet PDF, 60 booked": (admin, f"/sessions/{reference}/sign-in-sheet.pdf", 5),
        "sessions run, 40 sessions": (admin, "/sessions/manage", 30),
    }


def hub_pages(app, admin, learner, visitor, population, count: int = 3000) -> dict[str, tuple]:
    """A year of the hub's findings across the City (a tenth still open, half passed to
    street cleansing), 20 of them the learner's and 300 with a position: reporting, the
    learner's reports, CST's queue and a finding, the figures, their export and the
    partners page."""
    import secrets
    from datetime import timedelta

    from elearn.database import writing
    from elearn.extensions import db
    from elearn.models import Finding, Organisation, utcnow

    kinds = ("graffiti", "sticker", "poster", "other")
    strands = ("race", "religion", "antisemitic", "anti_muslim", "extreme_right", "not_known")
    districts = ("EC1A", "EC2V", "EC2Y", "EC3V", "EC4M", "EC4V", "EC3A", "EC2M")
    with app.app_context(), writing():
        now = utcnow().replace(microsecond=0)
        partner = db.session.get(Organisation, population.organisation_ids[0])
        partner.hub_partner = True
        partner.hub_link_token = secrets.token_urlsafe(32)
        findings = []
        for number in range(count):
            reported = now - timedelta(hours=3 * number)
            cleansing = number % 2 == 0
            findings.append(
                Finding(
                    public_id=secrets.token_hex(16),
                    form_id=secrets.token_hex(16),
                    reporter_id=population.learner_ids[0] if number < 20 else None,
                    organisation_id=partner.id if number % 3 == 0 else None,
                    kind=kinds[number % len(kinds)],
                    strand=strands[number % len(strands)],
                    description="Stickers of a banned group on a lamp post",
                    place="Lamp post by the bus stop",
                    postcode=f"{districts[number % len(districts)]} {number % 9}AB",
                    latitude=51.51 + (number % 100) / 10_000 if number % 10 == 0 else None,
                    longitude=-0.09 - (number % 100) / 10_000 if number % 10 == 0 else None,
                    seen_at=reported - timedelta(hours=1),
                    reported_at=reported,
                    status="new" if number % 10 == 1 else "removed" if cleansing else "closed",
                    removal_due_at=reported + timedelta(hours=24) if cleansing else None,
                    removed_at=reported + timedelta(hours=6 + number % 40) if cleansing else None,
                )
            )
        db.session.add_all(findings)
        db.session.commit()
        first, link = findings[1].public_id, partner.hub_link_token
    return {
        "hub: report form": (learner, "/hub/new", 30),
        "hub: your reports, 20": (learner, "/hub", 30),
        "hub: report form through a partner's link": (visitor, f"/hub/report/{link}", 30),
        "hub: triage queue, 300 open": (admin, "/hub/triage", 30),
        "hub: a finding to triage": (admin, f"/hub/triage/{first}", 30),
        "hub: figures, a year of 3,000 findings": (admin, "/hub/figures", 10),
        "hub: export, a year of 3,000 findings": (admin, "/hub/figures.csv", 5),
        "hub: partners page": (admin, "/hub/partners", 30),
    }


def requests_to_register(app, count: int = 50) -> None:
    """Requests to register waiting for CST, as the tasks page meets them: every other
    one named like an organisation already known, so the check for a second
    registration has work to do."""
    from elearn.database import writing
    from elearn.extensions import db
    from elearn.models import Organisation

    with app.app_context(), writing():
        for number in range(count):
            known = f"Bench organisation {number * 7:04} Ltd"
            db.session.add(
                Organisation(
                    name=known if number % 2 else f"New business {number}",
                    sector="business",
                    status="pending",
                    contact_name="Bench contact",
                    contact_email=f"contact@new{number}.example",
                )
            )
        db.session.commit()


def measure_dashboard_as_served(app, admin, population, results) -> None:
    """The dashboard as CST meets it at City scale, where training is recorded all day.

    Before each view someone completes a course, so the figures the worker keeps are
    never current: each view shows them, and the task each queues works out new ones on
    the same two cores (elearn/reports/cache.py), as in production."""
    consumer.drain()
    app.config.update(REPORT_CACHE_SECONDS=300, REPORT_STALE_SECONDS=900)
    learners = iter(population.learner_ids)
    shown_older = []

    def view():
        page = ok(admin.get("/reports")).get_data(as_text=True)
        shown_older.append("Newer ones are being worked out now" in page)

    someone_completes = lambda: record_completion(app, next(learners))  # noqa: E731
    results[DASHBOARD_SERVED] = timed(view, 50, before=someone_completes)
    results[DASHBOARD_SERVED]["views_showing_older_figures"] = sum(shown_older[1:])
    consumer.drain()
    app.config.update(REPORT_CACHE_SECONDS=0)
    print(f"{DASHBOARD_SERVED}: {results[DASHBOARD_SERVED]}", flush=True)


def record_completion(app, user_id: int) -> None:
    """What the quiz's last pass records: a completion and the person's standing."""
    from sqlalchemy import func

    from elearn.courses.standing import update_standing
    from elearn.database import writing
    from elearn.extensions import db
    from elearn.models import Completion, utcnow

    with app.app_context(), writing():
        sequence = db.session.scalar(
            select(func.coalesce(func.max(Completion.sequence), 0)).where(
                Completion.user_id == user_id, Completion.course_slug == "wrap"
            )
        )
        now = utcnow()
        db.session.add(
            Completion(
                user_id=user_id,
                course_slug="wrap",
                course_version="bench",
                sequence=sequence + 1,
                completed_at=now,
                expires_at=now.replace(year=now.year + 1),
            )
        )
        db.session.flush()
        update_standing(user_id, "wrap")
        db.session.commit()


def measure_work(app, people, population, results) -> None:
    measure_documents(app, people, population, results, pages=False)
    results["quiz submission"] = time_quiz_submissions(app, people)
    results["import of 10,000 CSV rows"] = time_import(app, people, population)
    for name in ("quiz submission", "import of 10,000 CSV rows"):
        print(f"{name}: {results[name]}", flush=True)


def measure_documents(app, people, population, results, pages: bool = True) -> None:
    """Certificates (each a different one, as a zip makes them: Typst keeps the layout of
    a document it has just made, so making the same one again would cost almost nothing),
    the zips, and the committee paper typeset from different figures each time."""
    from elearn.certificates.codes import display_code
    from elearn.certificates.pdf import certificate_pdf
    from elearn.extensions import db
    from elearn.models import Certificate

    with app.app_context():
        certificates = db.session.scalars(select(Certificate).limit(500)).all()
        db.session.expunge_all()

    def url(certificate) -> str:
        return f"https://x/verify/{display_code(certificate.code)}"

    with app.test_request_context():
        turn = itertools.cycle(certificates)
        results["certificate PDF"] = timed(
            lambda: certificate_pdf(c := next(turn), url(c)), len(certificates) - 1
        )

        def zip_of_500():
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for certificate in certificates:
                    archive.writestr(
                        f"{certificate.id}.pdf", certificate_pdf(certificate, url(certificate))
                    )

        results["zip of 500 certificates"] = timed(zip_of_500, 3)
    results.update(time_committee_paper(app))
    if pages:
        admin = client_as(app, people["admin"])
        for name, path in (
            ("committee PDF (computed)", "/reports/training-update.pdf"),
            ("committee Word document (computed)", "/reports/training-update.docx"),
        ):
            results[name] = timed(lambda p=path: ok(admin.get(p)).get_data(), 5)
    results[LARGEST_ZIP], results[DURING_ZIP] = time_archive(app, people, population)
    for name in (
        "certificate PDF",
        "zip of 500 certificates",
        COMMITTEE_PDF,
        COMMITTEE_WORD,
        LARGEST_ZIP,
        DURING_ZIP,
    ):
        print(f"{name}: {results[name]}", flush=True)


def time_committee_paper(app) -> dict:
    """The committee paper made from the default view's figures, altered a little each
    time (so that none is a repeat), without the time to work the figures out."""
    from dataclasses import replace

    from elearn.reports import dashboard
    from elearn.reports.pdf import training_update_pdf
    from elearn.reports.word import training_update_docx

    with app.app_context():
        figures = dashboard.build(dashboard.default_query(), dashboard.titles())
    runs = itertools.count()

    def altered():
        number = next(runs)
        headline = replace(figures.headline, completions=figures.headline.completions + number)
        return replace(figures, headline=headline)

    with app.app_context():
        return {
            COMMITTEE_PDF: timed(lambda: training_update_pdf(altered()), 200),
            COMMITTEE_WORD: timed(lambda: training_update_docx(altered()), 50),
        }


def time_archive(app, people, population) -> tuple[dict, dict]:
    """The 5,000-member organisation's zip of every current certificate, asked for by its
    manager and prepared by its task (elearn/certificates/archives.py); and a learner's
    module page in the same process meanwhile, every 50 ms, on the same two cores."""
    from elearn.certificates import archives
    from elearn.extensions import db
    from elearn.models import CertificateArchive, Organisation, User

    learner = client_as(app, people["learner"])
    prepared = threading.Event()
    with app.app_context():
        organisation = db.session.get(Organisation, population.large_organisation_id)
        manager = db.session.get(User, population.large_manager_id)
        start = time.perf_counter()
        with app.test_request_context(method="POST"):
            asked, _ = archives.request_archive(organisation, manager)

    def wait() -> None:
        consumer.drain()
        prepared.set()

    threading.Thread(target=wait).start()
    # Outside any application context: each request has its own, as in a worker (inside
    # one, the requests would share its session and its first snapshot of the data).
    samples = []
    while not prepared.wait(0.05):
        began = time.perf_counter()
        ok(learner.get("/courses/wrap/prevent-and-contest"))
        samples.append((time.perf_counter() - began) * 1000)
    seconds = time.perf_counter() - start
    with app.app_context():
        archive = db.session.get(CertificateArchive, asked)
        assert archive.status == "ready", archive.status
    largest = {
        "seconds": round(seconds, 1),
        "certificates": archive.certificates,
        "mb": round(archive.size / 1e6),
    }
    return largest, summary(samples)


def time_quiz_submissions(app, people) -> dict:
    """Each run: open a fresh attempt, then time only the submission."""
    from tests.conftest import Page

    client = client_as(app, people["learner"])
    with app.app_context():
        from elearn.courses.catalogue import current_catalogue

        modules = [m.slug for m in current_catalogue().get("wrap").modules if not m.is_quiz]
    for slug in modules:  # the quiz opens once the modules before it have been read
        ok(client.get(f"/courses/wrap/{slug}"))
    samples = []
    for _ in range(30):
        page = Page(client.get("/courses/wrap/knowledge-check"))
        form = page.soup.find("form", action=lambda a: a and "/attempts/" in a)
        data = {"csrf_token": page.csrf_token()}
        for fieldset in page.soup.select("fieldset"):
            first = fieldset.find("input")
            data.setdefault(first["name"], []).append(first["value"])
        start = time.perf_counter()
        ok(client.post(form["action"], data=data), 302)
        samples.append((time.perf_counter() - start) * 1000)
    return summary(samples)


def time_import(app, people, population) -> dict:
    """Upload, preview and confirm 10,000 invitations, as the manager does."""
    from tests.conftest import Page

    client = client_as(app, people["manager"])
    organisation = population.large_organisation_id
    samples, sending = [], []
    for run in range(2):
        rows = "\n".join(
            f"new{run}x{n}@bench-import.example,New Person {n},Team {n % 9}" for n in range(10_000)
        )
        page = Page(client.get(f"/organisations/{organisation}/invitations"))
        start = time.perf_counter()
        response = ok(
            client.post(
                f"/organisations/{organisation}/invitations/upload",
                data={
                    "csrf_token": page.csrf_token(),
                    "file": (io.BytesIO(f"email,name,team\n{rows}\n".encode()), "people.csv"),
                },
            ),
            302,
        )
        preview = Page(client.get(response.headers["Location"]))
        ok(
            client.post(response.headers["Location"], data={"csrf_token": preview.csrf_token()}),
            302,
        )
        samples.append((time.perf_counter() - start) * 1000)
        sending.append(wait_for_invitations(start))
    return {
        "runs": len(samples),
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(max(samples), 1),
        "emails_sent_after_s": round(statistics.median(sending), 1),
    }


def wait_for_invitations(since: float) -> float:
    """Seconds from the upload until a large batch's emails have all been sent: a task
    sends them after the manager's confirmation, and would otherwise take the CPU from
    whatever is measured next."""
    consumer.drain()
    return time.perf_counter() - since


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(module: str, env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(  # nosec B603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--no-control-socket",  # not shared with any other gunicorn on the machine
            module,
        ],
        cwd=PROJECT_DIR,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"{module} did not start")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait()


ROUNDS = 3
# Routes that do nothing (bench/floor.py): the floor under every page, for comparison.
FLOORS = ("elearn doing nothing, visitor", "elearn doing nothing, signed in")
# Pages that must serve at least 60% of the module page's rate in the same run.
PAGES_OVER_HTTP = ("quiz page throughput", "sign-in page throughput")


def load(url: str, cookie: str | None, seconds: int = 6) -> float:
    """Requests per second from wrk (a separate process), 2 threads and 8 connections.

    A signed-in learner's requests carry the browser's User-Agent that signed in: Flask-
    Login's session protection compares it on every request, and a different one marks
    the session no longer fresh (a change to the session, so a new cookie to sign)."""
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}", "-H", f"User-Agent: {USER_AGENT}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # nosec B603
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{errors.group(1)} failed responses under load: {output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def peak_worker_memory_mb(master: subprocess.Popen) -> float:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
    return round(max(peaks), 1)


def measure_http(url: str | None, learner: str) -> dict:
    if shutil.which("wrk") is None:
        print("throughput: skipped: wrk is not installed (make bench installs it)")
        return {}
    env = {
        **os.environ,
        "ELEARN_INSTANCE_DIR": str(DATA),
        "RATELIMIT_ENABLED": "false",
        "ELEARN_CONTENT_DIR": str(PROJECT_DIR / "content"),
    }
    if url:
        env["DATABASE_URL"] = url
    results = {}
    # Both served at once, each loaded in turn (an idle server costs nothing), three
    # rounds of each: the machine's speed drifts, and the ratio compares medians taken
    # over the same minute rather than two single runs.
    servers = []
    try:
        hello, hello_port = serve("bench.hello:app", env)
        servers.append(hello)
        elearn, port = serve("bench.floor:app", env)
        servers.append(elearn)
        base = f"http://127.0.0.1:{port}"
        signed_in = True
        loads = {
            "hello throughput": (f"http://127.0.0.1:{hello_port}/", None),
            "elearn doing nothing, visitor": (f"{base}/_bench/visitor", None),
            "elearn doing nothing, signed in": (f"{base}/_bench/signed-in", signed_in),
            "module page throughput": (f"{base}/courses/wrap/prevent-and-contest", signed_in),
            "quiz page throughput": (f"{base}/courses/wrap/knowledge-check", signed_in),
            "sign-in page throughput": (f"{base}/sign-in", None),
        }
        rates: dict[str, list[float]] = {name: [] for name in loads}
        for _ in range(ROUNDS):
            for name, (address, as_learner) in loads.items():
                # A browser keeps the newest cookie, re-signed once a minute
                # (elearn/web/sessions.py); wrk would send one cookie growing old.
                cookie = signed_in_cookie(port, learner) if as_learner else None
                rates[name].append(load(address, cookie))
        for name, samples in rates.items():
            results[name] = {
                "requests_per_second": round(statistics.median(samples), 1),
                "runs": [round(sample, 1) for sample in samples],
            }
        results["worker peak memory"] = {"mb": peak_worker_memory_mb(elearn)}
    finally:
        for server in servers:
            stop(server)
    ratio = (
        results["module page throughput"]["requests_per_second"]
        / results["hello throughput"]["requests_per_second"]
    )
    results["module page / hello"] = {"ratio": round(ratio, 2)}
    for name in PAGES_OVER_HTTP:
        share = (
            results[name]["requests_per_second"]
            / results["module page throughput"]["requests_per_second"]
        )
        results[f"{name} / module page"] = {"ratio": round(share, 2)}
    for name in FLOORS:
        share = (
            results[name]["requests_per_second"]
            / results["hello throughput"]["requests_per_second"]
        )
        results[f"{name} / hello"] = {"ratio": round(share, 2)}
    for name in (
        "hello throughput",
        *FLOORS,
        "module page throughput",
        *PAGES_OVER_HTTP,
        "module page / hello",
        "worker peak memory",
    ):
        print(f"{name}: {results[name]}", flush=True)
    return results


def signed_in_cookie(port: int, email: str) -> str:
    """Sign the benchmark learner in over HTTP, as a browser would, and keep the cookie."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    base = f"http://127.0.0.1:{port}"
    page = opener.open(base + "/sign-in").read().decode()  # nosec B310
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token})
    opener.open(base + "/sign-in", data.encode())  # nosec B310
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def exempt_from_twice(name: str) -> bool:
    """The reports and exports: figures over every organisation, or a whole file."""
    words = ("dashboard", "committee", "CSV", "csv", "zip", "certificate PDF", "import")
    return any(word in name for word in words) and name != "CSV check, 10,000 rows"


def report(results: dict, url: str | None) -> None:
    engine = "postgresql" if url else "sqlite"
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    payload = {
        "engine": engine,
        "when": stamp,
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "results": results,
    }
    path = RESULTS / f"{stamp}-{engine}.json"
    path.write_text(json.dumps(payload, indent=2))
    speed = results["machine speed"]
    print(
        f"\nmachine: a 10-million-step Python loop took {speed['python_loop_s']} s before and "
        f"{speed['python_loop_after_s']} s after"
    )
    print(f"\n{'path':45} {'median ms':>10} {'p95 ms':>10} {'SQL':>4}  target")
    seconds = results["population"]["seconds"]
    verdict = f"< 60 s: {'met' if seconds < 60 else 'MISSED'}" if engine == "sqlite" else ""
    print(f"{'population generated (s)':45} {seconds:>10} {'':>10}  {verdict}")
    for name, figures in results.items():
        if "median_ms" in figures:
            target = TARGETS.get(name)
            verdict = ""
            if target:
                met = figures[target[0]] < target[1]
                verdict = f"{target[0]} < {target[1]}: {'met' if met else 'MISSED'}"
            verdict = verdict or NOTES.get(name, "")
            if not verdict and "queries" in figures and not exempt_from_twice(name):
                twice = 2 * results["module page"]["median_ms"]
                met = figures["median_ms"] <= twice
                verdict = f"<= 2 x module page: {'met' if met else 'MISSED'}"
            queries = figures.get("queries", "")
            print(
                f"{name:45} {figures['median_ms']:>10} {figures['p95_ms']:>10} {queries:>4}  "
                f"{verdict}"
            )
    largest = results.get(LARGEST_ZIP)
    if largest:
        line = f"{largest['seconds']} s for {largest['certificates']:,} ({largest['mb']} MB)"
        print(f"{LARGEST_ZIP:45} {line}")
    emails = results.get("import of 10,000 CSV rows", {}).get("emails_sent_after_s")
    if emails is not None:
        print(f"{'import: all 10,000 emails sent after (s)':45} {emails:>10}")
    for name in ("hello throughput", *FLOORS, "module page throughput", *PAGES_OVER_HTTP):
        if name in results:
            share = results.get(f"{name} / hello", {}).get("ratio")
            note = f"  {share:.0%} of hello" if share is not None else ""
            of_module = results.get(f"{name} / module page", {}).get("ratio")
            if of_module is not None:
                met = "met" if of_module >= 0.6 else "MISSED"
                note = f"  {of_module:.0%} of the module page (>= 60%: {met})"
            print(f"{name:45} {results[name]['requests_per_second']:>10} req/s{note}")
    if "module page / hello" in results:
        ratio = results["module page / hello"]["ratio"]
        print(
            f"{'module page / hello':45} {ratio:>10}  >= 0.5: {'met' if ratio >= 0.5 else 'MISSED'}"
        )
        memory = results["worker peak memory"]["mb"]
        verdict = "met" if memory < 150 else "MISSED"
        print(f"{'worker peak memory (MB)':45} {memory:>10}  < 150: {verdict}")
    print(f"\nwritten to {path.relative_to(PROJECT_DIR)}")


if __name__ == "__main__":
    sys.exit(main())
