"""Certificates: the learner's list and downloads, public verification, revoking and
re-issuing, a manager's zip, and training done elsewhere."""

from __future__ import annotations

import io
import zipfile

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from elearn.certificates import archives, external, operations
from elearn.certificates.codes import display_code, looks_like_code, normalise_code
from elearn.certificates.forms import (
    DecisionForm,
    ExternalTrainingForm,
    RevokeForm,
    VerifyForm,
)
from elearn.certificates.pdf import certificate_pdf
from elearn.courses.catalogue import current_catalogue
from elearn.extensions import db, limiter
from elearn.models import ArchiveStatus, Certificate, ExternalRecord, User, utcnow
from elearn.permissions import (
    Action,
    can_decide_external,
    can_download_certificate,
    can_reissue,
    can_revoke,
    cst_admin_required,
    requires,
)
from elearn.web.forms import ConfirmForm, choices
from elearn.web.paging import page_number, paginate
from elearn.web.shared_pages import render_shared

bp = Blueprint("certificates", __name__)

VERIFY_LIMIT = "30 per minute;300 per hour"


def pdf_response(certificate: Certificate):
    response = file_response(
        certificate_pdf(certificate, operations.verify_url(certificate)), "application/pdf"
    )
    filename = f"certificate-{display_code(certificate.code)[:9]}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def file_response(data: bytes, mimetype: str):
    response = make_response(data)
    response.mimetype = mimetype
    response.headers["Cache-Control"] = "private, no-store"
    return response


def downloadable(code: str) -> Certificate:
    """A certificate the signed-in person may download; anything else is 'not found'."""
    certificate = operations.find_certificate(code)
    if certificate is None or not can_download_certificate(current_user, certificate):
        abort(404)
    return certificate


@bp.get("/certificates")
@login_required
def index():
    return render_template(
        "certificates/index.html",
        certificates=operations.certificates_of(current_user.id),
        records=external.records_of(current_user.id),
        now=utcnow(),
        form=ConfirmForm(),
        course_title=lambda slug: getattr(current_catalogue().get(slug), "title", slug),
    )


@bp.get("/certificates/<code>.pdf")
@login_required
def download(code: str):
    return pdf_response(downloadable(code))


@bp.post("/certificates/<code>/reissue")
@login_required
def reissue(code: str):
    certificate = downloadable(code)
    if not can_reissue(current_user, certificate):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        replacement = operations.reissue_certificate(
            certificate, db.session.get(User, certificate.user_id)
        )
    except operations.CertificateRefused as refused:
        flash(str(refused), "info")
        return redirect(url_for(".index"))
    db.session.commit()
    flash(
        f"Your certificate has been re-issued with the name {replacement.name_printed}. "
        "The old code now shows the new certificate.",
        "success",
    )
    return redirect(url_for(".index"))


@bp.route("/certificates/<code>/revoke", methods=["GET", "POST"])
@cst_admin_required
def revoke(code: str):
    certificate = operations.find_certificate(code)
    if certificate is None:
        abort(404)
    if not can_revoke(current_user, certificate):
        abort(403)  # their own certificate: another CST admin decides
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            operations.revoke_certificate(certificate, form.reason.data)
        except operations.CertificateRefused as refused:
            form.reason.errors.append(str(refused))
        else:
            db.session.commit()
            flash("The certificate has been revoked.", "success")
            return redirect(url_for(".verify_code", code=display_code(certificate.code)))
    return render_template(
        "certificates/revoke.html",
        certificate=certificate,
        form=form,
        code=display_code(certificate.code),
    )


@bp.get("/verify")
@limiter.limit(VERIFY_LIMIT)
def verify():
    form = VerifyForm(request.args)
    if request.args and form.validate():
        return redirect(url_for(".verify_code", code=display_code(normalise_code(form.code.data))))
    if request.args:
        return render_template("certificates/verify.html", form=form)
    # The empty form, the same for everyone: rendered once (elearn/web/shared_pages.py).
    return render_shared(("verify",), "certificates/verify.html", form=VerifyForm())


