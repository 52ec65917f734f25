"""CST's coverage dashboard, its drill-down, CSV exports and the committee paper (PDF and
Word)."""

from __future__ import annotations

from dataclasses import replace

from flask import (
    Blueprint,
    abort,
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
from elearn.reports.exports import export_rows
from elearn.reports.forms import ReportFilterForm
from elearn.reports.pdf import training_update_pdf
from elearn.reports.periods import Period
from elearn.reports.query import ReportQuery
from elearn.reports.tables import TABLES, cell, sort_rows
from elearn.web.csv_export import csv_response
from elearn.web.forms import choices
from elearn.web.paging import page_number, paged

bp = Blueprint("reports", __name__, url_prefix="/reports")


titles = dashboard.titles


def filter_form() -> tuple[ReportFilterForm, ReportQuery, int]:
    """The filters from the address; anything missing or wrong falls back to the default."""
    form = ReportFilterForm(request.args)
    form.course.choices = choices([("", "All courses"), *titles().items()])
    default_query = dashboard.default_query()
    default, now = default_query.period, default_query.now
    valid = form.validate() if request.args else True
    start = form.start.data if valid and form.start.data else default.start
    end = form.end.data if valid and form.end.data else default.end
    if start > end:
        form.end.errors = ["The end date must be on or after the start date"]
        start, end = default.start, default.end
    if not request.args:
        form.start.data, form.end.data = start, end
    course = form.course.data if valid and form.course.data in titles() else None
    threshold = (form.threshold.data if valid else None) or dashboard.DEFAULT_THRESHOLD
    return form, ReportQuery(Period(start, end), now, course), threshold


FILTERS = ("start", "end", "course", "threshold", "sort", "order")


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


EXPORTS = ("courses", "sectors", "organisations", "departments", "gaps", "trend")


@bp.get("/<any(courses, sectors, organisations, departments, gaps, trend):name>.csv")
@cst_admin_required
def export_csv(name: str):
    _, query, threshold = filter_form()
    figures = dashboard.build(query, titles(), threshold)
    header, rows = export_rows(name, figures, request.args.get("sector") or None)
    period = query.period
    return csv_response(f"training-{name}-{period.start}-to-{period.end}.csv", header, rows)


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
    response = make_response(make(figures))
    response.mimetype = mimetype
    period = query.period
    response.headers["Content-Disposition"] = (
        f'attachment; filename="training-update-{period.start}-to-{period.end}.{extension}"'
    )
    return response
