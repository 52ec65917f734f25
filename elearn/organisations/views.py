"""A manager's pages for their organisation: overview, members' progress, required training,
join code. Every route takes the organisation from the URL through `requires()`."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from elearn import audit
from elearn.certificates.archives import count_current
from elearn.courses.catalogue import current_catalogue
from elearn.dates import london_today
from elearn.extensions import db
from elearn.models import WHOLE_ORGANISATION, Assignment, Invitation, Membership, User, utcnow
from elearn.models.certificate import current_certificates
from elearn.organisations import codes_and_domains, memberships, requirements
from elearn.organisations.forms import (
    AssignmentForm,
    HeadcountForm,
    ProgressFilterForm,
    RoleForm,
    TeamForm,
    TeamsForm,
)
from elearn.organisations.memberships import OperationRefused
from elearn.organisations.progress import (
    REQUIRED_STATUSES,
    SORTS,
    STATUS_ORDER,
    ProgressQuery,
    assigned_course_slugs,
    progress_page,
    progress_select,
    status_counts,
)
from elearn.organisations.setup import setup_steps
from elearn.organisations.teams import set_team, set_teams, teams
from elearn.organisations.tokens import display_join_code
from elearn.permissions import Action, can, managed_organisations, owned, requires
from elearn.web.csv_export import csv_response
from elearn.web.filters import counted
from elearn.web.forms import ConfirmForm, choices
from elearn.web.paging import page_number

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


def course_title(slug: str) -> str:
    course = current_catalogue().get(slug)
    return course.title if course else slug


@bp.get("/")
@login_required
def index():
    if current_user.is_cst_admin:
        return redirect(url_for("admin.organisations"))
    organisations = managed_organisations(current_user)
    if len(organisations) == 1:
        return redirect(url_for(".overview", organisation_id=organisations[0].id))
    return render_template("organisations/index.html", organisations=organisations)


@bp.get("/<int:organisation_id>")
@requires(Action.VIEW_ORGANISATION)
def overview(organisation):
    slugs = assigned_course_slugs(organisation.id)
    members = db.session.scalar(
        select(func.count()).where(
            Membership.organisation_id == organisation.id, Membership.left_at.is_(None)
        )
    )
    pending = db.session.scalar(
        select(func.count()).where(
            Invitation.organisation_id == organisation.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.undeliverable_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
    )
    return render_template(
        "organisations/overview.html",
        organisation=organisation,
        members=members,
        pending=pending,
        steps=setup_steps(organisation, members, pending, slugs),
        counts=status_counts(organisation.id, slugs, utcnow()),
        course_title=course_title,
        statuses=REQUIRED_STATUSES,
    )


FILTERS = ("team", "course", "status", "sort", "order", "page")


def progress_query(organisation, args=None) -> ProgressQuery:
    args = request.args if args is None else args
    sort = args.get("sort", "name")
    return ProgressQuery(
        course_slugs=assigned_course_slugs(organisation.id),
        course=args.get("course") or None,
        team=args.get("team") or None,
        status=args.get("status") or None,
        sort=sort if sort in SORTS else "name",
        descending=args.get("order") == "desc",
    )


@bp.get("/<int:organisation_id>/members")
@requires(Action.VIEW_ORGANISATION)
def members(organisation):
    return members_page(organisation, request.args, TeamsForm(formdata=None, prefix="bulk"))


def members_page(organisation, args, teams_form: TeamsForm, status: int = 200):
    """The members list with the filters in `args`, and the form that puts the members
    selected in it in a team."""
    query = progress_query(organisation, args)
    page = progress_page(organisation.id, query, utcnow(), page_number(args.get("page")))
    team_names = teams(organisation.id)
    filters = ProgressFilterForm(args)
    filters.team.choices = choices([("", "All teams")] + [(team, team) for team in team_names])
    filters.course.choices = choices(
        [("", "Any required course")] + [(slug, course_title(slug)) for slug in query.course_slugs]
    )
    filters.status.choices = choices(
        [("", "Any status")] + [(str(status), str(status).capitalize()) for status in STATUS_ORDER]
    )
    teams_form.team.choices = bulk_team_choices(team_names)
    return render_template(
        "organisations/members.html",
        filters=filters,
        filter_args={key: args[key] for key in FILTERS if args.get(key)},
        form=teams_form,
        organisation=organisation,
        query=query,
        page=page,
        teams=team_names,
        certificates=count_current(organisation.id),
        statuses=REQUIRED_STATUSES,
        course_title=course_title,
        today=london_today(),
    ), status


def team_choices(teams: list[str]):
    return choices([("", "No team")] + [(team, team) for team in teams])


def bulk_team_choices(teams: list[str]):
    return choices([("", "Choose a team")] + [(team, team) for team in teams])


@bp.post("/<int:organisation_id>/members/team")
@requires(Action.MANAGE_MEMBERS)
def members_team(organisation):
    """Put the members selected in the list in one team."""
    form = TeamsForm(prefix="bulk")
    form.team.choices = bulk_team_choices(teams(organisation.id))
    args = MultiDict({key: request.form[key] for key in FILTERS if request.form.get(key)})
    if form.validate_on_submit():
        try:
            moved, team = set_teams(organisation, form.members.data, form.chosen)
        except OperationRefused as refused:
            form.chosen_field.errors.append(str(refused))
        else:
            db.session.commit()
            flash(moved_message(moved, team), "success" if moved else "info")
            return redirect(url_for(".members", organisation_id=organisation.id, **args))
    return members_page(organisation, args, form, 400)


def moved_message(moved: int, team: str | None) -> str:
    where = f"the {team} team" if team else "no team"
    if not moved:
        return f"They were already in {where}."
    return f"{counted(moved, 'member is', 'members are')} now in {where}."


@bp.get("/<int:organisation_id>/members.csv")
@requires(Action.VIEW_ORGANISATION)
def members_csv(organisation):
    query = progress_query(organisation)
    rows = db.session.execute(progress_select(organisation.id, query, utcnow())).all()
    header = ["Name", "Email", "Team", "Role"]
    for slug in query.course_slugs:
        title = course_title(slug)
        header += [f"{title}: status", f"{title}: completed", f"{title}: due"]
    lines = (
        [row.full_name, row.email, row.team or "", row.role]
        + [
            value
            for index in range(len(query.course_slugs))
            for value in (
                getattr(row, f"status_{index}"),
                _date(getattr(row, f"completed_{index}")),
                _date(getattr(row, f"due_{index}")),
            )
        ]
        for row in rows
    )
    filename = f"organisation-{organisation.id}-progress-{utcnow():%Y-%m-%d}.csv"
    return csv_response(filename, header, lines)


def _date(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


@bp.get("/<int:organisation_id>/members/<int:membership_id>")
@requires(Action.MANAGE_MEMBERS)
def member(organisation, membership_id: int):
    membership = owned(Membership, membership_id, organisation)
    return member_page(organisation, membership)


def member_page(organisation, membership, form=None, team_form=None, status: int = 200):
    """A member's page; `form` (their role) or `team_form` when it was sent with a problem."""
    team_form = team_form or TeamForm(formdata=None, data={"team": membership.team or ""})
    team_form.team.choices = team_choices(teams(organisation.id))
    return render_template(
        "organisations/member.html",
        organisation=organisation,
        membership=membership,
        form=form or team_form,
        role_form=form or RoleForm(formdata=None, data={"role": membership.role}),
        team_form=team_form,
        certificates=list(current_certificates(membership.user_id, utcnow()).values()),
    ), status