@bp.get("/verify/<code>")
@limiter.limit(VERIFY_LIMIT)
def verify_code(code: str):
    normalised = normalise_code(code)
    certificate = operations.find_certificate(normalised) if looks_like_code(normalised) else None
    if certificate is None:
        typed = VerifyForm(data={"code": code[:100]})  # kept, so a typing slip is easy to mend
        return render_template("certificates/not_found.html", form=typed), 404
    shown = operations.current_version(certificate)
    if shown.id != certificate.id:
        flash("This certificate was re-issued. These are the details of the current one.", "info")
        return redirect(url_for(".verify_code", code=display_code(shown.code)))
    return render_template(
        "certificates/verified.html",
        certificate=certificate,
        status=certificate.status(utcnow()),
        code=display_code(certificate.code),
        may_revoke=current_user.is_authenticated and can_revoke(current_user, certificate),
    )


@bp.get("/organisations/<int:organisation_id>/certificates.zip")
@requires(Action.VIEW_ORGANISATION)
def organisation_zip(organisation):
    """Every current certificate of the organisation's active members: made now if there
    are a few hundred, otherwise prepared by a task (archives.py). With none,
    the archive's page says so: an empty zip helps no one."""
    count = archives.count_current(organisation.id)
    if count == 0 or count > archives.direct_limit():
        return redirect(url_for(".organisation_archive", organisation_id=organisation.id))
    certificates = db.session.scalars(archives.current_certificates(organisation.id)).all()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archives.write_zip(archive, certificates)
    response = file_response(buffer.getvalue(), "application/zip")
    response.headers["Content-Disposition"] = archives.zip_attachment(organisation.name, utcnow())
    return response


@bp.route("/organisations/<int:organisation_id>/certificates/archive", methods=["GET", "POST"])
@requires(Action.VIEW_ORGANISATION)
def organisation_archive(organisation):
    form = ConfirmForm()
    count = archives.count_current(organisation.id)
    if count and form.validate_on_submit():
        _, started = archives.request_archive(organisation, current_user)
        if started:
            flash("Your zip is being prepared. Come back to this page to download it.", "success")
        else:
            flash("The zip was already being prepared: how far it has got is shown below.", "info")
        return redirect(url_for(".organisation_archive", organisation_id=organisation.id))
    return render_template(
        "certificates/archive.html",
        organisation=organisation,
        count=count,
        archive=archives.latest(organisation.id),
        expires_at=archives.expires_at,
        form=form,
    )


