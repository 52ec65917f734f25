"""elearn as deployed: two gunicorn instances and one task consumer behind nginx.

Everything here runs from the files in deploy/ (docs/deployment.md shows them): each
service's ExecStartPre and ExecStart from its systemd unit, and nginx with the site as it
is, on loopback ports. PostgreSQL and Redis, as in production, so this runs in CI's
PostgreSQL pass (on SQLite it says so and skips). It shows that a learner signs in on one
instance and goes on through the other, that sign-in limits count across instances, that
a zip asked for on one is prepared by the consumer and downloaded through the other, that
an instance restarted under load fails no request, and that migrations run once.
"""

from __future__ import annotations

import configparser
import http.cookiejar
import io
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from elearn.config import PROJECT_DIR
from tests.conftest import FIXTURES, PASSWORD, Factory

DEPLOY = PROJECT_DIR / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def unit_commands(name: str, port: int | None = None) -> list[list[str]]:
    """A systemd unit's ExecStartPre and ExecStart, run from this checkout."""
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(DEPLOY / "systemd" / name)
    commands = []
    for key in ("ExecStartPre", "ExecStart"):
        line = unit["Service"][key].replace("/srv/elearn", str(PROJECT_DIR))
        commands.append(shlex.split(line.replace("%i", str(port))))
    return commands


@pytest.fixture(scope="module")
def deployment(app, tmp_path_factory):
    """A fresh PostgreSQL database, migrated by the first two services to start at once;
    two web instances, a consumer and nginx. Torn down, with what it made, at the end."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL and Redis, as in production (CI's PostgreSQL pass runs this)")
    if not redis_up():
        pytest.fail("Redis is not answering on 127.0.0.1:6379")
    if not os.path.exists(NGINX):
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: `make pytest` installs Debian's nginx-light")
        pytest.skip("nginx is not installed (make pytest installs it)")
    folder = tmp_path_factory.mktemp("deployment")
    name = f"elearn_instances_{uuid.uuid4().hex[:10]}"
    server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    run = Deployment(folder, make_url(url).set(database=name).render_as_string(False))
    try:
        yield run.start()
    finally:
        run.stop()
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


class Deployment:
    def __init__(self, folder: Path, database: str) -> None:
        self.folder, self.database = folder, database
        self.ports = [free_port(), free_port()]
        self.nginx_port = free_port()
        self.queue_name = f"elearn-test-{uuid.uuid4().hex[:10]}"
        self.env = {
            **os.environ,
            "ELEARN_ENV": "development",
            "SECRET_KEY": uuid.uuid4().hex * 2,  # one secret, shared by every instance
            "DATABASE_URL": database,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "RATELIMIT_KEY_PREFIX": self.queue_name,
            "ELEARN_TASKS_URL": "redis://127.0.0.1:6379/0",
            "ELEARN_TASKS_NAME": self.queue_name,
            "ELEARN_CONTENT_DIR": str(FIXTURES / "content"),
            "ELEARN_BASE_URL": f"http://127.0.0.1:{self.nginx_port}",
            "ELEARN_PROXY_HOPS": "1",
            "MAIL_SERVER": "",
        }
        self.processes: dict[str, subprocess.Popen] = {}
        self.starts: list[str] = []  # what each ExecStartPre printed

    def service(self, label: str, unit: str, port: int | None = None) -> subprocess.Popen:
        """Start a service as systemd would: its ExecStartPre, then its ExecStart."""
        instance = self.folder / label  # nothing shared on disk between the services
        instance.mkdir(exist_ok=True)
        env = {**self.env, "ELEARN_INSTANCE_DIR": str(instance)}
        before, command = unit_commands(unit, port)
        migrated = subprocess.run(  # noqa: S603  # nosec B603: the unit's own command
            before, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
        )
        assert migrated.returncode == 0, migrated.stderr
        self.starts.append(migrated.stderr)
        log = (self.folder / f"{label}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603  # nosec B603: the unit's own command
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes[label] = process
        return process

    def start(self) -> Deployment:
        # The first two services start at once: each runs the migrations first.
        starting = [
            threading.Thread(target=self.service, args=(f"web{n}", "elearn-web@.service", p))
            for n, p in enumerate(self.ports)
        ]
        for thread in starting:
            thread.start()
        for thread in starting:
            thread.join()
        self.service("consumer", "elearn-consumer.service")
        self.nginx()
        for port in (*self.ports, self.nginx_port):
            self.wait_until_served(port)
        return self

    def nginx(self) -> None:
        site = (DEPLOY / "nginx" / "elearn.conf").read_text()
        for old, new in (
            ("listen 80;", f"listen 127.0.0.1:{self.nginx_port};"),
            ("server 127.0.0.1:8001 ", f"server 127.0.0.1:{self.ports[0]} "),
            ("server 127.0.0.1:8002 ", f"server 127.0.0.1:{self.ports[1]} "),
            ("/var/log/nginx/elearn.access.log", str(self.folder / "nginx-access.log")),
        ):
            assert old in site, old
            site = site.replace(old, new)
        (self.folder / "site.conf").write_text(site)
        temp = self.folder / "nginx-temp"
        temp.mkdir()
        (self.folder / "nginx.conf").write_text(
            f"""daemon off;
