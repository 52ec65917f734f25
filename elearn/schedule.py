"""What the task consumer does on its own, on a schedule (times in UTC): no cron needed.

| task                       | when              | what                                          |
|----------------------------|-------------------|-----------------------------------------------|
| `keep_dashboard_current`   | every minute      | the dashboard's default view, if out of date  |
| `send_waiting_invitations` | every ten minutes | invitations a stopped sender left waiting     |
| `forget_old_zips`          | hourly, at :15    | certificate zips over a day old               |
| `send_session_reminders`   | hourly, at :45    | reminders of face-to-face sessions, two days  |
|                            |                   | before (once each)                            |
| `send_due_reminders`       | daily, 07:00      | reminders and managers' digests (once each)   |
| `apply_retention`          | daily, 02:30      | erasure after ELEARN_RETENTION_MONTHS, and    |
|                            |                   | old IP addresses, lists of people and zips;   |
|                            |                   | the hub's old photos and findings' details    |

Those that send or erase run under a Huey lock of their own, so a slow run is never
overlapped by the next (a consumer that starts releases the locks of one killed).
The `flask` commands (reminders send, invitations send, retention apply) do the same
work by hand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from elearn import audit
from elearn.auth.personal_data import (
    erase_user,
    forget_old_invitation_lists,
    people_past_retention,
)
from elearn.certificates.archives import forget_old_archives
from elearn.certificates.reminders import send_reminders
from elearn.courses.catalogue import current_catalogue
from elearn.database import checkpoint_wal
from elearn.extensions import db
from elearn.face_to_face import notifications as face_to_face
from elearn.hub import retention as hub_retention
from elearn.models import utcnow
from elearn.organisations.notifications import send_waiting
from elearn.reports import cache, dashboard
from elearn.tasks import crontab, huey, periodic

log = logging.getLogger(__name__)

INVITATIONS = huey.lock_task("invitations")
REMINDERS = huey.lock_task("reminders")
SESSION_REMINDERS = huey.lock_task("session-reminders")
RETENTION = huey.lock_task("retention")


@periodic(crontab(minute="*"))
def keep_dashboard_current() -> None:
    cache.refresh(dashboard.default_view())


@periodic(crontab(minute="*/10"))
def send_waiting_invitations() -> None:
    with INVITATIONS:
        send_waiting()


@periodic(crontab(minute="15"))
def forget_old_zips() -> None:
    forgotten = forget_old_archives()
    if forgotten:
        log.info("deleted %d certificate zips over a day old", forgotten)


@periodic(crontab(minute="45"))
def send_session_reminders() -> None:
    with SESSION_REMINDERS:
        sent = face_to_face.send_session_reminders(utcnow())
    log.info("sent %d reminders of face-to-face sessions", sent)


@periodic(crontab(hour="7", minute="0"))
def send_due_reminders() -> None:
    with REMINDERS:
        sent = send_reminders(current_catalogue(), utcnow())
    log.info("sent %d reminders to learners and %d digests", sent.learners, sent.managers)


@periodic(crontab(hour="2", minute="30"))
def apply_retention() -> None:
    with RETENTION:
        done = retention(utcnow())
    log.info(
        "retention: erased %d people, cleared %d IP addresses, deleted %d lists and %d zips, "
        "deleted %d hub photos and reduced %d hub findings",
        done.people,
        done.addresses,
        done.lists,
        done.zips,
        done.photos,
        done.findings,
    )


@dataclass
class Retained:
    people: int = 0  # erased: left every organisation over RETENTION_MONTHS ago
    addresses: int = 0  # audit events whose IP address was cleared
    lists: int = 0  # lists of people to invite, deleted
    zips: int = 0  # certificate zips, deleted
    photos: int = 0  # hub photos deleted: finished over HUB_PHOTO_MONTHS ago
    findings: int = 0  # hub findings reduced: finished over HUB_DETAIL_MONTHS ago


def retention(now: datetime, dry_run: bool = False) -> Retained:
    """Erase the personal data of people who left every organisation more than
    RETENTION_MONTHS ago (their anonymous figures stay); clear the IP addresses of audit
    events over AUDIT_IP_DAYS old; delete lists of people to invite over LISTS_KEPT_DAYS
    old and certificate zips over a day old; delete the photos of hub findings finished
    over HUB_PHOTO_MONTHS ago and reduce those finished over HUB_DETAIL_MONTHS ago
    (elearn/hub/retention.py). With `dry_run`, count the people and the hub's photos and
    findings only."""
    months = current_app.config["RETENTION_MONTHS"]
    people = people_past_retention(months, now)
    if dry_run:
        hub = hub_retention.apply(now, dry_run=True)
        return Retained(people=len(people), photos=hub.photos, findings=hub.findings)
    for person in people:
        erase_user(person, f"retention: left more than {months} months ago")
    days = current_app.config["AUDIT_IP_DAYS"]
    hub = hub_retention.apply(now)
    done = Retained(
        people=len(people),
        addresses=audit.forget_addresses(now - timedelta(days=days)),
        lists=forget_old_invitation_lists(now),
        photos=hub.photos,
        findings=hub.findings,
    )
    db.session.commit()
    done.zips = forget_old_archives()
    checkpoint_wal(db.engine)
    return done
