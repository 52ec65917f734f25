"""CST administration: what is waiting, organisations (requests, creation, edits, merges,
domains) and people (their training history, erasure)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from elearn.admin import history, listing, merging, operations, tasks
from elearn.admin.forms import (
    ManagerInvitationForm,
    MergeSearchForm,
    OrganisationFilterForm,
    PeopleFilterForm,
)
from elearn.auth import personal_data
from elearn.certificates.codes import display_code
from elearn.courses.catalogue import current_catalogue
from elearn.dates import london_today
from elearn.extensions import db
from elearn.mail import send_mail_or_log
from elearn.models import Organisation, OrganisationDomain, OrganisationStatus, User, utcnow
from elearn.organisations import registration
from elearn.organisations.forms import (
    DeclineForm,
    DomainForm,
    EraseForm,
    OrganisationForm,
)
from elearn.organisations.memberships import OperationRefused
from elearn.organisations.notifications import send_waiting
from elearn.permissions import (
    Action,
    can_decide_registration,
    can_erase,
    cst_admin_required,
    owned,
    requires,
)
from elearn.web.forms import ConfirmForm
from elearn.web.paging import page_number, paginate

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("")
@cst_admin_required
def home():
    return render_template(
        "admin/home.html",
        waiting=tasks.waiting(current_catalogue(), london_today(), utcnow(), current_user.id),
    )


@bp.get("/organisations")
@cst_admin_required
def organisations():
    filters = listing.OrganisationFilters.from_args(request.args)
    page = paginate(listing.organisations_select(filters), page_number(request.args.get("page")))
    pending = [organisation for organisation in page.rows if organisation.status == "pending"]
    return render_template(
        "admin/organisations.html",
        page=page,
        members=listing.active_members([organisation.id for organisation in page.rows]),
        filters=filters,
        form=OrganisationFilterForm.showing(filters),
        duplicates=tasks.registration_duplicates(pending),
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@cst_admin_required
def new_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        organisation = operations.create_organisation(
            form.name.data, form.sector.data, form.headcount.data
        )
        db.session.commit()
        flash(f"{organisation.name} has been created.", "success")
        return redirect(url_for(".organisation", organisation_id=organisation.id))
    return render_template("admin/organisation_form.html", form=form, organisation=None)


def detail_page(organisation, status=200, **forms):
    pending = organisation.status == OrganisationStatus.PENDING
    return render_template(
        "admin/organisation.html",
        organisation=organisation,
        duplicates=tasks.registration_duplicates([organisation]) if pending else {},
        managing=listing.managing(organisation.id, utcnow()),
        merged_into=db.session.get(Organisation, organisation.merged_into_id)
        if organisation.merged_into_id
        else None,
        decline_form=forms.get("decline_form") or DeclineForm(formdata=None),
        domain_form=forms.get("domain_form") or DomainForm(formdata=None),
        edit_form=forms.get("edit_form") or OrganisationForm(formdata=None, obj=organisation),
        manager_form=forms.get("manager_form") or ManagerInvitationForm(formdata=None),
        merge_form=MergeSearchForm(),
        form=ConfirmForm(),
        may_decide=can_decide_registration(current_user, organisation),
    ), status


@bp.get("/organisations/<int:organisation_id>")
@requires(Action.ADMINISTER)
def organisation(organisation):
    return detail_page(organisation)


@bp.post("/organisations/<int:organisation_id>/approve")
@requires(Action.ADMINISTER)
def approve(organisation):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not can_decide_registration(current_user, organisation):
        return someone_else_decides(organisation)
    try:
        registration.approve(organisation, db.session.get(User, current_user.id))
    except OperationRefused as refused:
        flash(str(refused), "info")
        return redirect(url_for(".organisation", organisation_id=organisation.id))
    db.session.commit()
    if send_waiting(organisation.id).sent:
        flash(
            f"{organisation.name} is approved. {organisation.contact_name} has been invited to "
            "manage it.",
            "success",
        )
    else:
        flash(
            f"{organisation.name} is approved, but the email inviting "
            f"{organisation.contact_name} could not be sent: see the organisation's "
            "invitations page, where it can be sent again.",
            "info",
        )
    return redirect(url_for(".home"))


@bp.post("/organisations/<int:organisation_id>/decline")
@requires(Action.ADMINISTER)
def decline(organisation):
    form = DeclineForm()
    if not can_decide_registration(current_user, organisation):
        return someone_else_decides(organisation)
    if not form.validate_on_submit():
        return detail_page(organisation, 400, decline_form=form)
    try:
        registration.decline(organisation, db.session.get(User, current_user.id), form.reason.data)
    except OperationRefused as refused:
        flash(str(refused), "info")
        return redirect(url_for(".organisation", organisation_id=organisation.id))
    db.session.commit()
    if send_mail_or_log(
        organisation.contact_email,
        "Your request to register",
        "registration_declined",
        organisation=organisation,
    ):
        flash(f"The request from {organisation.name} has been declined.", "success")
    else:
        flash(
            f"The request from {organisation.name} has been declined, but the email telling "
            f"{organisation.contact_email} could not be sent.",
            "info",
        )
    return redirect(url_for(".home"))


@bp.post("/organisations/<int:organisation_id>/edit")
@requires(Action.ADMINISTER)
def edit(organisation):
    form = OrganisationForm()
    if not form.validate_on_submit():
        return detail_page(organisation, 400, edit_form=form)
    operations.update_organisation(
        organisation, form.name.data, form.sector.data, form.headcount.data
    )
    db.session.commit()
    flash("The organisation has been updated.", "success")
    return redirect(url_for(".organisation", organisation_id=organisation.id))


@bp.post("/organisations/<int:organisation_id>/<any(deactivate, reactivate):change>")
@requires(Action.ADMINISTER)
def change_status(organisation, change: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.set_organisation_active(organisation, change == "reactivate")
    db.session.commit()
    flash(f"{organisation.name} has been {change}d.", "success")
    return redirect(url_for(".organisation", organisation_id=organisation.id))


@bp.get("/organisations/<int:organisation_id>/merge")
@requires(Action.ADMINISTER)
def merge_search(organisation):
    """Find the organisation to keep: none is chosen for CST."""
    if organisation.status != OrganisationStatus.APPROVED:
        flash(f"{organisation.name} is not approved and active: it cannot be merged.", "info")
        return redirect(url_for(".organisation", organisation_id=organisation.id))
    form = MergeSearchForm(request.args)
    search = listing.clean_search(form.q.data)
    page = (
        paginate(merging.candidates(organisation, search), page_number(request.args.get("page")))
        if search
        else None
    )
    return render_template(
        "admin/merge_search.html",
        organisation=organisation,
        form=form,
        search=search,
        page=page,
        members=listing.active_members([o.id for o in page.rows]) if page else {},
        suggestions=merge_suggestions(organisation) if not search else [],
    )


def merge_suggestions(organisation) -> list:
    """Approved organisations that look like this one (the same or a similar name, or
    the same email domain), to choose from without typing."""
    matches = tasks.registration_duplicates([organisation]).get(organisation.id, [])
    return [match for match in matches if match.status == OrganisationStatus.APPROVED]


@bp.route("/organisations/<int:organisation_id>/merge/confirm", methods=["GET", "POST"])
@requires(Action.ADMINISTER)
def merge(organisation):
    """What merging moves, said before it is done; the POST (confirmed) merges."""
    form = ConfirmForm()
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    target = merging.organisation_to_keep(request.args.get("into"))
    try:
        merging.check(organisation, target)
    except merging.MergeRefused as refused:
        flash(str(refused), "info")
        return redirect(url_for(".merge_search", organisation_id=organisation.id))
    if request.method == "GET":
        return render_template(
            "admin/merge_confirm.html",
            organisation=organisation,
            target=target,
            moves=merging.preview(organisation, target),
            form=form,
        )
    merging.merge(organisation, target)
    db.session.commit()
    flash(f"{organisation.name} has been merged into {target.name}.", "success")
    return redirect(url_for(".organisation", organisation_id=target.id))


@bp.post("/organisations/<int:organisation_id>/manager")
@requires(Action.ADMINISTER)
def invite_manager(organisation):
    form = ManagerInvitationForm()
    if not form.validate_on_submit():
        return detail_page(organisation, 400, manager_form=form)
    try:
        invitation = operations.invite_manager(
            organisation,
            form.email.data,
            form.full_name.data,
            db.session.get(User, current_user.id),
        )
    except operations.AdminRefused as refused:
        form.email.errors.append(str(refused))
        return detail_page(organisation, 400, manager_form=form)
    db.session.commit()
    if send_waiting(organisation.id, only=invitation.id).sent:
        flash(f"{form.full_name.data} has been invited to manage {organisation.name}.", "success")
    else:
        flash(
            f"The invitation to {form.email.data} could not be sent: see the organisation's "
            "invitations page, where it can be sent again.",
            "info",
        )
    return redirect(url_for(".organisation", organisation_id=organisation.id))


@bp.post("/organisations/<int:organisation_id>/domains")
@requires(Action.ADMINISTER)
def add_domain(organisation):
    form = DomainForm()
    if form.validate_on_submit():
        try:
            operations.add_domain(organisation, form.domain.data)
        except operations.AdminRefused as refused:
            form.domain.errors.append(str(refused))
        else:
            db.session.commit()
            flash(
                f"People with verified {form.domain.data} addresses now join automatically.",
                "success",
            )
            return redirect(url_for(".organisation", organisation_id=organisation.id))
    return detail_page(organisation, 400, domain_form=form)


@bp.post("/organisations/<int:organisation_id>/domains/<int:domain_id>/remove")
@requires(Action.ADMINISTER)
def remove_domain(organisation, domain_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.remove_domain(organisation, owned(OrganisationDomain, domain_id, organisation))
    db.session.commit()
    flash("The domain has been removed.", "success")
    return redirect(url_for(".organisation", organisation_id=organisation.id))


# --- people -------------------------------------------------------------------------------


@bp.get("/users")
@cst_admin_required
def users():
    filters = listing.PeopleFilters.from_args(request.args)
    page = paginate(listing.people_select(filters), page_number(request.args.get("page")))
    return render_template(
        "admin/users.html",
        page=page,
        filters=filters,
        form=PeopleFilterForm.showing(filters),
        organisations=listing.organisations_of([person.id for person in page.rows]),
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@cst_admin_required
def user(user_id: int):
    person = db.session.get(User, user_id) or abort(404)
    form = EraseForm()
    if form.validate_on_submit():
        if person.erased_at is not None or not can_erase(current_user, person):
            abort(403 if person.erased_at is None else 400)
        personal_data.erase_user(person, form.reason.data)
        db.session.commit()
        flash(
            "Their name, email and sign-in have been removed; their training figures stay, "
            "without their name.",
            "success",
        )
        return redirect(url_for(".user", user_id=person.id))
    return render_template(
        "admin/user.html",
        person=person,
        form=form,
        memberships=history.memberships_of(person.id),
        courses=history.training_history(person.id, current_catalogue()),
        now=utcnow(),
        display_code=display_code,
        quiz_title=quiz_title,
        may_decide=can_erase(current_user, person),  # erase, revoke: never about themself
    )


def someone_else_decides(organisation):
    flash(
        "This request names you as its contact, so another CST admin must decide it.",
        "info",
    )
    return redirect(url_for(".organisation", organisation_id=organisation.id)), 303


def quiz_title(course_slug: str, module_slug: str) -> str:
    course = current_catalogue().get(course_slug)
    module = course.module(module_slug) if course else None
    return module.title if module else module_slug
