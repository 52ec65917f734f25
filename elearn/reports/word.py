"""The committee paper as a Word document (python-docx), since committee reports are written
in Word: the same content as the PDF (paper.py), with real heading styles, table header
rows marked to repeat on each page, figures right-aligned, the chart as an image with its
alternative text, the OFFICIAL marking and "Page n of m" in the header and footer."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from elearn.documents.typesetting import png
from elearn.reports.dashboard import Dashboard
from elearn.reports.paper import Paper, Section, Table, committee_paper
from elearn.reports.paper_chart import Chart

MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT_WIDTH = Cm(17)  # A4 less margins of 2 cm


def training_update_docx(figures: Dashboard, more: list[Section] = ()) -> bytes:
    paper = committee_paper(figures, more)
    document = Document()
    _page_and_properties(document, paper, figures)
    _plain_styles(document)
    document.add_heading(paper.title, level=1)
    for label, value in paper.details:
        paragraph = document.add_paragraph(style="No Spacing")
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)
    figure_number = 0
    for section in paper.sections:
        document.add_heading(section.heading, level=2)
        for text in section.paragraphs:
            paragraph = document.add_paragraph(text)
            # Words that lead into a table or chart stay on its page.
            paragraph.paragraph_format.keep_with_next = bool(section.table or section.chart)
        if section.chart is not None:
            figure_number += 1
            _add_chart(document, section.chart, figure_number)
        if section.table is not None:
            _add_table(document, section.table, section)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _page_and_properties(document, paper: Paper, figures: Dashboard) -> None:
    properties = document.core_properties
    properties.title = paper.title
    properties.subject = paper.subject
    properties.author = properties.last_modified_by = paper.author
    properties.language = "en-GB"
    properties.created = properties.modified = figures.query.now
    properties.revision = 1
    properties.comments = ""
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "en-GB")
    document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(
        qn("w:rPr")
    ).append(language)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = section.top_margin = Cm(2)
    section.bottom_margin = Cm(2)
    marking = section.header.paragraphs[0]
    marking.alignment = WD_ALIGN_PARAGRAPH.CENTER
    marking.add_run(paper.marking).bold = True
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(paper.marking).bold = True
    pages = section.footer.add_paragraph()
    pages.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    pages.add_run(paper.footer + "\tPage ")
    _field(pages, "PAGE")
    pages.add_run(" of ")
    _field(pages, "NUMPAGES")
    for run in pages.runs:
        run.font.size = Pt(9)


def _plain_styles(document) -> None:
    """A council paper's look, not Word's default: one sans-serif face, black headings."""
    for name in ("Normal", "Heading 1", "Heading 2", "Caption", "No Spacing"):
        font = document.styles[name].font
        font.name = "Arial"
        font.color.rgb = RGBColor(0x0B, 0x0C, 0x0C)
    document.styles["Heading 1"].font.size = Pt(20)
    document.styles["Heading 2"].font.size = Pt(14)


def _widths(table: Table) -> list[int]:
    """Column widths in proportion to what they hold, so no word is broken: the label
    column gets room for most of a name, each figure column what its header's longest
    word needs."""

    def longest_word(index: int) -> int:
        texts = [table.columns[index].label, *(row[index] for row in table.rows)]
        return max(len(word) for text in texts for word in text.split() or [""])

    label = max(len(row[0]) for row in table.rows) if table.rows else 10
    weights = [min(max(label, 12), 28)] + [
        max(8, longest_word(index)) for index in range(1, len(table.columns))
    ]
    total = sum(weights)
    return [int(TEXT_WIDTH * weight / total) for weight in weights]


def _field(paragraph, instruction: str) -> None:
    """A field Word fills in (the page number, the number of pages)."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run, text = OxmlElement("w:r"), OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _add_chart(document, chart: Chart, number: int) -> None:
    image = png("chart.typ", {"svg": chart.svg})
    document.add_picture(io.BytesIO(image), width=Cm(16))
    picture = document.paragraphs[-1]
    picture.paragraph_format.keep_with_next = True
    properties = picture.runs[-1]._r.xpath(".//wp:docPr")[0]
    properties.set("descr", chart.alt)
    properties.set("title", chart.caption)
    document.add_paragraph(f"Figure {number}: {chart.caption}", style="Caption")


def _add_table(document, table: Table, section: Section) -> None:
    result = document.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    result.style = "Table Grid"
    result.alignment = WD_TABLE_ALIGNMENT.LEFT
    result.autofit = False
    widths = _widths(table)
    caption = OxmlElement("w:tblCaption")
    caption.set(qn("w:val"), section.heading)
    result._tbl.tblPr.append(caption)
    rows = list(result.rows)  # result.rows[y] walks every row to find the y-th
    for y, values in enumerate([[c.label for c in table.columns], *table.rows]):
        row = rows[y]
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))
        if y == 0:
            header = OxmlElement("w:tblHeader")  # repeated at the top of each page
            header.set(qn("w:val"), "true")
            properties.append(header)
        for column, cell, value, width in zip(
            table.columns, row.cells, values, widths, strict=True
        ):
            cell.width = width
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(value)
            run.font.size = Pt(9)
            if y == 0:  # only what differs from the default: each property is XML to write
                run.bold = True
                paragraph.paragraph_format.keep_with_next = True
            if column.numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph()
