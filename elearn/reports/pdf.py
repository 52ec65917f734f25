"""The "training update" PDF for a committee paper: period, headline figures, the tables by
course and sector, the trend chart and a short summary in plain English."""

from __future__ import annotations

import io
from html import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from elearn.certificates.typesetting import BOLD, REGULAR, registered
from elearn.reports.charts import COLOURS, month_label
from elearn.reports.dashboard import Dashboard
from elearn.reports.tables import TABLES, cell

PAGE_WIDTH = A4[0] - 36 * mm


def styles() -> dict[str, ParagraphStyle]:
    regular, bold = registered(REGULAR).fontName, registered(BOLD).fontName
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=20, leading=24, spaceAfter=6),
        "h2": ParagraphStyle(
            "h2", fontName=bold, fontSize=13, leading=16, spaceBefore=10, spaceAfter=4
        ),
        "body": ParagraphStyle("body", fontName=regular, fontSize=10, leading=14, spaceAfter=4),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=8, leading=10),
        "head": ParagraphStyle("head", fontName=bold, fontSize=8, leading=10),
    }


def table(name: str, rows: list[dict], style: dict) -> Table:
    columns = TABLES[name][1]
    data = [[Paragraph(escape(column.label), style["head"]) for column in columns]]
    data += [
        [Paragraph(escape(cell(row, column)), style["cell"]) for column in columns] for row in rows
    ]
    widths = [
        PAGE_WIDTH * (0.22 if i == 0 else 0.78 / (len(columns) - 1)) for i in range(len(columns))
    ]
    result = Table(data, colWidths=widths, repeatRows=1)
    result.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return result


def trend_chart(figures: Dashboard) -> Drawing:
    """Bars per month per course, each labelled with its value (readable in black and white)."""
    months = figures.query.period.months()
    drawing = Drawing(PAGE_WIDTH, 200)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 50, PAGE_WIDTH - 40, 130
    chart.data = [list(values.values()) for values in figures.trend.values()] or [[0] * len(months)]
    chart.categoryAxis.categoryNames = [month_label(month) for month in months]
    chart.categoryAxis.labels.fontName = registered(REGULAR).fontName
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = registered(REGULAR).fontName
    chart.valueAxis.valueMin = 0
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = registered(REGULAR).fontName
    chart.barLabels.fontSize = 6
    chart.barLabels.nudge = 6
    for index in range(len(chart.data)):
        chart.bars[index].fillColor = colors.HexColor(COLOURS[index % len(COLOURS)])
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 30, 20
    legend.fontName = registered(REGULAR).fontName
    legend.fontSize = 8
    legend.columnMaximum = 1
    legend.alignment = "right"
    legend.colorNamePairs = [
        (colors.HexColor(COLOURS[i % len(COLOURS)]), figures.titles.get(slug, slug))
        for i, slug in enumerate(figures.trend)
    ]
    legend.dxTextSpace = 6
    legend.deltax = PAGE_WIDTH / max(1, len(figures.trend))
    legend.columnMaximum = 1
    drawing.add(legend)
    return drawing


def training_update_pdf(figures: Dashboard) -> bytes:
    style = styles()
    buffer = io.BytesIO()
    period = figures.query.period.describe()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"Community safety training update: {period}",
        author="Community Safety Team, City of London Corporation",
        subject="Training coverage for the Safer City Partnership",
        invariant=True,
        lang="en-GB",
    )
    headline = figures.headline
    course_name = figures.titles.get(figures.query.course, "all courses")
    story = [
        Paragraph("Community safety training update", style["title"]),
        Paragraph(
            escape(f"{period} · {course_name if figures.query.course else 'All courses'}"),
            style["body"],
        ),
        Paragraph("Summary", style["h2"]),
        *[Paragraph(escape(sentence), style["body"]) for sentence in figures.summary],
        Paragraph("Headline figures", style["h2"]),
        Table(
            [
                [Paragraph(escape(label), style["cell"]), Paragraph(f"{value:,}", style["head"])]
                for label, value in (
                    ("People trained in the period", headline.people_trained),
                    ("Completions in the period", headline.completions),
                    ("People trained in the previous period", headline.previous_people_trained),
                    ("Completions valid now", headline.valid_now),
                    ("Due a refresher within 30 days", headline.refresher_due),
                    ("Expired", headline.expired),
                )
            ],
            colWidths=[PAGE_WIDTH * 0.6, PAGE_WIDTH * 0.2],
        ),
        Paragraph("Completions per month", style["h2"]),
        trend_chart(figures),
        Paragraph(TABLES["courses"][0], style["h2"]),
        table("courses", figures.courses, style),
        Paragraph(TABLES["sectors"][0], style["h2"]),
        table("sectors", figures.sectors, style),
        Spacer(1, 6),
        Paragraph(
            "Coverage counts active members of approved organisations who must take a "
            "course, and those of them with a valid completion now. Coverage of headcount "
            "compares the same count with the number of people organisations told us "
            "work, study or volunteer there.",
            style["body"],
        ),
    ]
    document.build(story)
    return buffer.getvalue()
