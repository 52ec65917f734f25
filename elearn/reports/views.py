"""CST's coverage dashboard, its drill-down, CSV exports and the committee paper (PDF and
Word)."""

from __future__ import annotations

import logging
from dataclasses import replace

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)

from elearn.courses.catalogue import current_catalogue
from elearn.courses.review import due_for_review
from elearn.dates import london_today
from elearn.models import SECTORS
from elearn.permissions import cst_admin_required
from elearn.reports import dashboard, word
from elearn.reports.charts import month_label, trend_svg
from elearn.reports.exports import export_filename, export_rows
from elearn.reports.forms import ReportFilterForm
from elearn.reports.paper import more_sections
from elearn.reports.pdf import training_update_pdf
from elearn.reports.periods import chosen_period
from elearn.reports.query import CHANNELS, ReportQuery, channel_from, channel_only
from elearn.reports.tables import TABLES, cell, sort_rows
from elearn.web.csv_export import csv_response
from elearn.web.forms import choices
from elearn.web.paging import page_number, paged

bp = Blueprint("reports", __name__, url_prefix="/reports")
log = logging.getLogger(__name__)


titles = dashboard.titles


def filter_form() -> tuple[ReportFilterForm, ReportQuery, int]:
    """The filters from the address; anything missing or wrong falls back to the default."""
    form = ReportFilterForm(request.args)
    form.course.choices = choices([("", "All courses"), *titles().items()])
    form.channel.choices = choices([("", "Every channel"), *CHANNELS.items()])
    default_query = dashboard.default_query()
    default, now = default_query.period, default_query.now
    valid = form.validate() if request.args else True
    period = chosen_period(form, default) if valid and request.args else default
    if not request.args:
        form.start.data, form.end.data = period.start, period.end
    course = form.course.data if valid and form.course.data in titles() else None
    threshold = (form.threshold.data if valid else None) or dashboard.DEFAULT_THRESHOLD
    channel = channel_from(form.channel.data)
    form.channel.data = channel or ""
    return form, ReportQuery(period, now, course, channel), threshold


FILTERS = ("start", "end", "course", "channel", "threshold", "sort", "order")


def filter_args() -> dict[str, list[str]]:
    """The filters in the address, kept in the page's links; nothing else (a stray
    `sector`, `name` or `_anchor` would collide with url_for's own arguments)."""
    return {key: value for key, value in request.args.to_dict(flat=False).items() if key in FILTERS}


def sorted_table(name: str, rows: list[dict]) -> list[dict]:
    table, _, column = request.args.get("sort", "").partition(".")
    if table != name:
        return rows
    return sort_rows(rows, TABLES[name][1], column, request.args.get("order") == "desc")


@bp.get("")
@cst_admin_required
def index():
    form, query, threshold = filter_form()
    built = dashboard.build(query, titles(), threshold, may_be_older=True)
    figures = replace(
        built,
        courses=sorted_table("courses", built.courses),
        sectors=sorted_table("sectors", built.sectors),
        departments=sorted_table("organisations", built.departments),
        gaps=sorted_table("gaps", built.gaps),
        channels=sorted_table("channels", built.channels),
    )
    add_links(figures, filter_args())
    return render_template(
        "reports/index.html",
        form=form,
        figures=figures,
        tables=TABLES,
        cell=cell,
        chart=trend_svg(figures.trend, figures.titles, "trend"),
        month_label=month_label,
        args=filter_args(),
        due_reviews=due_for_review(current_catalogue(), london_today()),
        channel_only=channel_only,
    )


@bp.get("/sectors/<sector>")
@cst_admin_required
def sector(sector: str):
    if sector not in SECTORS:
        abort(404)
    form, query, threshold = filter_form()
    # The dashboard's own figures for this view: its organisation table holds every
    # approved organisation, so a drill-down from it shows the same figures at once.
    figures = dashboard.build(query, titles(), threshold, may_be_older=True)
    search = " ".join((request.args.get("q") or "").split())[:100]
    rows = sorted_table(
        "organisations",
        [
            row
            for row in figures.organisations
            if row["sector"] == sector and search.casefold() in row["name"].casefold()
        ],
    )
    page = paged(rows, page_number(request.args.get("page")))
    for row in page.rows:
        row["link"] = url_for("admin.organisation", organisation_id=row["organisation_id"])
    return render_template(
        "reports/sector.html",
        form=form,
        query=query,
        figures=figures,
        sector=sector,
        sector_name=SECTORS[sector],
        page=page,
        search=search,
        tables=SECTOR_TABLES,
        cell=cell,
        args=filter_args(),
        channel_only=channel_only,
    )


# A sector's page names its sector once, in its heading, not in every row.
SECTOR_TABLES = {
    "organisations": (
        TABLES["organisations"][0],
        tuple(column for column in TABLES["organisations"][1] if column.key != "sector_name"),
    )
}


def add_links(figures: dashboard.Dashboard, args: dict) -> None:
    """Each row's link to the next level down: course, sector, organisation."""
    args = {key: value for key, value in args.items() if key not in ("sort", "order", "course")}
    for row in figures.courses:
        row["link"] = url_for("reports.index", **args, course=row["course"])
    for row in figures.sectors:
        row["link"] = url_for("reports.sector", sector=row["sector"], **args)
    for row in figures.departments + figures.gaps:
        row["link"] = url_for("admin.organisation", organisation_id=row["organisation_id"])
    for row in figures.upcoming:
        row["link"] = session_link(row["public_id"])


def session_link(public_id: str) -> str:
    """A face-to-face session's page (the face_to_face blueprint's, by its one argument:
    the session's public id), or its planned address while that is not registered."""
    if SESSION_PAGE not in current_app.view_functions:
        return f"/sessions/{public_id}"
    rules = current_app.url_map.iter_rules(SESSION_PAGE)
    arguments = {argument for rule in rules for argument in rule.arguments}
    if len(arguments) == 1:
        return url_for(SESSION_PAGE, **{arguments.pop(): public_id})
    log.warning("%s takes %s, not one public id: linked by address", SESSION_PAGE, arguments)
    return f"/sessions/{public_id}"


SESSION_PAGE = "face_to_face.session"


EXPORTS = ("courses", "sectors", "organisations", "departments", "gaps", "channels", "trend")


@bp.get("/<any(courses, sectors, organisations, departments, gaps, channels, trend):name>.csv")
@cst_admin_required
def export_csv(name: str):
    _, query, threshold = filter_form()
    figures = dashboard.build(query, titles(), threshold)
    header, rows = export_rows(name, figures, request.args.get("sector") or None)
    return csv_response(export_filename(name, figures), header, rows)


@bp.get("/training-update.pdf")
@cst_admin_required
def training_update():
    return committee_paper(training_update_pdf, "application/pdf", "pdf")


@bp.get("/training-update.docx")
@cst_admin_required
def training_update_docx():
    return committee_paper(word.training_update_docx, word.MIMETYPE, "docx")


def committee_paper(make, mimetype: str, extension: str):
    """The committee paper for the filters in the address, always from current figures."""
    _, query, threshold = filter_form()
    figures = dashboard.build(query, titles(), threshold)
    response = make_response(make(figures, more_sections(figures)))
    response.mimetype = mimetype
    period = query.period
    channel = f"-{query.channel}" if query.channel else ""
    response.headers["Content-Disposition"] = (
        f'attachment; filename="training-update{channel}-{period.start}-to-{period.end}.'
        f'{extension}"'
    )
    return response
