"""/hub: the partnership's reporting hub. Anyone signed in reports what they see in the
street and follows their reports; CST triages them (docs/hub.md)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from elearn.extensions import db
from elearn.hub import findings, queue, triage
from elearn.hub.forms import (
    AssignForm,
    CleansingForm,
    CloseForm,
    PoliceForm,
    QueueFilterForm,
    RemovedForm,
    ReportForm,
)
from elearn.hub.notifications import tell_cst, tell_reporter
from elearn.hub.photos import MAX_BYTES, MAX_PHOTOS
from elearn.hub.queue import QueueFilters
from elearn.models import Finding, FindingPhoto, User, utcnow
from elearn.permissions import (
    can_report_finding,
    can_see_finding,
    can_see_hub_figures,
    can_see_photo,
    can_triage,
    cst_admin_required,
)
from elearn.web.filters import london_datetime
from elearn.web.forms import ConfirmForm, choices
from elearn.web.paging import page_number, paginate
from elearn.web.security import allows_uploads_of, keeps_input_on_csrf_failure, shows_map

bp = Blueprint("hub", __name__, url_prefix="/hub")

# Up to three photos of 10 MB each, with the form: the rest of elearn keeps its 6 MB.
REPORT_MAX_BYTES = MAX_PHOTOS * MAX_BYTES + 1024 * 1024


@bp.app_context_processor
def _hub_words():
    return {
        "finding_kinds": findings.KINDS,
        "finding_strands": findings.STRANDS,
        "finding_statuses": findings.STATUSES,
    }


def _visible(reference: str) -> Finding:
    """A finding the person may see; anyone else's is 'not found'."""
    finding = findings.by_public_id(reference)
    if finding is None or not can_see_finding(current_user, finding):
        abort(404)
    return finding


def _triaged(reference: str) -> Finding:
    finding = findings.by_public_id(reference)
    if finding is None:
        abort(404)
    return finding


# --- reporters ---------------------------------------------------------------------------


