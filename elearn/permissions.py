"""Who may do what to which organisation: one place, one decorator.

Views name an action; `can()` answers for a user and an organisation; `requires()` loads
the organisation named in the URL (404 when missing), asks `can()` (403 when not), and
hands the organisation to the view. Every other access decision is a named function here:
an object of the organisation in the URL (`owned`, `owned_batch`), a person's own quiz
attempt (`own_attempt`), decisions no one takes about themself, certificates, invitations
and the two-step sign-in CST admins may be required to turn on.
"""

from __future__ import annotations

import enum
import functools

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Exists, String, bindparam, cast, literal, or_, select

from elearn.extensions import db
from elearn.models import (
    Audience,
    Booking,
    ExternalRecord,
    Facilitator,
    Finding,
    FindingPhoto,
    Invitation,
    InvitationBatch,
    Membership,
    Organisation,
    OrganisationStatus,
    QuizAttempt,
    Role,
    TrainingSession,
    User,
    normalise_email,
)


class Action(enum.StrEnum):
    VIEW_ORGANISATION = "view_organisation"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_INVITATIONS = "manage_invitations"
    MANAGE_ASSIGNMENTS = "manage_assignments"
    ADMINISTER = "administer"  # CST only: approve, rename, merge, deactivate, domains


CST_ONLY = {Action.ADMINISTER}


def manager_membership(user_id: int, organisation_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(
            Membership.user_id == user_id,
            Membership.organisation_id == organisation_id,
            Membership.role == Role.MANAGER,
            Membership.left_at.is_(None),
        )
    )