user root;
worker_processes 1;
pid {self.folder}/nginx.pid;
error_log {self.folder}/nginx-error.log;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {self.folder}/site.conf;
}}
"""
        )
        self.processes["nginx"] = subprocess.Popen(  # noqa: S603  # nosec B603
            [NGINX, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf")],
            stdout=(self.folder / "nginx.log").open("ab"),
            stderr=subprocess.STDOUT,
        )

    def wait_until_served(self, port: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=5)
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"nothing served on {port}\n{self.logs()}")

    def restart(self, label: str, port: int) -> None:
        """`systemctl restart elearn-web@port`: SIGTERM (gunicorn's graceful stop), then
        start again."""
        process = self.processes[label]
        process.send_signal(signal.SIGTERM)
        assert process.wait(45) == 0
        self.service(label, "elearn-web@.service", port)
        self.wait_until_served(port)

    def logs(self) -> str:
        return "\n".join(f"== {p.name}\n{p.read_text()[-3000:]}" for p in self.folder.glob("*.log"))

    def stop(self) -> None:
        for label, process in self.processes.items():
            if process.poll() is None:
                process.send_signal(signal.SIGINT if label == "consumer" else signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        redis = __import__("redis").Redis(host="127.0.0.1", port=6379, db=0)
        for key in redis.scan_iter(f"*{self.queue_name}*"):  # only what this test made
            redis.delete(key)
        redis.close()

    def session(self) -> Session:
        return Session(create_engine(self.database), expire_on_commit=False)


class Visitor:
    """A browser: one cookie jar for every port of 127.0.0.1, as cookies are per host."""

    def __init__(self, address: str | None = None) -> None:
        self.address = address  # the client's, as the proxy in front would pass it on
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def get(self, url: str) -> tuple[int, bytes, dict]:
        return self.open(urllib.request.Request(url))  # noqa: S310  # loopback only

    def post(self, url: str, data: dict, token_from: str | None = None) -> tuple[int, bytes]:
        status, page, _ = self.get(token_from or url)
        token = BeautifulSoup(page, "html.parser").find("input", {"name": "csrf_token"})
        form = urllib.parse.urlencode({"csrf_token": token["value"], **data}).encode()
        request = urllib.request.Request(url, data=form, method="POST")  # noqa: S310
        status, body, _ = self.open(request)
        return status, body

    def open(self, request) -> tuple[int, bytes, dict]:
        if self.address:
            request.add_header("X-Forwarded-For", self.address)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def text(page: bytes) -> str:
    return " ".join(BeautifulSoup(page, "html.parser").get_text(" ").split())


@pytest.fixture(scope="module")
def people(deployment):
    from elearn.certificates.codes import new_code

    with deployment.session() as session:
        make = Factory(session)
        org = make.organisation("Two Instances Ltd")
        for number in range(3):
            member = make.user(org=org, full_name=f"Member {number}")
            make.certificate(make.completion(member), new_code())
        manager = make.user("manager@instances.example", org=org, role="manager")
        learner = make.user("learner@instances.example", org=org)
        return {"org": org.id, "manager": manager.email, "learner": learner.email}


def sign_in(visitor: Visitor, base: str, email: str) -> int:
    status, _ = visitor.post(f"{base}/sign-in", {"email": email, "password": PASSWORD})
    return status


def test_migrations_run_once_when_two_instances_start_at_once(deployment):
    applied = [re.findall(r"Running upgrade \S+ -> (\S+),", start) for start in deployment.starts]
    revisions = [revision for start in applied for revision in start]
    assert revisions, "the first instance migrated the new database"
    assert len(revisions) == len(set(revisions)), "no migration ran twice"
    assert sorted(map(len, applied))[:-1] == [0] * (len(applied) - 1), "one migrated, alone"


def test_a_learner_signs_in_on_one_instance_and_goes_on_through_the_other(deployment, people):
    first, second = (f"http://127.0.0.1:{port}" for port in deployment.ports)
    learner = Visitor()
    assert sign_in(learner, first, people["learner"]) == 302
    status, page, _ = learner.get(f"{second}/my-training")
    assert status == 200 and "My training" in text(page)
    status, page, _ = learner.get(f"http://127.0.0.1:{deployment.nginx_port}/my-training")
    assert status == 200 and "My training" in text(page)
    status, _ = learner.post(f"{second}/sign-out", {}, token_from=f"{second}/my-training")
    assert status == 302
    assert learner.get(f"{first}/my-training")[0] == 302, "signed out on both"


def test_sign_in_limits_count_across_instances(deployment, people):
    from elearn.auth.views import SIGN_IN_LIMIT

    per_minute = int(SIGN_IN_LIMIT.split(" per minute")[0])
    guesser = Visitor("203.0.113.7")  # an address of its own: no one else's tries count
    statuses = []
    for attempt in range(per_minute + 1):
        base = f"http://127.0.0.1:{deployment.ports[attempt % 2]}"
        status, _ = guesser.post(
            f"{base}/sign-in", {"email": f"nobody{attempt}@instances.example", "password": "x"}
        )
        statuses.append(status)
    assert statuses[:per_minute] == [200] * per_minute, statuses  # the form again, with errors
    assert statuses[-1] == 429, "the limit held, half the tries on each instance"


def test_a_zip_asked_for_on_one_instance_is_downloaded_through_the_other(deployment, people):
    first, second = (f"http://127.0.0.1:{port}" for port in deployment.ports)
    archive = f"/organisations/{people['org']}/certificates/archive"
    manager = Visitor()
    assert sign_in(manager, first, people["manager"]) == 302
    assert manager.post(f"{first}{archive}", {})[0] == 302
    deadline, page = time.monotonic() + 120, ""
    while "Your zip is ready" not in page and time.monotonic() < deadline:
        time.sleep(0.3)
        page = text(manager.get(f"{second}{archive}")[1])
    assert "Your zip is ready" in page, deployment.logs()
    soup = BeautifulSoup(manager.get(f"{second}{archive}")[1], "html.parser")
    link = soup.find("a", string=re.compile("Download the zip of 3 certificates"))["href"]
    status, data, headers = manager.get(f"http://127.0.0.1:{deployment.nginx_port}{link}")
    assert status == 200 and headers["Content-Type"] == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(data)).namelist()) == 3
    assert "prepare_archive" in (deployment.folder / "consumer.log").read_text()


def test_an_instance_restarted_under_load_fails_no_request(deployment, people):
    site = f"http://127.0.0.1:{deployment.nginx_port}"
    learner = Visitor()
    assert sign_in(learner, site, people["learner"]) == 302
    statuses: list[int] = []
    stop = threading.Event()

    def load(path: str) -> None:
        visitor = learner if path == "/my-training" else Visitor()
        for _ in range(3000):  # bounded, whatever happens
            if stop.is_set():
                return
            statuses.append(visitor.get(f"{site}{path}")[0])

    loops = [threading.Thread(target=load, args=(p,)) for p in ("/my-training", "/sign-in")]
    for loop in loops:
        loop.start()
    time.sleep(1)
    before = len(statuses)
    deployment.restart("web0", deployment.ports[0])
    time.sleep(1)
    stop.set()
    for loop in loops:
        loop.join(60)
    assert before > 0 and len(statuses) > before + 20, "the load ran through the restart"
    assert set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
    served_by = re.findall(r"upstream=(\S+)", (deployment.folder / "nginx-access.log").read_text())
    assert {f"127.0.0.1:{port}" for port in deployment.ports} <= set(served_by)


def test_the_deployment_guide_shows_the_files_this_test_runs():
    guide = (PROJECT_DIR / "docs" / "deployment.md").read_text()
    files = [path for path in sorted(DEPLOY.rglob("*")) if path.is_file()]
    assert len(files) == 3
    for path in files:
        assert path.read_text() in guide, f"docs/deployment.md does not show {path} as it is"


def test_the_web_unit_names_code_that_exists():
    import importlib

    command = unit_commands("elearn-web@.service", 8001)[1]
    module, name = command[command.index("--logger-class") + 1].rsplit(".", 1)
    assert getattr(importlib.import_module(module), name)
    assert Path(command[0]).name == "gunicorn" and command[-1] == "app:app"
    assert (PROJECT_DIR / "app.py").exists()