@bp.get("/organisations/<int:organisation_id>/certificates/archive/<int:archive_id>.zip")
@requires(Action.VIEW_ORGANISATION)
def organisation_archive_download(organisation, archive_id: int):
    archive = archives.find(organisation.id, archive_id)
    if archive is None:
        abort(404)
    if archive.status != ArchiveStatus.READY:
        flash("That zip is not ready to download.", "info")
        return redirect(url_for(".organisation_archive", organisation_id=organisation.id))
    response = Response(stream_with_context(archives.chunks(archive)), mimetype="application/zip")
    response.headers["Content-Length"] = str(archive.size)
    response.headers["Content-Disposition"] = archives.zip_attachment(
        organisation.name, archive.requested_at
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- training done elsewhere -----------------------------------------------------------


@bp.route("/certificates/external", methods=["GET", "POST"])
@login_required
def record_external():
    form = ExternalTrainingForm()
    form.course.choices = choices(
        [("", "Choose a course")] + [(c.slug, c.title) for c in current_catalogue()]
    )
    if form.validate_on_submit():
        course = current_catalogue().get(form.course.data)
        upload = form.evidence.data
        evidence = (upload.filename or "evidence", upload.read()) if upload else None
        try:
            external.record_external(
                db.session.get(User, current_user.id),
                course,
                form.provider.data,
                form.course_name.data,
                form.completed_on.data,
                form.reference.data,
                evidence,
            )
        except external.ExternalRefused as refused:
            field = form.evidence if "file" in str(refused) else form.completed_on
            field.errors = [str(refused)]
        else:
            db.session.commit()
            flash("Thank you. Your manager or the Community Safety Team will check it.", "success")
            return redirect(url_for(".index"))
    if form.is_submitted():
        form.ask_for_the_file_again()
    return render_template("certificates/external.html", form=form)


def course_of(record: ExternalRecord):
    return current_catalogue().get(record.course_slug)


def decide_page(record: ExternalRecord, organisation, form: DecisionForm, status: int = 200):
    course = course_of(record)
    return render_template(
        "certificates/decide.html",
        record=record,
        organisation=organisation,
        form=form,
        course_title=getattr(course, "title", record.course_slug),
        accepted_as=external.accepted_as(record, course) if course else None,
        decided_by=external.deciders([record]).get(record.decided_by_id),
    ), status


def decidable(record_id: int, organisation) -> ExternalRecord:
    """The record, if the signed-in person may decide on it here; anything else is
    'not found' (permissions.can_decide_external)."""
    record = db.session.get(ExternalRecord, record_id)
    if record is None or not can_decide_external(current_user, record, organisation):
        abort(404)
    return record


def decide_external(record: ExternalRecord, organisation):
    form = DecisionForm()
    if not form.validate_on_submit():
        return decide_page(record, organisation, form, 400 if form.is_submitted() else 200)
    course = course_of(record)
    if course is None:
        abort(404)
    decider = db.session.get(User, current_user.id)
    try:
        external.decide(record, decider, course, accept=form.accept, reason=form.reason.data)
    except external.ExternalRefused as refused:
        flash(str(refused), "info")
        return redirect(request.path)
    db.session.commit()
    done = (
        f"You {'accepted' if form.accept else 'rejected'} {record.user.full_name}'s record of "
        f"{record.course_name}."
    )
    told = external.tell_learner(record, course, decided_by(decider, organisation))
    if told is None:
        flash(done, "success")
    elif told:
        flash(f"{done} We have emailed them your decision.", "success")
    else:
        flash(f"{done} The email telling them could not be sent.", "info")
    if organisation is not None:
        return redirect(url_for(".organisation_external", organisation_id=organisation.id))
    return redirect(url_for(".admin_external"))


def decided_by(decider: User, organisation) -> str:
    """Who decided, as the learner's email says it."""
    if organisation is None or decider.is_cst_admin:
        return "The Community Safety Team"
    return f"{decider.full_name}, a manager at {organisation.name},"


def evidence_response(record: ExternalRecord):
    if record.evidence is None:
        abort(404)
    response = file_response(record.evidence, record.evidence_type)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{external.evidence_filename(record)}"'
    )
    return response


def external_list(organisation):
    viewer = current_user.id
    organisation_id = organisation.id if organisation else None
    decided = paginate(
        external.decided_for(organisation_id, viewer), page_number(request.args.get("page"))
    )
    return render_template(
        "certificates/external_list.html",
        organisation=organisation,
        records=external.pending_for(organisation_id, viewer),
        decided=decided,
        deciders=external.deciders(decided.rows),
    )


@bp.get("/organisations/<int:organisation_id>/external")
@requires(Action.MANAGE_MEMBERS)
def organisation_external(organisation):
    return external_list(organisation)


@bp.route("/organisations/<int:organisation_id>/external/<int:record_id>", methods=["GET", "POST"])
@requires(Action.MANAGE_MEMBERS)
def organisation_decide(organisation, record_id: int):
    return decide_external(decidable(record_id, organisation), organisation)


@bp.get("/organisations/<int:organisation_id>/external/<int:record_id>/evidence")
@requires(Action.MANAGE_MEMBERS)
def organisation_evidence(organisation, record_id: int):
    return evidence_response(decidable(record_id, organisation))


@bp.get("/admin/external")
@cst_admin_required
def admin_external():
    return external_list(None)


@bp.route("/admin/external/<int:record_id>", methods=["GET", "POST"])
@cst_admin_required
def admin_decide(record_id: int):
    return decide_external(decidable(record_id, None), None)


@bp.get("/admin/external/<int:record_id>/evidence")
@cst_admin_required
def admin_evidence(record_id: int):
    return evidence_response(decidable(record_id, None))
