"""Personal data under UK GDPR: where elearn holds it, and how it is exported and erased.

HOLDINGS is the one declaration of personal data in elearn: for each table, which rows
hold a person's data and how they are found, and for each of their columns how it goes
into the person's download (/account/data.json) and how it is erased (kept, cleared,
replaced, their names removed, or the rows deleted). `export_user_data` and `erase_user`
both walk it, so nothing can be in one and not the other. NOT_PERSONAL names the columns
that look personal but hold nobody's data; tests/test_personal_data.py fails for a
column in any model that looks personal and is in neither.

Erasure keeps the rows that figures are made of (memberships, completions, attempts, the
audit trail by id) and strips what identifies the person: their name and address
wherever they appear, their password and two-step secret, what they typed and uploaded,
the notes others wrote about them, the addresses they signed in from, and invitations.
On SQLite the freed bytes are overwritten (secure_delete) and the WAL is emptied once the
erasure commits (elearn/database.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, false, func, or_, select

from elearn import audit
from elearn.auth.holdings import (
    CLEAR,
    KEEP,
    KEPT,
    REMOVED,
    SCRUB,
    Field,
    Holding,
    Person,
    as_is,
    described,
    erased_by,
    file,
    replaced_by,
    secret,
)
from elearn.database import checkpoint_after_commit
from elearn.dates import add_months
from elearn.extensions import db
from elearn.models import (
    AuditEvent,
    Booking,
    Certificate,
    CertificateArchive,
    CertificateArchiveChunk,
    Completion,
    CourseStanding,
    ExternalRecord,
    Facilitator,
    Finding,
    FindingEvent,
    FindingPhoto,
    Invitation,
    InvitationBatch,
    Membership,
    ModuleView,
    Organisation,
    QuizAttempt,
    ReminderLog,
    User,
    utcnow,
)

ERASED_NAME = "Erased user"
NAME_REMOVED = "(name removed)"


def _kept(*names: str) -> dict[str, Field]:
    return dict.fromkeys(names, KEPT)


def _their_rows(model) -> Callable[[Person], object]:
    return lambda person: model.user_id == person.id


def _organisations_of(person: Person):
    return select(Membership.organisation_id).where(Membership.user_id == person.id)


def _zips_of(person: Person):
    return select(CertificateArchive.id).where(
        CertificateArchive.organisation_id.in_(_organisations_of(person))
    )


def _findings_of(person: Person) -> list[int]:
    """The findings whose reduction is under way: the person's reports (`person_of`), or
    the findings retention reduces (`reduce_findings`)."""
    return sorted(int(i) for i in person.subjects.get("finding", ()))


def _invited(person: Person):
    return or_(Invitation.email.in_(person.emails), Invitation.accepted_by_id == person.id)


# --- rows found for a person, with rules that depend on the row --------------------------


def _their_address(value, event: AuditEvent, person: Person) -> bool:
    """An event's IP address is the person's when they acted, or when nobody signed in
    acted on their account (a failed sign-in, a reset asked for)."""
    if event.actor_id == person.id:
        return True
    return event.actor_id is None and person.owns("user", event.subject_id)


def _event_detail(detail, event: AuditEvent, person: Person):
    """Words someone typed about the person (a reason, a note) go from the events about
    them; their names and addresses go from every event."""
    if isinstance(detail, dict) and person.owns(event.subject_type, event.subject_id):
        detail = {key: value for key, value in detail.items() if key not in audit.TYPED_WORDS}
    return person.scrub(detail)


def _batch_rows_of(rows, batch, person: Person) -> list:
    return [row for row in rows or [] if row.get("email") in person.emails]


def _batch_rows_without(rows, batch, person: Person) -> list:
    return [row for row in rows or [] if row.get("email") not in person.emails]


def _event_subjects(person: Person):
    return or_(
        false(),
        *(
            and_(AuditEvent.subject_type == kind, AuditEvent.subject_id.in_(ids))
            for kind, ids in person.subjects.items()
            if ids
        ),
    )


EVENT_DETAIL = Field(
    as_is, erased_by("reasons and notes about them, and their names, removed", _event_detail)
)
EVENT_IP = Field(
    lambda value, event, person: value if _their_address(value, event, person) else None,
    erased_by(
        "cleared where it was theirs (another's kept for its period)",
        lambda value, event, person: None if _their_address(value, event, person) else value,
    ),
)

# --- the declaration ---------------------------------------------------------------------

HOLDINGS: tuple[Holding, ...] = (
    Holding(
        "account",
        User,
        lambda person: User.id == person.id,
        {
            "email": Field(
                as_is,
                erased_by(
                    "replaced by erased-<id>@erased.invalid",
                    lambda value, user, person: f"erased-{user.id}@erased.invalid",
                ),
            ),
            "full_name": Field(as_is, replaced_by(ERASED_NAME)),
            "password_hash": Field(secret, CLEAR),
            "totp_secret": Field(secret, CLEAR),
            "totp_last_step": Field(as_is, CLEAR),
            "active": Field(as_is, replaced_by(False)),
            "session_version": Field(
                as_is,
                erased_by("moved on: every session ends", lambda value, *_: (value or 1) + 1),
            ),
            "erased_at": Field(as_is, erased_by("set to when", lambda *_: utcnow())),
            "updated_at": Field(as_is, erased_by("set to when", lambda *_: utcnow())),
            **_kept(
                "is_cst_admin",
                "created_at",
                "last_signed_in_at",
                "erasure_requested_at",
            ),
        },
        "Your account.",
        single=True,
    ),
    Holding(
        "sign_in_failures",
        User,
        lambda person: User.id == person.id,
        {
            "failed_sign_ins": Field(as_is, replaced_by(0)),
            "sign_in_blocked_until": Field(as_is, CLEAR),
            "failed_codes": Field(as_is, replaced_by(0)),
            "codes_blocked_until": Field(as_is, CLEAR),
        },
        "Wrong passwords given for your account in a row, and wrong two-step codes since "
        "the last right one, with until when each kind of try must wait. Each wrong "
        "password, with when and the IP address it came from, is under actions_recorded "
        "(sign_in_failed).",
        single=True,
    ),
    Holding(
        "memberships",
        Membership,
        _their_rows(Membership),
        _kept("user_id", "role", "team", "joined_at", "left_at"),
        "The organisations you belong or belonged to. Kept after erasure without your "
        "name, so that training figures do not change.",
        also={"organisation": lambda membership: membership.organisation.name},
    ),
    Holding(
        "modules_viewed",
        ModuleView,
        _their_rows(ModuleView),
        _kept("user_id", "course_slug", "module_slug", "first_viewed_at", "last_viewed_at"),
        "The course modules you opened.",
    ),
    Holding(
        "quiz_attempts",
        QuizAttempt,
        _their_rows(QuizAttempt),
        _kept(
            "public_id",
            "user_id",
            "course_slug",
            "module_slug",
            "course_version",
            "status",
            "questions",
            "answers",
            "correct_count",
            "question_count",
            "score",
            "pass_mark",
            "passed",
            "started_at",
            "submitted_at",
        ),
        "Each go at a quiz: what you were asked and what you chose.",
    ),
    Holding(
        "completions",
        Completion,
        _their_rows(Completion),
        _kept(
            "user_id",
            "course_slug",
            "course_version",
            "sequence",
            "completed_at",
            "expires_at",
            "method",
        ),
        "The courses you completed. Kept after erasure without your name.",
    ),
    Holding(
        "course_standing",
        CourseStanding,
        _their_rows(CourseStanding),
        _kept("user_id", "course_slug", "completed_at", "expires_at"),
        "Your latest completion and expiry of each course, worked out from completions.",
    ),
    Holding(
        "certificates",
        Certificate,
        _their_rows(Certificate),
        {
            "name_printed": Field(as_is, replaced_by(NAME_REMOVED)),
            "revoked_reason": Field(as_is, CLEAR),
            **_kept(
                "code",
                "user_id",
                "course_slug",
                "course_title",
                "course_version",
                "method",
                "delivered",
                "issuer",
                "completed_at",
                "expires_at",
                "issued_at",
                "revoked_at",
                "completion_id",
            ),
        },
        "Your certificates, as printed.",
    ),
    Holding(
        "certificate_notes_mentioning_you",
        Certificate,
        lambda person: and_(
            Certificate.user_id != person.id, person.mentions(Certificate.revoked_reason)
        ),
        {"revoked_reason": Field(as_is, SCRUB)},
        "Why someone else's certificate was revoked, where the reason names you.",
    ),
    Holding(
        "certificate_zip_contents",
        CertificateArchiveChunk,
        lambda person: CertificateArchiveChunk.archive_id.in_(_zips_of(person)),
        {"data": Field(described("a part of a zip of certificates, yours among them"), KEEP)},
        "Parts of the zips below: your certificates are listed under certificates.",
        delete_rows=True,
    ),
    Holding(
        "certificate_zips",
        CertificateArchive,
        lambda person: CertificateArchive.id.in_(_zips_of(person)),
        {},
        "Zips of your organisations' certificates, prepared for their managers in the "
        "last day; each holds your certificates.",
        delete_rows=True,
        also={
            "organisation_id": lambda archive: archive.organisation_id,
            "requested_at": lambda archive: archive.requested_at,
        },
    ),
    Holding(
        "training_done_elsewhere",
        ExternalRecord,
        _their_rows(ExternalRecord),
        {
            "provider": Field(as_is, replaced_by(REMOVED)),
            "course_name": Field(as_is, replaced_by(REMOVED)),
            "reference": Field(as_is, CLEAR),
            "evidence_name": Field(as_is, CLEAR),
            "evidence_type": Field(as_is, CLEAR),
            "evidence": Field(file, CLEAR),
            "decision_note": Field(as_is, CLEAR),
            **_kept(
                "user_id",
                "course_slug",
                "completed_on",
                "status",
                "created_at",
                "decided_by_id",
                "decided_at",
            ),
        },
        "Training you recorded as done elsewhere, with your evidence (base64, of its "
        "evidence_type) and the decision on it.",
    ),
    Holding(
        "training_notes_mentioning_you",
        ExternalRecord,
        lambda person: and_(
            ExternalRecord.user_id != person.id, person.mentions(ExternalRecord.decision_note)
        ),
        {"decision_note": Field(as_is, SCRUB)},
        "Why someone else's training was not accepted, where the reason names you.",
    ),
    Holding(
        "session_bookings",
        Booking,
        lambda person: or_(Booking.user_id == person.id, Booking.email.in_(person.emails)),
        {
            "name": Field(as_is, CLEAR),
            "email": Field(as_is, CLEAR),
            **_kept(
                "session_id",
                "user_id",
                "organisation_id",
                "status",
                "booked_at",
                "waiting_since",
                "booked_by_id",
                "cancelled_at",
                "walk_in",
                "attendance",
                "marked_at",
                "marked_by_id",
                "completion_id",
            ),
        },
        "Your places on face-to-face sessions, the waiting lists you joined, and what the "
        "register says of your attendance. Kept after erasure without your name, so that "
        "attendance figures do not change.",
        also={"session": lambda booking: booking.session.public_id},
    ),
    Holding(
        "facilitator",
        Facilitator,
        _their_rows(Facilitator),
        _kept("user_id", "organisation_id", "named_by_id", "named_at"),
        "That CST named you to run face-to-face sessions.",
        delete_rows=True,
    ),
    Holding(
        "photos_you_sent",
        FindingPhoto,
        lambda person: FindingPhoto.finding_id.in_(_findings_of(person)),
        {
            "data": Field(file, KEEP),
            "thumbnail": Field(described("a smaller copy of the photo in data"), KEEP),
            **_kept("public_id", "finding_id", "position", "width", "height", "taken_at"),
            **_kept("created_at"),
        },
        "The photos you sent with your reports to the hub, as we keep them (JPEG, base64, "
        "with no location or camera details in the file), and when your camera took each. "
        "Deleted when you are erased.",
        delete_rows=True,
        also={"report": lambda photo: photo.finding.public_id},
    ),
    Holding(
        "steps_on_your_reports",
        FindingEvent,
        lambda person: FindingEvent.finding_id.in_(_findings_of(person)),
        {
            "note": Field(as_is, CLEAR),
            "reference": Field(as_is, CLEAR),
            **_kept("finding_id", "step", "actor_id", "assigned_to_id", "other_finding_id"),
            **_kept("created_at"),
        },
        "What the Community Safety Team did with your reports to the hub. Kept after "
        "erasure without the notes and police references.",
        also={"report": lambda event: event.finding.public_id},
    ),
    Holding(
        "reports_to_the_hub",
        Finding,
        lambda person: Finding.id.in_(_findings_of(person)),
        {
            "reporter_id": Field(as_is, CLEAR),
            "description": Field(as_is, replaced_by(REMOVED)),
            "place": Field(as_is, replaced_by(REMOVED)),
            # A precise position with the time can trace the reporter's route: the
            # postcode is enough for the figures.
            "latitude": Field(as_is, CLEAR),
            "longitude": Field(as_is, CLEAR),
            "police_reference": Field(as_is, CLEAR),
            "close_reason": Field(as_is, CLEAR),
            **_kept(
                "public_id",
                "form_id",
                "kind",
                "strand",
                "postcode",
                "seen_at",
                "anonymous",
                "reported_at",
                "status",
                "assigned_to_id",
                "removal_due_at",
                "removed_at",
                "closed_at",
                "duplicate_of_id",
                "updated_at",
            ),
        },
        "What you reported to the partnership's hub: what you saw, where and when. After "
        "erasure each report is kept for the partnership's figures (what, which postcode, "
        "when, what was done) but no longer linked to you, without what you wrote, the "
        "place you described or your position.",
    ),
    Holding(
        "reminders_sent",
        ReminderLog,
        _their_rows(ReminderLog),
        _kept("user_id", "key", "sent_at"),
        "The reminders and notifications we emailed you (training due, reports to the hub).",
        delete_rows=True,
    ),
    Holding(
        "invitations",
        Invitation,
        _invited,
        {
            "token_hash": Field(secret, KEEP),
            **_kept(
                "email",
                "full_name",
                "team",
                "role",
                "created_by_id",
                "created_at",
                "expires_at",
                "last_sent_at",
                "accepted_at",
                "accepted_by_id",
                "revoked_at",
                "undeliverable_at",
            ),
        },
        "Invitations to join an organisation sent to your address.",
        delete_rows=True,
        also={"organisation": lambda invitation: invitation.organisation.name},
    ),
    Holding(
        "invitation_lists",
        InvitationBatch,
        lambda person: person.mentions(InvitationBatch.rows, emails_only=True),
        {
            "rows": Field(
                _batch_rows_of,
                erased_by("their rows removed", _batch_rows_without),
            )
        },
        "Your line in a list of people a manager uploaded or pasted to invite.",
        also={"created_at": lambda batch: batch.created_at},
    ),
    Holding(
        "organisations_registered",
        Organisation,
        lambda person: Organisation.contact_email.in_(person.emails),
        {
            "contact_name": Field(as_is, CLEAR),
            "contact_email": Field(as_is, CLEAR),
            "contact_phone": Field(as_is, CLEAR),
            "decision_note": Field(as_is, CLEAR),
        },
        "Organisations you asked to register as their contact, and our reply.",
        also={"organisation": lambda organisation: organisation.name},
    ),
    Holding(
        "organisation_notes_mentioning_you",
        Organisation,
        lambda person: and_(
            or_(
                Organisation.contact_email.is_(None),
                Organisation.contact_email.not_in(person.emails),
            ),
            person.mentions(Organisation.decision_note),
        ),
        {"decision_note": Field(as_is, SCRUB)},
        "Why an organisation's registration was declined, where the reason names you.",
    ),
    Holding(
        "actions_recorded",
        AuditEvent,
        lambda person: or_(
            AuditEvent.actor_id == person.id,
            _event_subjects(person),
            person.mentions(AuditEvent.detail),
        ),
        {
            "detail": EVENT_DETAIL,
            "ip_address": EVENT_IP,
            **_kept("actor_id", "action", "subject_type", "subject_id", "created_at"),
        },
        "What you did, and what was done to your account and records, with the IP address "
        "it came from when it was you (kept for {audit_ip_days} days).",
    ),
)

BY_AN_ACCOUNT = (
    "the account that did it; the account stays, anonymised, when its person is erased, "
    "and what they did is in their actions_recorded"
)

NOT_PERSONAL: dict[str, dict[str, str]] = {
    "organisation": {
        "name": "an organisation's name",
        "sector": "one of SECTORS",
        "status": "where its registration stands",
        "join_code": "a code people use to join it",
        "hub_link_token": "the secret of its link for reporting to the hub",
    },
    "organisation_domain": {"domain": "an organisation's email domain"},
    "assignment": {
        "course_slug": "a course",
        "team": "a team's name, chosen by a manager",
        "created_by_id": BY_AN_ACCOUNT,
    },
    "invitation_batch": {
        "public_id": "a random id for the manager's preview page",
        "source": "csv or pasted",
        "created_by_id": BY_AN_ACCOUNT,
    },
    "certificate_archive": {
        "status": "how far its preparation has got",
        "requested_by_id": BY_AN_ACCOUNT,
    },
    "training_session": {
        "title": "a session's name, chosen by CST",
        "venue": "a place",
        "address": "a venue's address",
        "access_notes": "how to reach the venue",
        "online_url": "a joining link",
        "cancel_reason": "why a session was cancelled, said to everyone booked",
        "created_by_id": BY_AN_ACCOUNT,
        "register_closed_by_id": BY_AN_ACCOUNT,
        "sectors": "SECTORS it is open to",
        "public_id": "a random reference for the session's pages",
        "course_slug": "a course",
        "audience": "who may book it",
        "status": "scheduled or cancelled",
    },
    "session_facilitator": {"user_id": "who ran a session, as printed on its certificates"},
    "report_figures": {
        "key": "which dashboard view",
        "version": "which data the figures were worked out from",
        "figures": "counts by course, sector and organisation: no person's name",
    },
}


# --- who a person is ---------------------------------------------------------------------


def person_of(user: User) -> Person:
    """Every address, name and record by which elearn knows this person."""
    emails = {user.email}
    invitations = db.session.execute(
        select(Invitation.id, Invitation.full_name).where(
            or_(Invitation.email.in_(emails), Invitation.accepted_by_id == user.id)
        )
    ).all()
    own_ids = {
        model: {
            str(i) for i in db.session.scalars(select(model.id).where(model.user_id == user.id))
        }
        for model in (Membership, Certificate, ExternalRecord)
    }
    registered = db.session.execute(
        select(Organisation.id, Organisation.contact_name).where(
            Organisation.contact_email.in_(emails)
        )
    ).all()
    names = {user.full_name}
    names.update(name for _, name in invitations)
    names.update(name for _, name in registered)
    names.update(
        db.session.scalars(select(Certificate.name_printed).where(Certificate.user_id == user.id))
    )
    names.update(_former_names(user.id))
    return Person(
        id=user.id,
        emails=frozenset(emails),
        names=frozenset(
            name.strip()
            for name in names
            if name and len(name.strip()) > 1 and name.strip() not in (ERASED_NAME, NAME_REMOVED)
        ),
        subjects={
            "user": frozenset({str(user.id)}),
            "membership": frozenset(own_ids[Membership]),
            "certificate": frozenset(own_ids[Certificate]),
            "externalrecord": frozenset(own_ids[ExternalRecord]),
            "invitation": frozenset(str(i) for i, _ in invitations),
            "finding": frozenset(str(i) for i in db.session.scalars(_findings_of_id(user.id))),
            "organisation": frozenset(str(i) for i, _ in registered),
        },
    )


def _findings_of_id(user_id: int):
    return select(Finding.id).where(Finding.reporter_id == user_id)


def _former_names(user_id: int) -> set[str]:
    details = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.subject_type == "user",
            AuditEvent.subject_id == str(user_id),
            AuditEvent.action == "name_changed",
        )
    )
    return {
        value
        for detail in details
        if isinstance(detail, dict)
        for value in (detail.get("from"), detail.get("to"))
        if isinstance(value, str)
    }


# --- export and erasure ------------------------------------------------------------------


def export_user_data(user: User) -> dict:
    """Everything elearn holds about one person, as plain JSON-ready data: a section for
    each holding, and what each section is under "about"."""
    person = person_of(user)
    settings = {"audit_ip_days": current_app.config["AUDIT_IP_DAYS"]}
    data: dict = {
        "about": {holding.section: holding.about.format(**settings) for holding in HOLDINGS}
    }
    for holding in HOLDINGS:
        data[holding.section] = holding.export(person)
    return data


def request_erasure(user: User) -> None:
    user.erasure_requested_at = utcnow()
    audit.record("erasure_requested", user, actor_id=user.id)


def withdraw_erasure_request(user: User) -> None:
    if user.erasure_requested_at is None:
        return
    user.erasure_requested_at = None
    audit.record("erasure_request_withdrawn", user, actor_id=user.id)


def erase_user(user: User, reason: str) -> None:
    """Remove what identifies a person, in the caller's transaction; keep anonymous
    records so figures do not change. Once the caller commits, the SQLite WAL is emptied
    so that no old copy of a page keeps what was removed."""
    person = person_of(user)
    for holding in HOLDINGS:
        holding.erase(person)
    audit.record("user_erased", user, {"reason": person.scrub(reason)})
    checkpoint_after_commit()


# The holdings that reduce a report to the hub to what the partnership's figures need.
REPORT_SECTIONS = ("photos_you_sent", "steps_on_your_reports", "reports_to_the_hub")


def reduce_findings(ids: Collection[int]) -> None:
    """Reduce these findings to what the partnership's figures need, whoever reported
    them, in the caller's transaction: what erasing their reporter does to them (the
    holdings in REPORT_SECTIONS, and the reasons and references of the audit events about
    them). Retention does this to findings finished long ago (elearn/hub/retention.py)."""
    findings = Person(
        id=0,  # no account: only these findings, with no names to look for
        emails=frozenset(),
        names=frozenset(),
        subjects={"finding": frozenset(str(i) for i in ids)},
    )
    for holding in HOLDINGS:
        if holding.section in REPORT_SECTIONS:
            holding.erase(findings)
    (actions,) = (holding for holding in HOLDINGS if holding.section == "actions_recorded")
    replace(actions, find=_event_subjects, fields={"detail": EVENT_DETAIL}).erase(findings)


def people_past_retention(months: int, now: datetime) -> list[User]:
    """People who left every organisation they belonged to more than `months` ago."""
    cutoff = add_months(now, -months)
    left = (
        select(Membership.user_id)
        .group_by(Membership.user_id)
        .having(
            func.count(Membership.left_at) == func.count(), func.max(Membership.left_at) < cutoff
        )
    )
    return list(
        db.session.scalars(
            select(User).where(
                User.id.in_(left),
                User.erased_at.is_(None),
                User.is_cst_admin.is_(False),
                (User.last_signed_in_at.is_(None)) | (User.last_signed_in_at < cutoff),
            )
        )
    )


LISTS_KEPT_DAYS = 30


def forget_old_invitation_lists(now: datetime) -> int:
    """Delete the lists of people to invite that a manager uploaded or pasted more than
    LISTS_KEPT_DAYS ago, confirmed or not: once confirmed they are the invitations, and
    one not confirmed in a month has been left. How many were deleted."""
    return db.session.execute(
        delete(InvitationBatch)
        .where(InvitationBatch.created_at < now - timedelta(days=LISTS_KEPT_DAYS))
        .execution_options(synchronize_session=False)
    ).rowcount
