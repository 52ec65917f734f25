"""What a developer running elearn meets: links on the port served, mail files that read as
text, and the emails in the browser, none of which reaches production."""

from __future__ import annotations

import email
import re
import subprocess
from pathlib import Path

import flask.cli
import pytest
from click.testing import CliRunner
from flask import Flask

from elearn import create_app, mail
from elearn.config import PROJECT_DIR, Config, TestConfig
from elearn.dev_mail.files import NEWEST
from elearn.dev_mail.views import enabled
from tests.conftest import FIXTURES, Browser
from tests.test_organisations import REGISTRATION

# --- links follow the port served ---------------------------------------------------------


@pytest.fixture
def development(monkeypatch):
    """The environment of a developer's shell: development, no address or port chosen."""
    for name in ("ELEARN_ENV", "ELEARN_BASE_URL", "FLASK_RUN_HOST", "FLASK_RUN_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 48)  # none written into instance/
    return monkeypatch


@pytest.mark.parametrize(
    ("options", "base"),
    [
        ([], "http://127.0.0.1:5000"),
        (["--port", "5001"], "http://127.0.0.1:5001"),
        (["--host", "0.0.0.0", "-p", "5002"], "http://127.0.0.1:5002"),  # noqa: S104
        (["--host", "::1", "--port", "5003"], "http://[::1]:5003"),
    ],
)
def test_flask_run_links_to_the_port_it_serves(development, options, base):
    served = {}

    def load_app():  # what `flask --app app run` does: create the app as the server starts
        served["links"] = Config().ELEARN_BASE_URL
        return Flask("served")

    development.setattr(
        flask.cli, "run_simple", lambda host, port, app, **kw: served.update(port=port)
    )
    result = CliRunner().invoke(flask.cli.FlaskGroup(create_app=load_app), ["run", *options])
    assert result.exit_code == 0, result.output
    assert served["links"] == base
    assert served["links"].endswith(f":{served['port']}")


def test_make_run_serves_the_demo_and_its_links_on_the_port_asked(development):
    development.setenv("FLASK_RUN_PORT", "5001")  # what `make run PORT=5001` sets
    assert Config().ELEARN_BASE_URL == "http://127.0.0.1:5001"
    plan = subprocess.run(  # what make would run, without running it
        ["make", "--no-print-directory", "-n", "run", "PORT=5001"],  # noqa: S607
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    demo = next(line for line in plan.splitlines() if line.endswith(" demo"))
    run = next(line for line in plan.splitlines() if " run" in line and "flask" in line)
    for line in (demo, run):
        assert "FLASK_RUN_PORT=5001" in line, line


def test_make_run_serves_with_a_task_consumer_and_ctrl_c_stops_both(development, tmp_path):
    """The one command: the demo served, a consumer beside it, both gone after Ctrl-C."""
    import os
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    development.setenv("ELEARN_INSTANCE_DIR", str(tmp_path))
    for name in ("DATABASE_URL", "ELEARN_TASKS_URL", "MAIL_SERVER"):  # the embedded set-up
        development.delenv(name, raising=False)
    log = tmp_path / "make-run.log"
    make = subprocess.Popen(  # noqa: S603
        ["make", "--no-print-directory", "run", f"PORT={port}"],  # noqa: S607
        cwd=PROJECT_DIR,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline, status = time.monotonic() + 120, None
        while status != 200 and time.monotonic() < deadline:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/").status
            except OSError:
                time.sleep(0.5)
        while "Huey consumer started" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status == 200 and "Huey consumer started" in log.read_text(), log.read_text()
        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole group
        make.wait(30)
        time.sleep(0.5)
        with pytest.raises(ProcessLookupError):
            os.killpg(make.pid, 0)  # no process of the group is left
        assert "Consumer exiting" in log.read_text()
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)


def test_an_address_set_wins_and_production_still_needs_https(development):
    development.setenv("FLASK_RUN_PORT", "5001")
    development.setenv("ELEARN_BASE_URL", "https://elearn.example/")
    assert Config().ELEARN_BASE_URL == "https://elearn.example"
    development.delenv("ELEARN_BASE_URL")
    development.setenv("ELEARN_ENV", "production")
    development.setenv("SECRET_KEY", "x" * 48)
    development.setenv("MAIL_SERVER", "smtp.example.org")
    development.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    with pytest.raises(RuntimeError, match="ELEARN_BASE_URL must be the site's https://"):
        Config().check()


# --- mail files read as text ----------------------------------------------------------------


def mail_files(app) -> list[Path]:
    return sorted(Path(app.config["MAIL_DIR"]).glob("*.eml"))


def test_a_mail_file_reads_as_text_and_parses_as_an_email(app, browser, make, session):
    browser.get("/organisations/register")
    registration = {**REGISTRATION, "name": "Café Zoë Ltd", "contact_name": "Ayşe Öztürk"}
    browser.post("/organisations/register", registration, status=200)
    make.user(email="reset@example.com", full_name="Łukasz Wiśniewski")
    browser.get("/reset-password")
    browser.post("/reset-password", {"email": "reset@example.com"}, status=200)

    received, reset = mail_files(app)
    text = received.read_bytes().decode("utf-8")  # UTF-8 through and through
    assert "Content-Transfer-Encoding: 8bit" in text and "base64" not in text
    assert "Dear Ayşe Öztürk," in text, "UTF-8 names whole"
    assert "Café Zoë" not in text, "an unproven address gets no organisation name"
    raw = reset.read_bytes().decode("utf-8")
    message = email.message_from_bytes(reset.read_bytes())
    body = message.get_payload(decode=True).decode()
    assert "Dear Łukasz Wiśniewski," in raw and body in raw
    link = re.search(r"http://localhost/reset-password/\S+", body).group()
    assert link + "\n" in raw, "the link whole on its line, as a developer copies it"
    assert message["Date"] and message["To"] == "reset@example.com"
    assert [path.name for path in (received, reset)] == sorted(
        path.name for path in (received, reset)
    ), "named in the order written"


def test_mail_for_a_server_is_seven_bit_quoted_printable(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.org")
    with app.app_context():
        message = mail.compose(
            "a@example.com", "Ça va", "registration_received", name="Ayşe Öztürk"
        )
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    assert message.as_bytes().isascii()
    parsed = email.message_from_bytes(message.as_bytes())
    assert "Dear Ayşe Öztürk," in parsed.get_payload(decode=True).decode()


def test_file_names_sort_by_the_time_written(app, session):
    with app.app_context():
        for number in range(5):
            mail.send_mail(
                f"{number}@example.com", "Hello", "registration_received", name="Priya Shah"
            )
    files = mail_files(app)
    assert [email.message_from_bytes(f.read_bytes())["To"] for f in files] == [
        f"{number}@example.com" for number in range(5)
    ]
    assert all(mail.FILE_NAME.fullmatch(f.name) for f in files)
    assert not list(Path(app.config["MAIL_DIR"]).glob(".*")), "nothing left half-written"


# --- the emails in the browser --------------------------------------------------------------


def send(app, to: str, name: str = "Priya Shah") -> None:
    with app.app_context():
        mail.send_mail(to, "Your request to register", "registration_received", name=name)


def test_a_developer_reads_the_newest_emails_in_the_browser(app, browser, make, session):
    for number in range(NEWEST + 3):
        send(app, f"person{number}@example.com")
    make.user(email="reset@example.com", full_name="<script>alert(1)</script> Zoë")
    browser.get("/reset-password")
    browser.post("/reset-password", {"email": "reset@example.com"}, status=200)

    listing = browser.get("/dev/mail")
    rows = [
        [cell.get_text(" ", strip=True) for cell in row.select("td")]
        for row in listing.soup.select("tbody tr")
    ]
    assert len(rows) == NEWEST
    assert rows[0][:2] == [
        "Reset your Community Safety e-learning password",
        "reset@example.com",
    ], rows[0]
    assert rows[1][1] == f"person{NEWEST + 2}@example.com"
    assert rows[-1][1] == "person4@example.com", "the four oldest are left out"

    shown = browser.get(listing.soup.select_one("tbody tr a")["href"])
    assert shown.h1 == "Reset your Community Safety e-learning password"
    assert "reset@example.com" in shown.soup.select_one(".govuk-summary-list").get_text()
    [link] = shown.soup.select(".govuk-inset-text a")
    assert re.fullmatch(r"http://localhost/reset-password/\S+", link["href"])
    assert link.get_text() == link["href"]
    assert "Dear <script>alert(1)</script> Zoë," in shown.text(), "shown as written, escaped"
    assert not [s for s in shown.soup.select("main script")], "and never run"


def test_the_mail_viewer_reads_nothing_outside_the_mail_folder(app, browser, session):
    send(app, "someone@example.com")
    folder = Path(app.config["MAIL_DIR"])
    outside = folder.parent / "20260101T000000000000-outside.eml"
    outside.write_bytes(b"Subject: not yours\n\nthe secret key is somewhere near")
    link = folder / "20260101T000000000000-link.eml"
    link.symlink_to(outside)
    try:
        for path in (
            "/dev/mail/..%2F20260101T000000000000-outside.eml",
            "/dev/mail/%2E%2E%2F20260101T000000000000-outside.eml",
            "/dev/mail/../20260101T000000000000-outside.eml",
            "/dev/mail/..%2Fsecret_key",
            "/dev/mail/secret_key",
            "/dev/mail/..",
            "/dev/mail/20260101T000000000000-link.eml",
            "/dev/mail/20260101T000000000000-missing.eml",
        ):
            response = browser.client.get(path)
            assert response.status_code == 404, path
            assert b"secret" not in response.get_data(), path
        listed = browser.get("/dev/mail").text()
        assert "someone@example.com" in listed and "not yours" not in listed
    finally:
        link.unlink()
        outside.unlink()


def test_the_mail_viewer_does_not_exist_in_production(monkeypatch, tmp_path):
    for name, value in {
        "ELEARN_ENV": "production",
        "SECRET_KEY": "x" * 48,
        "MAIL_SERVER": "smtp.example.org",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "ELEARN_TASKS_URL": "redis://127.0.0.1:6379/15",
        "ELEARN_BASE_URL": "https://elearn.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.db'}",
        "ELEARN_CONTENT_DIR": str(FIXTURES / "content"),
    }.items():
        monkeypatch.setenv(name, value)
    production = create_app(Config())
    assert not [r for r in production.url_map.iter_rules() if r.rule.startswith("/dev")]
    assert production.test_client().get("/dev/mail").status_code == 404


def test_the_mail_viewer_does_not_exist_when_mail_goes_to_a_server(tmp_path):
    config = TestConfig(tmp_path)
    config.ELEARN_CONTENT_DIR = FIXTURES / "content"
    config.MAIL_SERVER = "smtp.example.org"
    with_server = create_app(config)
    assert "dev_mail.index" not in {rule.endpoint for rule in with_server.url_map.iter_rules()}
    client = Browser(with_server.test_client())
    assert client.client.get("/dev/mail").status_code == 404
    assert enabled({"ELEARN_ENV": "production", "MAIL_SERVER": ""}) is False
    assert enabled({"ELEARN_ENV": "development", "MAIL_SERVER": ""}) is True
