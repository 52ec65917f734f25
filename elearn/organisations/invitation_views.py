"""A manager invites people: pasted addresses or a CSV, checked, previewed, then sent."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from elearn.extensions import db
from elearn.models import Invitation, Role, User, utcnow
from elearn.organisations import outbox
from elearn.organisations.forms import InviteForm, UploadForm
from elearn.organisations.importer import ImportRejected, parse_csv, parse_pasted
from elearn.organisations.invitations import (
    confirm_batch,
    plan_invitations,
    prepare_batch,
    resend_invitation,
    revoke_invitation,
)
from elearn.organisations.memberships import OperationRefused
from elearn.organisations.notifications import send_invitations, send_waiting
from elearn.organisations.views import bp
from elearn.permissions import Action, owned, owned_batch, requires
from elearn.web.filters import counted
from elearn.web.forms import ConfirmForm, problems_as_errors
from elearn.web.security import keeps_input_on_csrf_failure

INVITATIONS_SHOWN = 200


def invitations_page(organisation, invite_form=None, upload_form=None, status=200):
    invitations = db.session.scalars(
        select(Invitation)
        .where(Invitation.organisation_id == organisation.id)
        .order_by(Invitation.accepted_at.is_not(None), Invitation.created_at.desc())
        .limit(INVITATIONS_SHOWN)
    ).all()
    return render_template(
        "organisations/invitations.html",
        organisation=organisation,
        invite_form=invite_form or InviteForm(formdata=None),
        upload_form=upload_form or UploadForm(formdata=None),
        invitations=invitations,
        outbox=outbox.outbox(organisation.id, utcnow()),
        now=utcnow(),
        action_form=ConfirmForm(),
    ), status


def to_batch(organisation, invitees, source: str, role: str = Role.MEMBER):
    rows = [
        {"line": i.line, "email": i.email, "name": i.name, "team": i.team, "role": role}
        | ({"repeats": list(i.repeats)} if i.repeats else {})
        for i in invitees
    ]
    batch = prepare_batch(organisation, rows, db.session.get(User, current_user.id), source)
    db.session.commit()
    return redirect(
        url_for(".invitation_batch", organisation_id=organisation.id, public_id=batch.public_id)
    )


@bp.route("/<int:organisation_id>/invitations", methods=["GET", "POST"])
@requires(Action.MANAGE_INVITATIONS)
@keeps_input_on_csrf_failure
def invitations(organisation):
    form = InviteForm()
    if not form.validate_on_submit():
        return invitations_page(
            organisation, invite_form=form, status=400 if form.is_submitted() else 200
        )
    try:
        invitees = parse_pasted(form.emails.data)
    except ImportRejected as rejected:
        form.emails.errors = problems_as_errors([p.message for p in rejected.problems])
        return invitations_page(organisation, invite_form=form, status=400)
    return to_batch(organisation, invitees, "pasted", form.role.data)


@bp.post("/<int:organisation_id>/invitations/upload")
@requires(Action.MANAGE_INVITATIONS)
def upload_invitations(organisation):
    form = UploadForm()
    if not form.validate_on_submit():
        return invitations_page(organisation, upload_form=form, status=400)
    try:
        invitees = parse_csv(form.file.data.read())
    except ImportRejected as rejected:
        form.file.errors = problems_as_errors([p.message for p in rejected.problems])
        return invitations_page(organisation, upload_form=form, status=400)
    return to_batch(organisation, invitees, "csv")


@bp.route("/<int:organisation_id>/invitations/batches/<public_id>", methods=["GET", "POST"])
@requires(Action.MANAGE_INVITATIONS)
def invitation_batch(organisation, public_id: str):
    batch = owned_batch(organisation, public_id)
    form = ConfirmForm()
    if batch.confirmed_at is not None:
        flash("These invitations were already sent.", "info")
        return redirect(url_for(".invitations", organisation_id=organisation.id))
    if form.validate_on_submit():
        role = batch.rows[0].get("role", Role.MEMBER) if batch.rows else Role.MEMBER
        plan = confirm_batch(organisation, batch, db.session.get(User, current_user.id), role)
        if plan is None:
            return redirect(url_for(".invitations", organisation_id=organisation.id))
        db.session.commit()
        members = len(plan.members)
        already = f" {counted(members, 'person was', 'people were')} already " + (
            "a member." if members == 1 else "members."
        )
        send_and_say(organisation, already if members else "")
        return redirect(url_for(".invitations", organisation_id=organisation.id))
    plan = plan_invitations(organisation, batch.rows)
    return render_template(
        "organisations/batch.html", organisation=organisation, batch=batch, plan=plan, form=form
    )


@bp.post("/<int:organisation_id>/invitations/send-waiting")
@requires(Action.MANAGE_INVITATIONS)
def send_waiting_invitations(organisation):
    """Send what a stopped sender left waiting (a restart, a mail server that was down)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    send_and_say(organisation)
    return redirect(url_for(".invitations", organisation_id=organisation.id))


def send_and_say(organisation, more: str = "") -> None:
    """Send the organisation's waiting invitations and tell the manager how it went."""
    waiting = outbox.outbox(organisation.id, utcnow()).waiting
    if waiting > outbox.SEND_NOW:
        send_invitations(organisation.id)
        flash(f"{waiting:,} invitations are being sent.{more}", "success")
        return
    outcome = send_waiting(organisation.id)
    sent, refused = outcome.sent, outcome.refused
    left = outbox.outbox(organisation.id, utcnow()).waiting
    said = f"{counted(sent, 'invitation', 'invitations')} sent.{more}"
    if refused:
        said += f' The mail server refused {refused}: they are marked "Email refused".'
    if left:
        said += f" {left} could not go yet and are waiting to be sent: try again later."
    flash(said, "info" if refused or left else "success")


@bp.post("/<int:organisation_id>/invitations/<int:invitation_id>/<any(resend, revoke):change>")
@requires(Action.MANAGE_INVITATIONS)
def change_invitation(organisation, invitation_id: int, change: str):
    invitation = owned(Invitation, invitation_id, organisation)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if change == "resend":
            resend_invitation(invitation)
        else:
            revoke_invitation(invitation)
    except OperationRefused as refused:
        flash(str(refused), "info")
        return redirect(url_for(".invitations", organisation_id=organisation.id))
    db.session.commit()
    if change == "resend":
        outcome = send_waiting(organisation.id, only=invitation.id)
        if outcome.sent:
            flash(f"A new invitation link has been sent to {invitation.email}.", "success")
        elif outcome.refused:
            flash(f"The mail server refused {invitation.email}: check the address.", "info")
        else:
            flash(
                f"The email to {invitation.email} could not be sent. "
                "It is waiting to be sent: try again later.",
                "info",
            )
    else:
        flash(f"The invitation to {invitation.email} has been withdrawn.", "success")
    return redirect(url_for(".invitations", organisation_id=organisation.id))