@bp.post("/<int:organisation_id>/members/<int:membership_id>/team")
@requires(Action.MANAGE_MEMBERS)
def member_team(organisation, membership_id: int):
    membership = owned(Membership, membership_id, organisation)
    form = TeamForm()
    if form.validate_on_submit():
        try:
            changed = set_team(membership, form.chosen)
        except OperationRefused as refused:
            form.chosen_field.errors.append(str(refused))
        else:
            db.session.commit()
            where = f"the {membership.team} team" if membership.team else "no team"
            name = membership.user.full_name
            flash(
                f"{name} is now in {where}." if changed else f"{name} was already in {where}.",
                "success" if changed else "info",
            )
            return redirect(
                url_for(".member", organisation_id=organisation.id, membership_id=membership.id)
            )
    return member_page(organisation, membership, team_form=form, status=400)


@bp.post("/<int:organisation_id>/members/<int:membership_id>/role")
@requires(Action.MANAGE_MEMBERS)
def member_role(organisation, membership_id: int):
    membership = owned(Membership, membership_id, organisation)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            memberships.set_role(membership, form.role.data)
        except OperationRefused as refused:
            form.role.errors.append(str(refused))
        else:
            db.session.commit()
            flash(f"{membership.user.full_name} is now a {membership.role}.", "success")
            return redirect(
                url_for(".member", organisation_id=organisation.id, membership_id=membership.id)
            )
    return member_page(organisation, membership, form, status=400)


