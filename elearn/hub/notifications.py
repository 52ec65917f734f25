"""The hub's emails: CST hears of each new report; a signed-in reporter hears of each step
their report takes (docs/hub.md, "Notifications").

The views queue a task once the report or the step is committed (`tell_cst`,
`tell_reporter`), with the finding's public id only: nothing anyone typed goes to the
queue's storage, and CST's email says only what it is, the strand, the postcode's area
and when it was seen, with a link to the triage page. The reporter's says the step in
the words of their report's page: never the police reference, CST's notes or the
reason for closing. A report through a partner's link has no address to tell.

Each email is sent once: claimed in ReminderLog (`send_once`, as the reminders are)
under the report's or the step's key before it goes, so a task run twice (a retry, a
consumer that starts again and takes up what was left: `resume_untold`) sends nothing
more. A mail server that fails withdraws the claim and the task is tried again later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import String, cast, exists, literal, select

from elearn.certificates.reminders import send_once
from elearn.database import reading
from elearn.extensions import db
from elearn.hub.figures import area_of
from elearn.hub.findings import KINDS, STATUSES, STRANDS
from elearn.hub.triage import GRAFFITI_HOURS
from elearn.models import (
    Finding,
    FindingEvent,
    FindingKind,
    FindingStep,
    ReminderLog,
    User,
    utcnow,
)
from elearn.tasks import on_resume, task
from elearn.web.filters import london_datetime
from elearn.web.links import site_url

log = logging.getLogger(__name__)

# The steps a reporter is told of, in the words of templates/hub/finding.html's history.
TOLD_STEPS = {
    FindingStep.POLICE: "Passed to the police",
    FindingStep.CLEANSING: "Passed to street cleansing for removal",
    FindingStep.REMOVED: "Removed",
    FindingStep.CLOSED: "Closed",
    FindingStep.DUPLICATE: "Closed: someone else had reported the same thing",
}
# A step older than this is not news: a task (or a consumer's start) that comes later
# leaves it, as it leaves the steps taken before these emails existed.
NEWS_FOR = timedelta(days=1)
# A mail server that is down: the task is tried again, a few times, a while apart.
RETRIES, RETRY_DELAY = 5, 600


def report_key(finding: Finding) -> str:
    return f"hub-report:{finding.public_id}"


def step_key(event: FindingEvent) -> str:
    return f"hub-step:{event.id}"


# --- what the views call, after their commit ------------------------------------------------


def tell_cst(finding_ref: str) -> None:
    """Queue the email to CST about a new report (once committed)."""
    _queue(email_cst, finding_ref)


def tell_reporter(finding_ref: str) -> None:
    """Queue the email to the reporter about the step just taken (once committed)."""
    _queue(email_reporter, finding_ref)


def _queue(job: Callable[[str], object], finding_ref: str) -> None:
    """The report or step is saved already: a queue that cannot be reached must not make
    it an error page. Logged; the consumer's next start sends what is untold."""
    try:
        job(finding_ref)
    except Exception:
        log.exception("a hub email could not be queued")


# --- the tasks ----------------------------------------------------------------------------


@task(retries=RETRIES, retry_delay=RETRY_DELAY)
def email_cst(finding_ref: str) -> None:
    sent = send_report_to_cst(finding_ref)
    log.info("a new hub report emailed to %d CST admins", sent)


@task(retries=RETRIES, retry_delay=RETRY_DELAY)
def email_reporter(finding_ref: str) -> None:
    send_steps_to_reporter(finding_ref)


@dataclass(frozen=True)
class Letter:
    user_id: int
    email: str
    key: str
    subject: str
    template: str
    context: dict


def _send(letters: list[Letter]) -> int:
    """Send each letter once; the letters were read in a transaction now ended."""
    sent = 0
    for letter in letters:
        if send_once(
            letter.user_id,
            letter.key,
            letter.email,
            letter.subject,
            letter.template,
            **letter.context,
        ):
            sent += 1
    return sent


def send_report_to_cst(finding_ref: str) -> int:
    """Email each active CST admin about the report, once each; how many were sent."""
    with reading():
        letters = _cst_letters(finding_ref)
        db.session.commit()  # ends the transaction that read them
    return _send(letters)


