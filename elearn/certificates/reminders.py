"""Daily reminders: learners whose training is due within 30 days or overdue, once per
stage, and managers a digest of their overdue members, once a day.

Each email is recorded in ReminderLog under a key naming what it is about and the
stage, so running the job twice (or daily from cron) never sends the same one again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from elearn.courses.catalogue import Catalogue
from elearn.dates import LONDON
from elearn.extensions import db
from elearn.mail import compose, deliver, one_connection, refused_for_good
from elearn.models import (
    WHOLE_ORGANISATION,
    Assignment,
    Completion,
    Membership,
    Organisation,
    OrganisationStatus,
    ReminderLog,
    Role,
    User,
)
from elearn.organisations.progress import MemberStatus, ProgressQuery, progress_select
from elearn.web.links import site_url

log = logging.getLogger(__name__)

WINDOW = timedelta(days=30)


@dataclass
class Sent:
    learners: int = 0
    managers: int = 0
    keys: list[str] = field(default_factory=list)


def claim(user_id: int, key: str) -> bool:
    """Record that a reminder goes out; False when it already went."""
    try:
        with db.session.begin_nested():
            db.session.add(ReminderLog(user_id=user_id, key=key))
    except IntegrityError:
        return False
    return True


def expiring_completions(now: datetime):
    """Each learner's latest completion of each course that expires within 30 days or has
    expired, with no later completion: the refreshers due."""
    latest = select(
        Completion.id,
        func.row_number()
        .over(
            partition_by=(Completion.user_id, Completion.course_slug),
            order_by=(Completion.completed_at.desc(), Completion.sequence.desc()),
        )
        .label("rank"),
    ).subquery()
    return db.session.execute(
        select(Completion, User)
        .join(latest, and_(latest.c.id == Completion.id, latest.c.rank == 1))
        .join(User, User.id == Completion.user_id)
        .where(
            Completion.expires_at.is_not(None),
            Completion.expires_at <= now + WINDOW,
            User.active.is_(True),
        )
    ).all()


def withdraw(user_id: int, key: str) -> None:
    """Undo the claim of a reminder whose email did not go: the next run tries again."""
    db.session.execute(
        delete(ReminderLog).where(ReminderLog.user_id == user_id, ReminderLog.key == key)
    )
    db.session.commit()


def send_once(user_id: int, key: str, to: str, subject: str, template: str, **context) -> bool:
    """Send a reminder unless it has gone before.

    The claim is committed before the email goes, so no lock is held while the mail server
    answers (on SQLite every web request that writes would wait for it). If the email
    fails, the claim is withdrawn so the next run tries again; a run killed between the
    two loses that one reminder rather than ever sending it twice. An address the mail
    server refuses for good is skipped and the others still go; any other failure ends
    the run."""
    message = compose(to, subject, template, **context) if claim(user_id, key) else None
    db.session.commit()
    if message is None:
        return False
    try:
        deliver(message)
    except OSError as error:
        withdraw(user_id, key)
        if not refused_for_good(error):
            raise
        log.warning("reminder %s to user %d refused by the mail server", key, user_id)
        return False
    return True


def send_refresher_reminders(catalogue: Catalogue, now: datetime, sent: Sent) -> None:
    for completion, user in expiring_completions(now):
        course = catalogue.get(completion.course_slug)
        if course is None:
            continue
        stage = "expired" if completion.expires_at <= now else "due"
        key = f"refresher:{completion.id}:{stage}"
        subject = (
            f"Your {course.title} training has expired"
            if stage == "expired"
            else f"Your {course.title} training expires soon"
        )
        if not send_once(
            user.id,
            key,
            user.email,
            subject,
            "reminder_refresher",
            user=user,
            course=course,
            expires_at=completion.expires_at,
            expired=stage == "expired",
            link=site_url("courses.course_page", course_slug=course.slug),
        ):
            continue
        sent.learners += 1
        sent.keys.append(key)


def due_assignments(today: date):
    """(assignment, membership, user) for required training due within 30 days or overdue."""
    return db.session.execute(
        select(Assignment, Membership, User)
        .join(Organisation, Organisation.id == Assignment.organisation_id)
        .join(
            Membership,
            and_(
                Membership.organisation_id == Assignment.organisation_id,
                Membership.left_at.is_(None),
                or_(Assignment.team == WHOLE_ORGANISATION, Assignment.team == Membership.team),
            ),
        )
        .join(User, User.id == Membership.user_id)
        .where(
            Organisation.status == OrganisationStatus.APPROVED,
            Assignment.due_on <= today + WINDOW,
            User.active.is_(True),
        )
    ).all()


def completed_valid(user_id: int, course_slug: str, now: datetime) -> bool:
    return (
        db.session.scalar(
            select(Completion.id).where(
                Completion.user_id == user_id,
                Completion.course_slug == course_slug,
                or_(Completion.expires_at.is_(None), Completion.expires_at > now),
            )
        )
        is not None
    )


def send_due_reminders(catalogue: Catalogue, now: datetime, sent: Sent) -> None:
    today = now.astimezone(LONDON).date()  # the day in the City
    for assignment, membership, user in due_assignments(today):
        course = catalogue.get(assignment.course_slug)
        if course is None or completed_valid(user.id, course.slug, now):
            continue
        stage = "overdue" if assignment.due_on < today else "due"
        key = f"assignment:{assignment.id}:{assignment.due_on.isoformat()}:{stage}"
        if not send_once(
            user.id,
            key,
            user.email,
            f"{course.title}: "
            + ("overdue" if stage == "overdue" else "due by " + f"{assignment.due_on:%-d %B %Y}"),
            "reminder_due",
            user=user,
            course=course,
            due_on=assignment.due_on,
            overdue=stage == "overdue",
            organisation=membership.organisation,
            link=site_url("courses.course_page", course_slug=course.slug),
        ):
            continue
        sent.learners += 1
        sent.keys.append(key)


def send_manager_digests(catalogue: Catalogue, now: datetime, sent: Sent) -> None:
    """Each manager of an organisation with overdue members: one digest a day."""
    organisations = db.session.scalars(
        select(Organisation)
        .where(
            Organisation.status == OrganisationStatus.APPROVED,
            Organisation.id.in_(select(Assignment.organisation_id)),
        )
        .order_by(Organisation.id)
    ).all()
    for organisation in organisations:
        overdue = overdue_members(organisation, catalogue, now)
        if not overdue:
            continue
        managers = db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == organisation.id,
                Membership.role == Role.MANAGER,
                Membership.left_at.is_(None),
                User.active.is_(True),
            )
        ).all()
        for manager in managers:
            key = f"digest:{organisation.id}:{now.date().isoformat()}"
            people = "1 person is" if len(overdue) == 1 else f"{len(overdue)} people are"
            if not send_once(
                manager.id,
                key,
                manager.email,
                f"{people} overdue with training in {organisation.name}",
                "reminder_digest",
                manager=manager,
                organisation=organisation,
                overdue=overdue,
                link=site_url(
                    "organisations.members", organisation_id=organisation.id, sort="status"
                ),
            ):
                continue
            sent.managers += 1
            sent.keys.append(key)


def overdue_members(organisation: Organisation, catalogue: Catalogue, now: datetime) -> list:
    """(name, course title, due date) for each overdue member and course, from SQL."""
    slugs = tuple(
        db.session.scalars(
            select(Assignment.course_slug)
            .where(Assignment.organisation_id == organisation.id)
            .distinct()
            .order_by(Assignment.course_slug)
        )
    )
    found = []
    for index, slug in enumerate(slugs):
        query = ProgressQuery(course_slugs=slugs, course=slug, status=MemberStatus.OVERDUE)
        for row in db.session.execute(progress_select(organisation.id, query, now)):
            course = catalogue.get(slug)
            found.append(
                (row.full_name, course.title if course else slug, getattr(row, f"due_{index}"))
            )
    return found


def send_reminders(catalogue: Catalogue, now: datetime) -> Sent:
    """Send every reminder that is due and not yet sent, committing each one's log entry."""
    sent = Sent()
    with one_connection():
        send_refresher_reminders(catalogue, now, sent)
        send_due_reminders(catalogue, now, sent)
        send_manager_digests(catalogue, now, sent)
    return sent
