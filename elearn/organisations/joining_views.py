"""Visitors' ways in: register an organisation, accept an invitation, use a join code,
or create an account from an emailed link (joining by email domain)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from elearn.auth import registration
from elearn.auth.accounts import find_user, start_session
from elearn.auth.landing import landing_url
from elearn.auth.passwords import PasswordOwner
from elearn.extensions import db, limiter
from elearn.mail import after_response, send_mail_or_log
from elearn.models import Invitation, Organisation, User, normalise_email, utcnow
from elearn.organisations import codes_and_domains, invitations, memberships
from elearn.organisations.forms import (
    AcceptInvitationForm,
    CreateAccountForm,
    JoinCodeForm,
    RegisterOrganisationForm,
    SetPasswordForm,
)
from elearn.organisations.registration import request_registration
from elearn.organisations.tokens import display_join_code, normalise_join_code
from elearn.permissions import can_accept_invitation
from elearn.web.forms import ConfirmForm
from elearn.web.links import site_url
from elearn.web.security import limited_per_address

bp = Blueprint("joining", __name__)

JOIN_LIMIT = "10 per minute;60 per hour"


def welcome(user: User, organisation: Organisation | None):
    """Sign the new account in and send it where its work is (a manager to the
    organisation's checklist), saying what it joined, or that it joined nothing yet."""
    start_session(user)
    db.session.commit()
    if organisation is not None:
        flash(f"You have joined {organisation.name}.", "success")
    else:
        flash(
            "Your account is ready, but you are not in an organisation yet: your training "
            "will not count towards your employer's until you join it. Ask your manager "
            "for an invitation or a join code.",
            "info",
        )
    return redirect(landing_url(user))


@bp.route("/organisations/register", methods=["GET", "POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
@limited_per_address("contact_email")
def register_organisation():
    form = RegisterOrganisationForm()
    if form.validate_on_submit():
        organisation = request_registration(
            form.name.data,
            form.sector.data,
            form.headcount.data,
            form.contact_name.data,
            form.contact_email.data,
            form.contact_phone.data,
        )
        db.session.commit()
        # The request is saved and CST sees it, whether or not this goes. The address is
        # unproven: the email carries the contact's name only, nothing else they typed.
        email, name = organisation.contact_email, organisation.contact_name
        after_response(
            lambda: send_mail_or_log(
                email, "We have your request to register", "registration_received", name=name
            )
        )
        return render_template("joining/registration_sent.html", organisation=organisation)
    return render_template("joining/register.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(JOIN_LIMIT)
def invitation(token: str):
    invitation = invitations.usable_invitation(token, utcnow())
    if invitation is None:
        return render_template("joining/invitation_invalid.html"), 404
    if current_user.is_authenticated:
        return accept_signed_in(invitation)
    if find_user(invitation.email) is not None:
        return render_template("joining/invitation_sign_in.html", invitation=invitation)
    form = AcceptInvitationForm()
    form.password_owner = PasswordOwner(invitation.email)  # and the name typed
    if request.method == "GET" and invitation.full_name:
        form.full_name.data = invitation.full_name
    if form.validate_on_submit():
        user = registration.create_verified_account(
            invitation.email, form.full_name.data, form.password.data
        )
        if user is None:
            abort(409)
        invitations.accept_invitation(invitation, user)
        db.session.commit()
        return welcome(user, invitation.organisation)
    return render_template("joining/invitation.html", invitation=invitation, form=form)


def accept_signed_in(invitation: Invitation):
    if not can_accept_invitation(current_user, invitation):
        return render_template("joining/invitation_other_account.html"), 403
    form = ConfirmForm()
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        invitations.accept_invitation(invitation, user)
        db.session.commit()
        flash(f"You have joined {invitation.organisation.name}.", "success")
        return redirect(landing_url(user))
    return render_template("joining/invitation_accept.html", invitation=invitation, form=form)


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit(JOIN_LIMIT, methods=["POST"])
def join():
    form = JoinCodeForm(data={"code": request.args.get("code", "")})
    if not form.validate_on_submit():
        return render_template("joining/join.html", form=form)
    organisation = codes_and_domains.organisation_for_join_code(form.code.data)
    if organisation is None:
        form.code.errors.append("Enter a join code that is in use: check it with your manager")
        return render_template("joining/join.html", form=form)
    code = normalise_join_code(form.code.data)
    if current_user.is_authenticated:
        return render_template(
            "joining/join_confirm.html", organisation=organisation, code=code, form=ConfirmForm()
        )
    account_form = CreateAccountForm(formdata=None, data={"join_code": code})
    return render_template(
        "joining/create_account.html",
        form=account_form,
        organisation=organisation,
        code=display_join_code(code),
    )


@bp.post("/join/<code>")
@limiter.limit(JOIN_LIMIT)
def join_signed_in(code: str):
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in", next=url_for(".join", code=code)))
    organisation = codes_and_domains.organisation_for_join_code(code)
    if organisation is None or not ConfirmForm().validate_on_submit():
        flash("That join code is no longer in use. Check it with your manager.", "info")
        return redirect(url_for(".join"))
    if memberships.active_membership(current_user.id, organisation.id) is not None:
        flash(f"You are already a member of {organisation.name}.", "info")
        return redirect(url_for("courses.my_training"))
    memberships.join(organisation, db.session.get(User, current_user.id), how="joined_by_code")
    db.session.commit()
    flash(f"You have joined {organisation.name}.", "success")
    return redirect(url_for("courses.my_training"))


def email_new_account_link(email: str, name: str, join_code: str | None) -> None:
    """After the response: a link to finish the account, or, for an address that has
    one, a reminder to sign in (the page said the same either way)."""
    if find_user(email) is not None:
        send_mail_or_log(
            email, "You already have an account", "account_exists", link=site_url("auth.sign_in")
        )
        return
    token = registration.verification_token(email, name, join_code)
    send_mail_or_log(
        email,
        "Confirm your email address",
        "verify_email",
        name=name,
        link=site_url("joining.confirm_account", token=token),
    )


@bp.route("/create-account", methods=["GET", "POST"])
@limiter.limit("5 per minute;30 per hour", methods=["POST"])
@limited_per_address("email")
def create_account():
    form = CreateAccountForm()
    if form.validate_on_submit():
        email = normalise_email(form.email.data)
        name, code = form.full_name.data, form.join_code.data or None
        after_response(lambda: email_new_account_link(email, name, code))
        return render_template("joining/check_email.html", email=email)
    code = normalise_join_code(form.join_code.data or "")
    organisation = codes_and_domains.organisation_for_join_code(code) if code else None
    return render_template(
        "joining/create_account.html",
        form=form,
        organisation=organisation,
        code=display_join_code(code) if organisation else None,
    )


@bp.route("/create-account/<token>", methods=["GET", "POST"])
@limiter.limit(JOIN_LIMIT, methods=["POST"])
def confirm_account(token: str):
    details = registration.read_verification_token(token)
    if details is None or find_user(details["email"]) is not None:
        return render_template("joining/link_invalid.html"), 404
    form = SetPasswordForm()
    form.password_owner = PasswordOwner(details["email"], details["name"])
    if form.validate_on_submit():
        user = registration.create_verified_account(
            details["email"], details["name"], form.password.data
        )
        if user is None:
            return render_template("joining/link_invalid.html"), 404
        organisation = codes_and_domains.organisation_to_join(user.email, details.get("code"))
        if organisation is not None:
            memberships.join(
                organisation,
                user,
                how="joined_by_code" if details.get("code") else "joined_by_domain",
            )
        db.session.commit()
        return welcome(user, organisation)
    return render_template("joining/set_password.html", form=form, email=details["email"])
