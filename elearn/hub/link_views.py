"""/hub/report/<token>: reporting through a partner's reporting link, without an account,
and the receipt whose address follows the report (docs/hub.md, "Reporting by link").

Routes on the hub's blueprint (elearn/hub/views.py), like sharing_views. The token is a
secret: request_log.py and deploy/nginx keep it out of every log. Nothing a visitor types
is emailed anywhere.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from elearn.extensions import db, limiter
from elearn.hub import findings, partners
from elearn.hub.forms import ReportForm
from elearn.hub.notifications import tell_cst
from elearn.hub.views import REPORT_MAX_BYTES, bp
from elearn.models import Organisation
from elearn.permissions import can_follow_by_link, can_report_by_link
from elearn.web.security import allows_uploads_of, keeps_input_on_csrf_failure, shows_map

# Per client address: a partner's volunteers on one audit walk send a few each; more
# than this from one address in an hour is someone abusing a link that leaked.
LINK_REPORT_LIMIT = "10 per hour"


def _link_organisation(token: str) -> Organisation | None:
    organisation = partners.by_link(token)
    return organisation if can_report_by_link(organisation) else None


def _link_not_working():
    return render_template("hub/link_not_working.html"), 404


@bp.errorhandler(429)
def _too_many(error):
    if request.endpoint == "hub.report_by_link":
        return render_template("hub/link_too_many.html"), 429
    return render_template("errors/too_many.html", reason=None), 429


@bp.route("/report/<token>", methods=["GET", "POST"])
# Only reports stored count: corrections, double taps and expired forms do not use up
# the hour's allowance of a group auditing behind one address.
@limiter.limit(
    LINK_REPORT_LIMIT, methods=["POST"], deduct_when=lambda response: response.status_code == 302
)
@keeps_input_on_csrf_failure
@allows_uploads_of(REPORT_MAX_BYTES)
@shows_map
def report_by_link(token: str):
    organisation = _link_organisation(token)
    if organisation is None:
        return _link_not_working()
    form = ReportForm()
    form.anonymous.description = (
        f"Other partners will not see that it was reported for {organisation.name}."
    )
    if form.validate_on_submit():
        finding = findings.report(
            None, organisation.id, form.form_id.data, form.said(), form.safe_photos
        )
        reference = finding.public_id  # read before the commit expires it
        db.session.commit()
        tell_cst(reference)
        flash("Thank you. Your report has been sent to the Community Safety Team.", "success")
        return redirect(url_for(".link_receipt", token=token, finding_ref=finding.public_id))
    status = form.shown_with_status()
    return render_template("hub/report_by_link.html", form=form, organisation=organisation), status


@bp.get("/report/<token>/<finding_ref>")
def link_receipt(token: str, finding_ref: str):
    organisation = _link_organisation(token)
    finding = findings.by_public_id(finding_ref) if organisation is not None else None
    if not can_follow_by_link(organisation, finding):
        return _link_not_working()
    return render_template(
        "hub/link_receipt.html", finding=finding, organisation=organisation, token=token
    )
