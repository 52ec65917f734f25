"""flask commands: content, reminders, invitations, reports, backup, retention, demo, tasks."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from elearn.courses.catalogue import current_catalogue
from elearn.courses.loader import ContentInvalid, load_catalogue
from elearn.courses.review import REVIEW_MONTHS, due_for_review
from elearn.dates import london_today
from elearn.web.filters import counted

content_group = AppGroup("content", help="Course content in content/.")


@content_group.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--due",
    is_flag=True,
    help=f"Also list courses and contacts last checked over {REVIEW_MONTHS} months ago.",
)
def content_check(path: Path | None, due: bool):
    """Validate the course content and list every problem with file and line."""
    try:
        if path is None:
            catalogue = current_catalogue()  # loaded and validated at start-up
        else:
            catalogue = load_catalogue(path, lambda slug: f"/courses/{slug}/images")
    except ContentInvalid as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.exceptions.Exit(1) from None
    modules = sum(len(course.modules) for course in catalogue)
    questions = sum(len(m.questions) for course in catalogue for m in course.modules)
    click.echo(
        f"Content is valid: {counted(len(catalogue), 'course', 'courses')}, "
        f"{counted(modules, 'module', 'modules')}, "
        f"{counted(questions, 'quiz question', 'quiz questions')}."
    )
    for course in catalogue:
        click.echo(f"  {course.slug} (version {course.version}): {course.title}")
    if due:
        _echo_due(due_for_review(catalogue, london_today()))


def _echo_due(items: list) -> None:
    if not items:
        click.echo(
            f"Nothing is due for review (every course and contact was checked "
            f"in the last {REVIEW_MONTHS} months)."
        )
        return
    click.echo(f"Due for review ({len(items)}):")
    for item in items:
        click.echo(
            f"  {item.kind} {item.key}: {item.title}. Last checked {item.checked.isoformat()}, "
            f"due {item.due.isoformat()}. Tell {item.tell}."
        )


@click.command("create-admin")
@click.argument("email")
@click.option("--name", prompt="Full name", help="The admin's full name.")
@click.password_option(help="The admin's password (asked for when left out).")
@with_appcontext
def create_admin(email: str, name: str, password: str):
    """Create a CST admin, or make an existing user one."""
    from elearn.admin.operations import PasswordTooShort, create_admin_user

    try:
        user, created = create_admin_user(email, name, password)
    except PasswordTooShort as error:
        raise click.BadParameter(str(error), param_hint="password") from None
    verb = "Created" if created else "Promoted"
    click.echo(f"{verb} CST admin {user.email}.")


@click.command("demo")
@click.option("--force", is_flag=True, help="Load it into a PostgreSQL database all the same.")
@with_appcontext
def demo(force: bool):
    """Load demo organisations, people and months of training, and the accounts printed
    (a CST admin, a manager and two learners). Running it again adds only what is missing."""
    from elearn.admin.demo import load_demo
    from elearn.dev_mail.views import enabled
    from elearn.extensions import db

    if current_app.config["ELEARN_ENV"] == "production":
        raise click.ClickException("The demo is not loaded in production.")
    if db.engine.dialect.name != "sqlite" and not force:
        raise click.ClickException(
            "The demo makes accounts whose passwords are published, a CST admin's among them. "
            "It is for the embedded SQLite database; add --force to load it into this "
            "PostgreSQL database all the same."
        )
    accounts = load_demo()
    base_url = current_app.config["ELEARN_BASE_URL"]
    click.echo("Demo loaded. Sign in at " + base_url + "/sign-in")
    for role, email, password in accounts:
        click.echo(f"  {role:<10} {email:<32} password: {password}")
    if enabled(current_app.config):
        click.echo("Emails are written to files: read them at " + base_url + "/dev/mail")


reminders_group = AppGroup("reminders", help="Reminder emails about training that is due.")


@reminders_group.command("send")
def send_reminders_command():
    """Email learners whose training is due within 30 days or overdue (once per stage) and
    managers a digest of overdue members (once a day). The consumer does this every day
    (elearn/schedule.py); safe to run by hand at any time."""
    from elearn.certificates.reminders import send_reminders
    from elearn.models import utcnow

    sent = send_reminders(current_catalogue(), utcnow())
    click.echo(
        f"Sent {sent.learners} reminders to learners and {sent.managers} digests to managers."
    )


invitations_group = AppGroup("invitations", help="Invitations to join an organisation.")


@invitations_group.command("send")
def send_invitations_command():
    """Email every invitation still waiting to be sent: a batch whose sending was cut short
    by a restart or a mail server that was down. The consumer does this every ten minutes
    (elearn/schedule.py); safe to run by hand at any time."""
    from elearn.organisations.notifications import send_waiting

    outcome = send_waiting()
    refused = f" The mail server refused {outcome.refused}." if outcome.refused else ""
    click.echo(f"Sent {counted(outcome.sent, 'invitation', 'invitations')}.{refused}")


report_group = AppGroup("report", help="Training coverage reports for CST.")


@report_group.command("coverage")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
@click.option("--course", help="One course's slug; all courses when left out.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["csv", "pdf", "docx"]),
    default="csv",
    help="CSV (one table), or the committee paper as PDF or Word.",
)
@click.option(
    "--table",
    type=click.Choice(
        ["courses", "sectors", "organisations", "departments", "gaps", "channels", "trend"]
    ),
    default="courses",
    help="The table, for CSV.",
)
@click.option("--threshold", type=click.IntRange(1, 100), default=50, help="Gaps below (%).")
@click.option(
    "--channel",
    type=click.Choice(["e-learning", "face-to-face", "elsewhere"]),
    help="Count one way of training only; every way when left out.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write; standard output when left out.",
)
def report_coverage(start, end, course, output_format, table, threshold, channel, output):
    """The dashboard's figures as CSV (one table) or the committee paper (PDF or Word)."""
    from elearn.models import utcnow
    from elearn.reports import dashboard
    from elearn.reports.exports import export_rows
    from elearn.reports.paper import more_sections
    from elearn.reports.pdf import training_update_pdf
    from elearn.reports.periods import Period
    from elearn.reports.query import ReportQuery, channel_from
    from elearn.reports.word import training_update_docx
    from elearn.web.csv_export import csv_lines

    now = utcnow()
    default = Period.last_twelve_months(london_today())
    period = Period(start.date() if start else default.start, end.date() if end else default.end)
    if period.start > period.end:
        raise click.BadParameter("--to must be on or after --from")
    titles = {c.slug: c.title for c in current_catalogue()}
    if course and course not in titles:
        raise click.BadParameter(f"no course '{course}' (known: {', '.join(titles)})")
    query = ReportQuery(period, now, course, channel_from(channel))
    figures = dashboard.build(query, titles, threshold)
    if output_format == "pdf":
        data = training_update_pdf(figures, more_sections(figures))
    elif output_format == "docx":
        data = training_update_docx(figures, more_sections(figures))
    else:
        header, rows = export_rows(table, figures)
        data = "".join(csv_lines(header, rows)).encode("utf-8-sig")
    if output:
        output.write_bytes(data)
        click.echo(f"Wrote {output} ({len(data):,} bytes).", err=True)
    else:
        click.get_binary_stream("stdout").write(data)


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(destination: Path):
    """Write a consistent copy of the SQLite database while the app runs, and check it."""
    import sqlite3

    from elearn.extensions import db

    if db.engine.dialect.name != "sqlite":
        raise click.ClickException("For PostgreSQL, use pg_dump (see docs/deployment.md).")
    source_path = db.engine.url.database
    destination.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source_path) as source, sqlite3.connect(destination) as copy:
        source.backup(copy)  # the online backup API: includes what is still in the WAL
        result = copy.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise click.ClickException(f"The copy failed its integrity check: {result}")
    click.echo(f"Backed up {source_path} to {destination} (integrity check: ok).")