@bp.route("/<int:organisation_id>/members/<int:membership_id>/remove", methods=["GET", "POST"])
@requires(Action.MANAGE_MEMBERS)
def remove_member(organisation, membership_id: int):
    """Removing a member is asked once more, saying what it does and does not do."""
    membership = owned(Membership, membership_id, organisation)
    back = url_for(".member", organisation_id=organisation.id, membership_id=membership.id)
    if membership.left_at is not None:
        flash(f"{membership.user.full_name} is no longer a member.", "info")
        return redirect(back)
    if request.method == "GET":
        return render_template(
            "organisations/remove_member.html",
            organisation=organisation,
            membership=membership,
            refused=memberships.removal_refused(membership),
            themselves=membership.user_id == current_user.id,
        )
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        memberships.remove_member(membership)
    except OperationRefused as refused:
        flash(str(refused), "info")
        return redirect(back)
    db.session.commit()
    if membership.user_id == current_user.id:
        flash(
            f"You have left {organisation.name}. Your training record and certificates stay yours.",
            "success",
        )
    else:
        flash(
            f"{membership.user.full_name} has been removed from {organisation.name}. "
            "Their training record and certificates stay theirs.",
            "success",
        )
    if not can(current_user, Action.VIEW_ORGANISATION, organisation):
        return redirect(url_for("courses.my_training"))  # they removed themselves
    return redirect(url_for(".members", organisation_id=organisation.id))


@bp.route("/<int:organisation_id>/assignments", methods=["GET", "POST"])
@requires(Action.MANAGE_ASSIGNMENTS)
def assignments(organisation):
    form = AssignmentForm()
    form.course.choices = [("", "Choose a course")] + [
        (c.slug, c.title) for c in current_catalogue()
    ]
    form.team.choices = [(WHOLE_ORGANISATION, "Everyone in the organisation")] + [
        (team, f"Team: {team}") for team in teams(organisation.id)
    ]
    if form.validate_on_submit():
        if form.due_on.data < london_today():
            form.due_on.errors.append("The due date must be today or in the future")
        else:
            requirements.assign_course(
                organisation,
                form.course.data,
                form.team.data,
                form.due_on.data,
                db.session.get(User, current_user.id),
            )
            db.session.commit()
            flash(
                f"{course_title(form.course.data)} is now required, due "
                f"{form.due_on.data:%-d %B %Y}.",
                "success",
            )
            return redirect(url_for(".assignments", organisation_id=organisation.id))
    current = db.session.scalars(
        select(Assignment)
        .where(Assignment.organisation_id == organisation.id)
        .order_by(Assignment.due_on, Assignment.course_slug)
    ).all()
    return render_template(
        "organisations/assignments.html",
        organisation=organisation,
        form=form,
        assignments=current,
        course_title=course_title,
        remove_form=ConfirmForm(),
    )


@bp.route("/<int:organisation_id>/assignments/<int:assignment_id>/remove", methods=["GET", "POST"])
@requires(Action.MANAGE_ASSIGNMENTS)
def remove_assignment(organisation, assignment_id: int):
    """Stopping a requirement is asked once more: members stop seeing it as due."""
    assignment = owned(Assignment, assignment_id, organisation)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        requirements.unassign_course(assignment)
        db.session.commit()
        flash(f"{course_title(assignment.course_slug)} is no longer required.", "success")
        return redirect(url_for(".assignments", organisation_id=organisation.id))
    return render_template(
        "organisations/remove_assignment.html",
        organisation=organisation,
        assignment=assignment,
        course_title=course_title(assignment.course_slug),
        form=form,
    )


@bp.get("/<int:organisation_id>/join-code")
@requires(Action.MANAGE_INVITATIONS)
def join_code(organisation):
    code = display_join_code(organisation.join_code) if organisation.join_code else None
    return render_template(
        "organisations/join_code.html", organisation=organisation, code=code, form=ConfirmForm()
    )


@bp.post("/<int:organisation_id>/join-code/<any(regenerate, on, off):change>")
@requires(Action.MANAGE_INVITATIONS)
def change_join_code(organisation, change: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if change == "regenerate":
        codes_and_domains.regenerate_join_code(organisation)
        message = "A new join code has been made. The old code no longer works."
    else:
        codes_and_domains.set_join_code_enabled(organisation, change == "on")
        message = "The join code is switched " + change + "."
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".join_code", organisation_id=organisation.id))


@bp.route("/<int:organisation_id>/headcount", methods=["GET", "POST"])
@requires(Action.VIEW_ORGANISATION)
def headcount(organisation):
    form = HeadcountForm(obj=organisation)
    if form.validate_on_submit():
        organisation.headcount = form.headcount.data
        audit.record("headcount_changed", organisation, {"headcount": organisation.headcount})
        db.session.commit()
        flash("The headcount has been updated.", "success")
        return redirect(url_for(".overview", organisation_id=organisation.id))
    return render_template("organisations/headcount.html", organisation=organisation, form=form)