def can(user: User, action: Action, organisation: Organisation) -> bool:
    """Whether `user` may take `action` on `organisation`."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_cst_admin:
        return True
    if action in CST_ONLY or organisation.status != OrganisationStatus.APPROVED:
        return False
    return manager_membership(user.id, organisation.id) is not None


def can_decide_external(
    user: User, record: ExternalRecord, organisation: Organisation | None
) -> bool:
    """Whether `user` may accept or reject a record of training done elsewhere, and see
    its evidence: through an organisation (`organisation`), a manager of it or a CST
    admin, while the learner is an active member of it; otherwise (CST's own pages) a
    CST admin. Never on their own record, whoever they are: someone else decides."""
    if not user.is_authenticated or not user.is_active or user.id == record.user_id:
        return False
    if organisation is None:
        return bool(user.is_cst_admin)
    if not can(user, Action.MANAGE_MEMBERS, organisation):
        return False
    learner_member = db.session.scalar(
        select(Membership.id).where(
            Membership.user_id == record.user_id,
            Membership.organisation_id == organisation.id,
            Membership.left_at.is_(None),
        )
    )
    return learner_member is not None


def about_themself(user: User, person_id: int | None = None, email: str | None = None) -> bool:
    """Whether a decision would be about the decider: their own record, or a request that
    names their address. No one decides on evidence about themself."""
    if person_id is not None and person_id == user.id:
        return True
    return email is not None and normalise_email(email) == normalise_email(user.email)


def can_decide_registration(user: User, organisation: Organisation) -> bool:
    """A CST admin approves or declines a request to register, unless it names them."""
    return bool(user.is_cst_admin) and not about_themself(user, email=organisation.contact_email)


def can_revoke(user: User, certificate) -> bool:
    """A CST admin revokes a certificate, never their own."""
    return bool(user.is_cst_admin) and not about_themself(user, person_id=certificate.user_id)


def can_erase(user: User, person: User) -> bool:
    """A CST admin erases someone else; their own erasure is another admin's decision."""
    return bool(user.is_cst_admin) and not about_themself(user, person_id=person.id)


def can_download_certificate(user: User, certificate) -> bool:
    """The learner, CST, or a manager of an approved organisation the learner belongs to
    now (a manager of a pending, declined or deactivated one manages nothing)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_cst_admin or user.id == certificate.user_id:
        return True
    shared = (
        select(Membership.organisation_id)
        .where(Membership.user_id == certificate.user_id, Membership.left_at.is_(None))
        .scalar_subquery()
    )
    manages = db.session.scalar(
        select(Membership.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(*_managing(user.id), Membership.organisation_id.in_(shared))
    )
    return manages is not None


def can_reissue(user: User, certificate) -> bool:
    """The learner (to print their name as it is now), or CST."""
    return bool(user.is_cst_admin) or user.id == certificate.user_id


def owned(model, object_id: int, organisation: Organisation):
    """An object of this organisation named in the URL (a member, an invitation, a
    required course), or 404: a manager reaches another organisation's objects through
    none of their own organisation's pages."""
    found = db.session.get(model, object_id)
    if found is None or found.organisation_id != organisation.id:
        abort(404)
    return found


def owned_batch(organisation: Organisation, public_id: str) -> InvitationBatch:
    """A list of invitations of this organisation named in the URL by its public id, or
    404: `owned` for the one object named by something other than its id."""
    batch = db.session.scalar(
        select(InvitationBatch).where(
            InvitationBatch.public_id == public_id,
            InvitationBatch.organisation_id == organisation.id,
        )
    )
    if batch is None:
        abort(404)
    return batch


OWN_ATTEMPT = select(QuizAttempt).where(  # built once
    QuizAttempt.public_id == bindparam("id"),
    QuizAttempt.user_id == bindparam("user_id"),
    QuizAttempt.course_slug == bindparam("course"),
    QuizAttempt.module_slug == bindparam("module"),
)


def own_attempt(user: User, course_slug: str, module_slug: str, public_id: str) -> QuizAttempt:
    """The person's own attempt at this module's quiz named in the URL; anyone else's is
    'not found' (404), never 'forbidden'."""
    attempt = db.session.scalar(
        OWN_ATTEMPT,
        {"id": public_id, "user_id": user.id, "course": course_slug, "module": module_slug},
    )
    if attempt is None:
        abort(404)
    return attempt


def can_accept_invitation(user: User, invitation: Invitation) -> bool:
    """Signed in, only the account with the address the invitation was sent to accepts it;
    anyone else is told it is someone else's."""
    return user.email == invitation.email


def must_turn_on_two_factor(user: User) -> bool:
    """Where CST admins are required to use two-step sign-in (REQUIRE_2FA_FOR_ADMINS), a
    CST admin without it may do nothing else until they turn it on."""
    return bool(user.is_authenticated and user.is_cst_admin and not user.two_factor_enabled)


# --- face-to-face sessions ----------------------------------------------------------------


def is_facilitator(user: User) -> bool:
    """Someone CST has named to run face-to-face sessions."""
    if not user.is_authenticated:
        return False
    return db.session.get(Facilitator, user.id) is not None


def can_schedule_sessions(user: User) -> bool:
    """CST admins and the facilitators they name create sessions."""
    return bool(user.is_authenticated and user.is_active) and (
        bool(user.is_cst_admin) or is_facilitator(user)
    )


def can_run_session(user: User, session: TrainingSession) -> bool:
    """CST, or a facilitator of this session (and named still): edit it, cancel it, see
    who is booked and keep its register."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_cst_admin:
        return True
    return is_facilitator(user) and any(person.id == user.id for person in session.facilitators)


def can_mark(user: User, booking: Booking) -> bool:
    """Who keeps the register marks it, but never their own attendance: someone else
    says they were there."""
    return can_run_session(user, booking.session) and booking.user_id != user.id


def can_close_register(user: User, session: TrainingSession) -> bool:
    """CST closes a session's register (the marks are final), whoever facilitated it."""
    return bool(user.is_authenticated and user.is_active and user.is_cst_admin)


def sessions_open_to(user: User):
    """The condition on TrainingSession for the sessions `user` (or a visitor) may see and
    book: those open to all, to an organisation they belong to, or to its sector. None
    for CST, who see every one."""
    if user.is_authenticated and user.is_cst_admin:
        return None
    conditions = [TrainingSession.audience == Audience.ALL]
    if user.is_authenticated:
        # In the same statement as the sessions: no query of its own for a course page.
        belongs = (
            select(Membership.id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(
                Membership.user_id == user.id,
                Membership.left_at.is_(None),
                Organisation.status == OrganisationStatus.APPROVED,
            )
        )
        conditions.append(
            (TrainingSession.audience == Audience.ORGANISATION)
            & belongs.where(Organisation.id == TrainingSession.organisation_id).exists()
        )
        # sectors is a JSON list of keys: matched as text, '"school"' within it.
        conditions.append(
            (TrainingSession.audience == Audience.SECTORS)
            & belongs.where(
                cast(TrainingSession.sectors, String).contains(
                    literal('"') + Organisation.sector + literal('"')
                )
            ).exists()
        )
    return or_(*conditions)


def open_to(session: TrainingSession, user: User) -> bool:
    """Whether `user` (or a visitor) may see the session and book it."""
    condition = sessions_open_to(user)
    if condition is None:
        return True
    return (
        db.session.scalar(
            select(TrainingSession.id).where(TrainingSession.id == session.id, condition)
        )
        is not None
    )


def can_see_session(user: User, session: TrainingSession) -> bool:
    """Those it is open to, and those who run it; a visitor sees the ones open to all."""
    return can_run_session(user, session) or open_to(session, user)


def can_cancel_booking(user: User, booking: Booking) -> bool:
    """The person booked, a manager of the organisation it was booked through, or those
    who run the session."""
    if not user.is_authenticated or not user.is_active:
        return False
    if booking.user_id == user.id or can_run_session(user, booking.session):
        return True
    organisation = booking.organisation
    return organisation is not None and can(user, Action.MANAGE_MEMBERS, organisation)


# --- the reporting hub --------------------------------------------------------------------


def can_report_finding(user: User) -> bool:
    """Anyone signed in reports what they see in the street."""
    return bool(user.is_authenticated and user.is_active)


def can_triage(user: User) -> bool:
    """CST triages findings: the queue, every finding, every step."""
    return bool(user.is_authenticated and user.is_active and user.is_cst_admin)


def can_see_finding(user: User, finding: Finding) -> bool:
    """The reporter and CST; to anyone else a finding is 'not found' (a manager of the
    reporter's organisation included: a report is the reporter's, not the employer's)."""
    if can_triage(user):
        return True
    return bool(
        user.is_authenticated
        and user.is_active
        and finding.reporter_id is not None
        and finding.reporter_id == user.id
    )


def can_see_photo(user: User, photo: FindingPhoto) -> bool:
    return can_see_finding(user, photo.finding)


def hub_partner_organisations(user: User) -> list[Organisation]:
    """The approved partners CST shares findings with that the person manages now."""
    if not (user.is_authenticated and user.is_active):
        return []
    return list(
        db.session.scalars(
            select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(
                Membership.user_id == user.id,
                Membership.role == Role.MANAGER,
                Membership.left_at.is_(None),
                Organisation.hub_partner,
                Organisation.status == OrganisationStatus.APPROVED,
            )
            .order_by(Organisation.name)
        )
    )


def can_see_hub_figures(user: User) -> bool:
    """CST, and the managers of partners CST shares the hub's findings with: figures,
    map and export, never a reporter's name nor a photo."""
    return can_triage(user) or bool(hub_partner_organisations(user))


def can_report_by_link(organisation: Organisation | None) -> bool:
    """Anyone with a partner's reporting link reports for it, without an account, while
    the organisation is approved and the link is the one CST gave it (a new one ends it)."""
    return bool(
        organisation is not None
        and organisation.status == OrganisationStatus.APPROVED
        and organisation.hub_link_token
    )


def can_follow_by_link(organisation: Organisation | None, finding: Finding | None) -> bool:
    """A receipt's address (the link and the finding) shows a report made through that
    same organisation's link, while the link works: never one made by someone signed in
    (not even once erasure or retention has taken its reporter away)."""
    return bool(
        can_report_by_link(organisation)
        and finding is not None
        and finding.by_link
        and finding.organisation_id == organisation.id
    )


def requires(action: Action):
    """Route decorator for URLs with <int:organisation_id>: the view gets `organisation`."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(organisation_id: int, **kwargs):
            organisation = db.session.get(Organisation, organisation_id)
            if organisation is None:
                abort(404)
            if not can(current_user, action, organisation):
                abort(403)
            return view(organisation=organisation, **kwargs)

        wrapped.required_action = action
        return wrapped

    return decorator


def cst_admin_required(view):
    """Route decorator for CST administration pages with no organisation in the URL."""

    @functools.wraps(view)
    @login_required
    def wrapped(**kwargs):
        if not current_user.is_cst_admin:
            abort(403)
        return view(**kwargs)

    wrapped.required_action = Action.ADMINISTER
    return wrapped


def _managing(user_id) -> tuple:
    """A person's current manager membership of an approved organisation."""
    return (
        Membership.user_id == user_id,
        Membership.role == Role.MANAGER,
        Membership.left_at.is_(None),
        Organisation.status == OrganisationStatus.APPROVED,
    )


def manages_any() -> Exists:
    """Whether the User of the enclosing statement manages an approved organisation."""
    return (
        select(Membership.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(*_managing(User.id))
        .exists()
    )


def manages_any_organisation(user: User) -> bool:
    """Whether the user manages an approved organisation (the menu asks on every page).

    Signing in loads the answer with the person (`load_user`), so the menu costs no
    query of its own."""
    known = getattr(user, "manages_any_organisation", None)
    if known is not None:
        return known
    return bool(db.session.scalar(select(manages_any()).where(User.id == user.id)))


def managed_organisations(user: User) -> list[Organisation]:
    """The approved organisations a user manages (CST admins see them through admin pages)."""
    return list(
        db.session.scalars(
            select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(*_managing(user.id))
            .order_by(Organisation.name)
        )
    )
