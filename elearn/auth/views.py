"""Routes for signing in and out, and for passwords."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user

from elearn import audit
from elearn.auth import accounts, devices, personal_data, two_factor
from elearn.auth.accounts import load_user, start_session
from elearn.auth.forms import (
    ChangePasswordForm,
    CodeForm,
    NameForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignInForm,
)
from elearn.auth.landing import landing_url
from elearn.auth.passwords import PasswordOwner
from elearn.extensions import db, limiter
from elearn.mail import after_response, send_mail_or_log
from elearn.models import User
from elearn.models.organisation import memberships_of
from elearn.permissions import must_turn_on_two_factor
from elearn.web.forms import ConfirmForm
from elearn.web.links import site_url
from elearn.web.security import limited_per_address
from elearn.web.shared_pages import render_shared

bp = Blueprint("auth", __name__)

SIGN_IN_LIMIT = "10 per minute;50 per hour"


def safe_next(target: str | None, user: User) -> str:
    """Only a path on this site (never another host: open redirect), else where they land."""
    printable = target is not None and target.isprintable()  # no CR, LF, tab or NUL
    if printable and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return landing_url(user)


@bp.before_app_request
def require_two_factor_for_admins():
    """With ELEARN_REQUIRE_2FA_FOR_ADMINS set, a CST admin must turn it on before anything."""
    if not current_app.config.get("REQUIRE_2FA_FOR_ADMINS"):
        return None
    allowed = {"auth.two_factor_setup", "auth.sign_out", "static"}
    if must_turn_on_two_factor(current_user) and request.endpoint not in allowed:
        flash("CST admins must turn on two-step sign-in before going on.", "info")
        return redirect(url_for("auth.two_factor_setup"))
    return None


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"], exempt_when=devices.from_known_device)
@limiter.limit(
    devices.DEVICE_LIMIT,
    methods=["POST"],
    key_func=devices.device_key,
    exempt_when=devices.from_unknown_device,
    deduct_when=devices.attempt_failed,
)
def sign_in():
    """Known devices (elearn/auth/devices.py) are limited per device; others per address,
    and the account slows them down after five wrong passwords."""
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = SignInForm()
    if form.validate_on_submit():
        known = devices.from_known_device()
        user = accounts.authenticate(form.email.data, form.password.data, known_device=known)
        if user is not None and user.two_factor_enabled:
            db.session.commit()
            session.clear()
            session["two_factor"] = two_factor.pending_sign_in(user, request.args.get("next"))
            return redirect(url_for(".two_factor_code"))
        if user is not None:
            target = safe_next(request.args.get("next"), user)
            start_session(user)
            audit.record("signed_in", user, actor_id=user.id)
            db.session.commit()
            return redirect(target)
        db.session.commit()  # the count of failed attempts
        devices.count_failure()
        form.email.errors.append("Enter a correct email address and password")
    if request.method == "GET":
        # An empty form, the same for every visitor: rendered once (elearn/web/shared_pages.py).
        return render_shared(("sign-in",), "auth/sign_in.html", form=form)
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
def two_factor_code():
    """Wrong codes are limited per account (elearn/auth/two_factor.py): after a few the
    pending sign-in ends, and starts again from the password."""
    pending = session.get("two_factor")
    user = load_user(pending["user"]) if pending else None
    if user is None or not user.active or not two_factor.pending_is_live(pending, user):
        session.pop("two_factor", None)
        return redirect(url_for(".sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        outcome = two_factor.try_code(user, pending, form.code.data)
        if outcome.accepted:
            target = safe_next(pending.get("next"), user)
            start_session(user)
            audit.record("signed_in", user, {"two_factor": True}, actor_id=user.id)
            db.session.commit()
            return redirect(target)
        db.session.commit()  # the count of wrong codes
        if outcome.ended:
            session.pop("two_factor", None)
            flash(outcome.message, "info")
            return redirect(url_for(".sign_in"))
        form.code.errors.append(outcome.message)
    return render_template("auth/two_factor_code.html", form=form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_setup():
    user = db.session.get(User, current_user.id)
    form = CodeForm()
    secret = user.totp_secret or session.setdefault("totp_setup", two_factor.new_secret())
    if form.validate_on_submit():
        if user.two_factor_enabled:
            problem = two_factor.redeem(user, form.code.data)
        else:
            step = two_factor.matching_step(secret, form.code.data)
            problem = two_factor.WRONG if step is None else None
        if problem:
            form.code.errors.append(problem)
        elif user.two_factor_enabled:
            user.totp_secret = None
            user.totp_last_step = None
            audit.record("two_factor_disabled", user)
            db.session.commit()
            flash("Two-step sign-in is off.", "success")
            return redirect(url_for(".account"))
        else:
            user.totp_secret = secret
            user.totp_last_step = step  # the code that turned it on is spent
            session.pop("totp_setup", None)
            audit.record("two_factor_enabled", user)
            db.session.commit()
            flash(
                "Two-step sign-in is on. You will need your app each time you sign in.", "success"
            )
            return redirect(url_for(".account"))
    uri = two_factor.provisioning_uri(secret, user)
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        user=user,
        secret=secret,
        qr=None if user.two_factor_enabled else two_factor.qr_data_uri(uri),
    )


@bp.route("/sign-out", methods=["GET", "POST"])
@login_required
def sign_out():
    """Signing out is a POST (a link elsewhere cannot sign anyone out); the address typed
    or bookmarked shows a button that does it."""
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("auth/sign_out.html", form=form)
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        user.end_other_sessions()
        audit.record("signed_out", user)
        db.session.commit()
        logout_user()
        flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


def email_reset_link(email: str) -> None:
    """Email a reset link if an active account has this address (after the response)."""
    user = accounts.find_user(email)
    if user is None or not user.active:
        return
    link = site_url("auth.reset_password", token=accounts.reset_token(user))
    send_mail_or_log(
        user.email,
        "Reset your Community Safety e-learning password",
        "password_reset",
        user=user,
        link=link,
    )
    audit.record("password_reset_requested", user, actor_id=user.id)
    db.session.commit()


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
@limited_per_address("email")
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        email = form.email.data
        after_response(lambda: email_reset_link(email))  # the same answer, account or not
        return render_template("auth/reset_sent.html", email=email)
    return render_template("auth/request_reset.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def reset_password(token: str):
    user = accounts.user_for_reset_token(token)
    if user is None:
        return render_template("auth/reset_invalid.html"), 400
    form = ResetPasswordForm()
    form.password_owner = PasswordOwner(user.email, user.full_name)
    if form.validate_on_submit():
        user.set_password(form.password.data)
        user.end_other_sessions()
        audit.record("password_reset", user, actor_id=user.id)
        db.session.commit()
        devices.remember_this_device(user)  # the link proved the mailbox: no wait here
        flash("Your password has been changed. Sign in with your new password.", "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = NameForm(data={"full_name": current_user.full_name})
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        if form.full_name.data.strip() != user.full_name:
            audit.record("name_changed", user, {"from": user.full_name, "to": form.full_name.data})
            user.full_name = form.full_name.data.strip()
            db.session.commit()
            flash("Your name has been saved. New certificates will show it.", "success")
        return redirect(url_for(".account"))
    return render_template(
        "auth/account.html", form=form, memberships=memberships_of(current_user.id)
    )


@bp.get("/account/data.json")
@login_required
def data_export():
    """Everything held about the signed-in person (UK GDPR right of access)."""
    user = db.session.get(User, current_user.id)
    response = jsonify(personal_data.export_user_data(user))
    response.headers["Content-Disposition"] = 'attachment; filename="my-elearn-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/erasure", methods=["GET", "POST"])
@login_required
def request_erasure():
    """Asking to be erased is confirmed on a page of its own, and can be withdrawn until
    the Community Safety Team has done it."""
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("auth/request_erasure.html", form=form)
    if not form.validate_on_submit():
        abort(400)
    user = db.session.get(User, current_user.id)
    if request.form.get("withdraw"):
        personal_data.withdraw_erasure_request(user)
        db.session.commit()
        flash("You have withdrawn your request. Your data will be kept.", "success")
        return redirect(url_for(".account"))
    personal_data.request_erasure(user)
    db.session.commit()
    flash(
        "Your request has been sent to the Community Safety Team. They will erase your data "
        "within one month; after that you will not be able to sign in. Until then you can "
        "withdraw it here.",
        "success",
    )
    return redirect(url_for(".account"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    valid = form.validate_on_submit()
    forged = getattr(form, "csrf_token", None) is not None and form.csrf_token.errors
    if form.is_submitted() and form.current_password.data and not forged:
        user = db.session.get(User, current_user.id)
        # Checked whatever else is wrong, so that every mistake is listed at once.
        if not user.check_password(form.current_password.data):
            form.current_password.errors = [
                *form.current_password.errors,
                "Your current password is not right",
            ]
        elif valid:
            user.set_password(form.password.data)
            user.end_other_sessions()
            audit.record("password_changed", user)
            db.session.commit()
            start_session(user)
            db.session.commit()
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("courses.my_training"))
    return render_template("auth/change_password.html", form=form)
