"""/hub/figures and /hub/partners: what the hub's findings add up to, shared with the
partners CST names, and CST's page of partners and reporting links (docs/hub.md).

Routes on the hub's blueprint (elearn/hub/views.py), like organisations/invitation_views.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from elearn.dates import LONDON, london_today
from elearn.extensions import db
from elearn.hub import figures as hub_figures
from elearn.hub import partners
from elearn.hub.findings import KINDS, STATUSES, STRANDS
from elearn.hub.forms import FiguresFilterForm
from elearn.hub.views import bp
from elearn.models import User, utcnow
from elearn.permissions import (
    Action,
    can_see_hub_figures,
    can_triage,
    cst_admin_required,
    hub_partner_organisations,
    requires,
)
from elearn.reports.charts import month_label, trend_svg
from elearn.reports.periods import Period, chosen_period
from elearn.web.csv_export import csv_response
from elearn.web.filters import and_list
from elearn.web.forms import ConfirmForm
from elearn.web.security import shows_map


def _period() -> tuple[FiguresFilterForm, Period]:
    """The period in the address; anything missing or wrong falls back to the last year."""
    form = FiguresFilterForm(request.args)
    default = Period.last_twelve_months(london_today())
    if not request.args:
        form.start.data, form.end.data = default.start, default.end
        return form, default
    return form, chosen_period(form, default) if form.validate() else default


def _period_args(period: Period) -> dict[str, list[str]]:
    """The period as the filter form reads it from the address."""
    return {
        name: [str(day.day), str(day.month), str(day.year)]
        for name, day in (("start", period.start), ("end", period.end))
    }


def _may_see_figures() -> None:
    if not can_see_hub_figures(current_user):
        abort(404)


@bp.get("/figures")
@login_required
@shows_map
def figures():
    _may_see_figures()
    form, period = _period()
    found = hub_figures.hub_figures(period, utcnow())
    for_cst = can_triage(current_user)
    map_on = bool(current_app.config.get("ELEARN_MAP_TILES"))
    return render_template(
        "hub/figures.html",
        form=form,
        figures=found,
        chart=trend_svg(
            found.by_month,
            {},
            "hub-trend",
            title="Findings per month",
            of_what="findings per month of each kind",
        ),
        month_label=month_label,
        points=hub_figures.map_points(period, exact=for_cst) if map_on else [],
        max_points=hub_figures.MAP_POINTS,
        args=_period_args(period),
        for_cst=for_cst,
        partner_names=""
        if for_cst
        else and_list([o.name for o in hub_partner_organisations(current_user)]),
    )


CSV_HEADER = [
    "Number",
    "Kind",
    "Hate strand or ideology",
    "Area",
    "Postcode",
    "Seen (London time)",
    "Reported (London time)",
    "Status",
    "Removal target",
    "Removed (London time)",
    "Removed within target",
    "Reported for",
]
CST_ONLY_HEADER = ["Place", "What it says or shows", "Police reference"]


def _csv_time(moment) -> str:
    """'2026-12-05 14:30' in London: what a spreadsheet sorts and reads as a time."""
    return f"{moment.astimezone(LONDON):%Y-%m-%d %H:%M}" if moment else ""


@bp.get("/figures.csv")
@login_required
def figures_csv():
    _may_see_figures()
    _, period = _period()
    for_cst = can_triage(current_user)

    def rows():
        for found in hub_figures.export_rows(period, for_cst):
            due, removed = found["removal_due_at"], found["removed_at"]
            within = "" if not (due and removed) else ("Yes" if removed <= due else "No")
            row = [
                found["id"],
                KINDS.get(found["kind"], found["kind"]),
                STRANDS.get(found["strand"], found["strand"]),
                hub_figures.area_of(found["postcode"]),
                found["postcode"],
                _csv_time(found["seen_at"]),
                _csv_time(found["reported_at"]),
                STATUSES.get(found["status"], found["status"]),
                _csv_time(due),
                _csv_time(removed),
                within,
                found["name"] or ("Not shared" if found["anonymous"] else ""),
            ]
            if for_cst:
                row += [found["place"], found["description"], found["police_reference"] or ""]
            yield row

    header = CSV_HEADER + (CST_ONLY_HEADER if for_cst else [])
    return csv_response(
        f"hub-findings-{period.start}-to-{period.end}.csv", header, stream_with_context(rows())
    )


# --- CST: partners and reporting links -----------------------------------------------------


@bp.get("/partners")
@cst_admin_required
def partners_page():
    return render_template("hub/partners.html", partners=partners.partners(), confirm=ConfirmForm())


CHANGES = {
    "share": (partners.share, "now sees the hub's figures"),
    "stop-sharing": (partners.stop_sharing, "no longer sees the hub's figures"),
    "new-link": (
        partners.new_link,
        "has a new reporting link: any earlier one has stopped working",
    ),
    "end-link": (partners.end_link, "has no reporting link now"),
}


@bp.post(
    '/partners/<int:organisation_id>/<any(share, "stop-sharing", "new-link", "end-link"):change>'
)
@requires(Action.ADMINISTER)
def change_partner(organisation, change: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    act, said = CHANGES[change]
    try:
        act(organisation, db.session.get(User, current_user.id))
    except partners.PartnerRefused as refused:
        flash(str(refused), "info")
        return redirect(url_for("admin.organisation", organisation_id=organisation.id))
    db.session.commit()
    flash(f"{organisation.name} {said}.", "success")
    return redirect(url_for("admin.organisation", organisation_id=organisation.id) + "#hub")