def _cst_letters(finding_ref: str) -> list[Letter]:
    finding = db.session.scalar(select(Finding).where(Finding.public_id == finding_ref))
    if finding is None:
        return []
    graffiti = finding.kind == FindingKind.GRAFFITI
    kind = KINDS.get(finding.kind, finding.kind)
    area = area_of(finding.postcode)
    subject = f"New report: {kind} in {area}"
    if graffiti:
        subject += f", to be removed within {GRAFFITI_HOURS} hours of the report"
    context = {
        "kind": kind,
        "strand": STRANDS.get(finding.strand, finding.strand),
        "area": area,
        "seen": london_datetime(finding.seen_at),
        "graffiti": graffiti,
        "hours": GRAFFITI_HOURS,
        "link": site_url("hub.triage_finding", finding_ref=finding.public_id),
    }
    admins = db.session.scalars(
        select(User)
        .where(User.is_cst_admin, User.active, User.erased_at.is_(None))
        .order_by(User.id)
    )
    return [
        Letter(
            admin.id,
            admin.email,
            report_key(finding),
            subject,
            "hub/new_report",
            {**context, "name": admin.full_name},
        )
        for admin in admins
    ]


def send_steps_to_reporter(finding_ref: str) -> int:
    """Email the reporter each recent step on their report not yet told; how many."""
    with reading():
        letters = _step_letters(finding_ref)
        db.session.commit()
    return _send(letters)


def _reporter(finding: Finding) -> User | None:
    """Whom to tell: a signed-in reporter whose account is in use (a link's report has
    no one; an erased reporter's report is no longer theirs)."""
    if finding.by_link or finding.reporter_id is None:
        return None
    user = db.session.get(User, finding.reporter_id)
    if user is None or not user.active or user.erased_at is not None:
        return None
    return user


def _step_letters(finding_ref: str) -> list[Letter]:
    finding = db.session.scalar(select(Finding).where(Finding.public_id == finding_ref))
    user = _reporter(finding) if finding is not None else None
    if user is None:
        return []
    events = db.session.scalars(
        select(FindingEvent)
        .where(
            FindingEvent.finding_id == finding.id,
            FindingEvent.step.in_(list(TOLD_STEPS)),
            FindingEvent.created_at >= utcnow() - NEWS_FOR,
        )
        .order_by(FindingEvent.id)
    )
    kind = KINDS.get(finding.kind, finding.kind)
    context = {
        "name": user.full_name,
        "kind": kind,
        "seen": london_datetime(finding.seen_at),
        "status": STATUSES.get(finding.status, finding.status),
        "link": site_url("hub.finding", finding_ref=finding.public_id),
    }
    return [
        Letter(
            user.id,
            user.email,
            step_key(event),
            f"Your report: {TOLD_STEPS[event.step]}",
            "hub/step",
            {**context, "step": TOLD_STEPS[event.step]},
        )
        for event in events
    ]


# --- what a stopped consumer left -----------------------------------------------------------


@on_resume
def resume_untold() -> None:
    """Queue again the recent reports and steps nobody was told of: a consumer stopped
    midway, or a queue that could not be reached, left them."""
    since = utcnow() - NEWS_FOR
    reports = db.session.scalars(
        select(Finding.public_id).where(
            Finding.reported_at >= since,
            ~exists().where(ReminderLog.key == literal("hub-report:") + Finding.public_id),
        )
    ).all()
    steps = db.session.scalars(
        select(Finding.public_id)
        .join(FindingEvent, FindingEvent.finding_id == Finding.id)
        .where(
            Finding.reporter_id.is_not(None),
            FindingEvent.step.in_(list(TOLD_STEPS)),
            FindingEvent.created_at >= since,
            ~exists().where(
                ReminderLog.key == literal("hub-step:") + cast(FindingEvent.id, String)
            ),
        )
        .distinct()
    ).all()
    db.session.commit()
    if reports or steps:
        log.info("queued again %d hub reports and %d steps untold", len(reports), len(steps))
    for finding_ref in reports:
        tell_cst(finding_ref)
    for finding_ref in steps:
        tell_reporter(finding_ref)