@bp.get("")
@login_required
def index():
    page = paginate(findings.reported_by(current_user), page_number(request.args.get("page")))
    return render_template(
        "hub/index.html",
        page=page,
        can_triage=can_triage(current_user),
        may_see_figures=can_see_hub_figures(current_user),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
@keeps_input_on_csrf_failure
@allows_uploads_of(REPORT_MAX_BYTES)
@shows_map
def new():
    if not can_report_finding(current_user):
        abort(403)
    form = ReportForm()
    if form.validate_on_submit():
        reporter = db.session.get(User, current_user.id)
        finding = findings.report(
            reporter,
            findings.reporting_for(reporter),
            form.form_id.data,
            form.said(),
            form.safe_photos,
        )
        reference = finding.public_id  # read before the commit expires it
        db.session.commit()
        tell_cst(reference)
        flash("Thank you. Your report has been sent to the Community Safety Team.", "success")
        return redirect(url_for(".finding", finding_ref=finding.public_id))
    status = form.shown_with_status()
    return render_template("hub/new.html", form=form), status


@bp.get("/<finding_ref>")
@login_required
def finding(finding_ref: str):
    found = _visible(finding_ref)
    return render_template("hub/finding.html", finding=found)


def _photo_response(data: bytes):
    response = make_response(data)
    response.mimetype = "image/jpeg"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _photo(reference: str) -> FindingPhoto:
    photo = findings.photo_by_public_id(reference)
    if photo is None or not can_see_photo(current_user, photo):
        abort(404)
    return photo


@bp.get("/photos/<photo_ref>")
@login_required
def photo(photo_ref: str):
    return _photo_response(_photo(photo_ref).data)


@bp.get("/photos/<photo_ref>/thumbnail")
@login_required
def thumbnail(photo_ref: str):
    return _photo_response(_photo(photo_ref).thumbnail)


# --- CST's triage ------------------------------------------------------------------------


@bp.get("/triage")
@cst_admin_required
def triage_queue():
    filters = QueueFilters.from_args(request.args)
    now = utcnow()
    statement = queue.queue(filters, current_user.id, now)
    return render_template(
        "hub/triage.html",
        page=paginate(statement, page_number(request.args.get("page"))),
        filters=filters,
        form=QueueFilterForm(data=filters.args() | {"show": filters.show}),
        overdue=queue.overdue_count(now),
        is_overdue=lambda finding: queue.is_overdue(finding, now),
    )


def _triage_page(finding: Finding, status: int = 200, **forms):
    assign = forms.get("assign") or AssignForm(formdata=None)
    assign.officer.choices = choices(
        [("", "Choose someone")] + [(person.id, person.full_name) for person in triage.cst_people()]
    )
    return render_template(
        "hub/triage_finding.html",
        finding=finding,
        due=finding.removal_due_at or triage.removal_due(finding),
        duplicates=[] if finding.is_closed else triage.possible_duplicates(finding),
        people={person.id: person for person in _people_of(finding)},
        assign=assign,
        police=forms.get("police") or PoliceForm(formdata=None),
        cleansing=forms.get("cleansing") or CleansingForm(formdata=None),
        removed=forms.get("removed") or RemovedForm(formdata=None),
        close=forms.get("close") or CloseForm(formdata=None),
        form=next(iter(forms.values()), None),
    ), status


def _people_of(finding: Finding) -> list[User]:
    ids = {finding.reporter_id, finding.assigned_to_id}
    ids |= {event.actor_id for event in finding.events}
    ids |= {event.assigned_to_id for event in finding.events}
    ids.discard(None)
    return list(db.session.scalars(db.select(User).where(User.id.in_(ids)))) if ids else []


@bp.get("/triage/<finding_ref>")
@cst_admin_required
def triage_finding(finding_ref: str):
    return _triage_page(_triaged(finding_ref))


def _take_step(finding_ref: str, name: str, form, step) -> object:
    """Validate the step's form, take the step, or show the page with what is wrong."""
    finding = _triaged(finding_ref)
    if form.validate_on_submit():
        try:
            message = step(finding, db.session.get(User, current_user.id), form)
        except triage.TriageRefused as refused:
            fields = [f for f in form if f.type != "CSRFTokenField"]
            shown = [f for f in fields if f.type != "SubmitField"] or fields
            shown[0].errors = [str(refused)]
        else:
            db.session.commit()
            tell_reporter(finding_ref)
            flash(message, "success")
            return redirect(url_for(".triage_finding", finding_ref=finding_ref))
    return _triage_page(finding, 400, **{name: form})


@bp.post("/triage/<finding_ref>/assign")
@cst_admin_required
def assign(finding_ref: str):
    form = AssignForm()
    form.officer.choices = choices([(p.id, p.full_name) for p in triage.cst_people()])

    def step(finding, by, form):
        officer = db.session.get(User, form.officer.data) if form.officer.data else None
        if officer is None:
            raise triage.TriageRefused("Choose someone in the Community Safety Team")
        triage.assign(finding, by, officer)
        return f"Assigned to {officer.full_name}."

    return _take_step(finding_ref, "assign", form, step)


@bp.post("/triage/<finding_ref>/police")
@cst_admin_required
def to_police(finding_ref: str):
    def step(finding, by, form):
        triage.pass_to_police(finding, by, form.reference.data)
        return "Recorded as passed to the police."

    return _take_step(finding_ref, "police", PoliceForm(), step)


@bp.post("/triage/<finding_ref>/cleansing")
@cst_admin_required
def to_cleansing(finding_ref: str):
    def step(finding, by, form):
        due = triage.pass_to_cleansing(finding, by)
        return f"Passed to street cleansing: to be removed by {london_datetime(due)}."

    return _take_step(finding_ref, "cleansing", CleansingForm(), step)


@bp.post("/triage/<finding_ref>/removed")
@cst_admin_required
def removed(finding_ref: str):
    def step(finding, by, form):
        triage.mark_removed(finding, by, form.removed_at)
        return "Recorded as removed."

    return _take_step(finding_ref, "removed", RemovedForm(), step)


@bp.post("/triage/<finding_ref>/close")
@cst_admin_required
def close(finding_ref: str):
    def step(finding, by, form):
        triage.close(finding, by, form.reason.data)
        return "The report is closed."

    return _take_step(finding_ref, "close", CloseForm(), step)


@bp.post("/triage/<finding_ref>/merge/<duplicate_ref>")
@cst_admin_required
def merge(finding_ref: str, duplicate_ref: str):
    kept, other = _triaged(finding_ref), _triaged(duplicate_ref)
    if not ConfirmForm().validate():
        flash("This page had been open too long, so nothing was saved. Try again.")
        return redirect(url_for(".triage_finding", finding_ref=finding_ref))
    try:
        triage.merge(kept, other, db.session.get(User, current_user.id))
    except triage.TriageRefused as refused:
        flash(str(refused))
    else:
        db.session.commit()
        tell_reporter(duplicate_ref)
        flash("The other report is closed as a duplicate of this one.", "success")
    return redirect(url_for(".triage_finding", finding_ref=finding_ref))