retention_group = AppGroup(
    "retention",
    help="Erase people who left long ago; forget old IP addresses, lists, zips and the "
    "hub's old photos and report details.",
)


@retention_group.command("apply")
@click.option("--dry-run", is_flag=True, help="Say what would be done; change nothing.")
def retention_apply(dry_run: bool):
    """Erase the personal data of people who left every organisation more than
    ELEARN_RETENTION_MONTHS ago (their anonymous figures stay); clear the IP addresses of
    audit events over ELEARN_AUDIT_IP_DAYS old; delete lists of people to invite over
    LISTS_KEPT_DAYS old and certificate zips over a day old; delete the photos of hub
    reports finished over ELEARN_HUB_PHOTO_MONTHS ago and reduce those finished over
    ELEARN_HUB_DETAIL_MONTHS ago to what the figures need. The consumer does this every
    night (elearn/schedule.py)."""
    from elearn.auth.personal_data import LISTS_KEPT_DAYS
    from elearn.models import utcnow
    from elearn.schedule import retention

    config = current_app.config
    months, days = config["RETENTION_MONTHS"], config["AUDIT_IP_DAYS"]
    done = retention(utcnow(), dry_run)
    who = f"{counted(done.people, 'person', 'people')} who left more than {months} months ago"
    photos = (
        f"{counted(done.photos, 'photo', 'photos')} of hub reports finished over "
        f"{config['HUB_PHOTO_MONTHS']} months ago"
    )
    reports = (
        f"{counted(done.findings, 'hub report', 'hub reports')} finished over "
        f"{config['HUB_DETAIL_MONTHS']} months ago to what the figures need"
    )
    if dry_run:
        click.echo(f"Would erase {who}.\nWould delete {photos}.\nWould reduce {reports}.")
        click.echo("Nothing was changed.")
        return
    click.echo(f"Erased {who}.")
    click.echo(
        f"Cleared the IP address of {counted(done.addresses, 'audit event', 'audit events')} "
        f"over {days} days old."
    )
    click.echo(
        f"Deleted {counted(done.lists, 'list', 'lists')} of people to invite over "
        f"{LISTS_KEPT_DAYS} days old."
    )
    click.echo(f"Deleted {done.zips} certificate zips over a day old.")
    click.echo(f"Deleted {photos}.")
    click.echo(f"Reduced {reports}.")


tasks_group = AppGroup("tasks", help="The task consumer: queued and periodic work.")


@tasks_group.command("consume")
@click.option("--workers", default=2, show_default=True, help="Tasks run at once.")
def consume(workers: int):
    """Run queued tasks and the periodic ones (elearn/schedule.py) until stopped: Ctrl-C
    or SIGINT lets the tasks under way finish, SIGTERM stops at once. Run one consumer per
    deployment. On starting, it takes up what a stopped consumer left undone."""
    import logging

    from elearn import tasks

    if current_app.config.get("TASKS_IMMEDIATE"):
        raise click.ClickException("tasks run where they are queued here: nothing to consume")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    tasks.resume()
    tasks.consumer(workers).run()


def init_app(app: Flask) -> None:
    app.cli.add_command(backup)
    app.cli.add_command(retention_group)
    app.cli.add_command(report_group)
    app.cli.add_command(reminders_group)
    app.cli.add_command(invitations_group)
    app.cli.add_command(content_group)
    app.cli.add_command(create_admin)
    app.cli.add_command(demo)
    app.cli.add_command(tasks_group)
