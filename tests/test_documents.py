"""The documents CST hands on, opened as documents: the committee paper as a tagged PDF
(read back through its structure tree with pikepdf) and as a Word document (python-docx),
the certificate as a tagged PDF, and the names of the files in a certificate zip."""

from __future__ import annotations

import io
import random
import re
import zipfile
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

import docx
import pikepdf
import pypdfium2
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH

from elearn.certificates.codes import display_code
from elearn.dates import london_today
from elearn.models import SECTORS
from elearn.reports.dashboard import Dashboard
from elearn.reports.paper import committee_paper
from elearn.reports.paper_chart import alternative_text, axis_ticks, trend_chart
from elearn.reports.pdf import training_update_pdf
from elearn.reports.periods import Period
from elearn.reports.query import Headline, ReportQuery
from elearn.reports.word import training_update_docx
from elearn.web.filters import london_date
from tests.test_certificates import (
    LONDON_NAMES,
    assert_pdf_ua_with_real_glyphs,
    certificate_of,
    complete_course,
    fonts_drawing,
    glyphs_drawn,
    typesetting_log,  # noqa: F401 - a fixture
)
from tests.test_coverage import population  # noqa: F401 - the hand-worked population
from tests.test_reports import PERIOD_ARGS

SECTIONS = [
    "1. Summary",
    "2. Headline figures",
    "3. Completions per month",
    "4. Training by course",
    "5. Coverage by course",
    "6. Training by sector",
    "7. Coverage by sector",
    "8. Training by channel",
    "9. Corporation departments",
    "10. Coverage of Corporation departments",
    "11. Required training below 50% coverage",
    "12. Members overdue, by organisation",
    "13. Findings reported to the reporting hub",  # nothing reported: a sentence says so
    "14. How the figures are counted",
]


# --- reading a tagged PDF back ----------------------------------------------------------


@dataclass
class Element:
    """A structure element: its type, attributes and the pages its content is on."""

    tag: str
    title: str | None
    alt: str | None
    scope: str | None
    pages: list[int] = field(default_factory=list)
    kids: list[Element] = field(default_factory=list)

    def walk(self):
        yield self
        for kid in self.kids:
            yield from kid.walk()

    def all(self, tag: str) -> list[Element]:
        return [element for element in self.walk() if element.tag == tag]


def structure(pdf: pikepdf.Pdf) -> Element:
    """The document's structure tree, from /StructTreeRoot."""
    numbers = {page.objgen: number for number, page in enumerate(pdf.pages)}

    def read(node, page: int | None) -> Element:
        if "/Pg" in node:
            page = numbers[node.Pg.objgen]
        attributes = node.get("/A", [])
        attributes = attributes if isinstance(attributes, pikepdf.Array) else [attributes]
        scopes = [str(a.Scope) for a in attributes if "/Scope" in a]
        element = Element(
            str(node.S),
            str(node.T) if "/T" in node else None,
            str(node.Alt) if "/Alt" in node else None,
            scopes[0] if scopes else None,
        )
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, int) or (isinstance(kid, pikepdf.Dictionary) and "/S" not in kid):
                kid_page = numbers[kid.Pg.objgen] if "/Pg" in getattr(kid, "keys", list)() else page
                element.pages.append(kid_page)
            elif isinstance(kid, pikepdf.Dictionary):
                child = read(kid, page)
                element.kids.append(child)
                element.pages.extend(child.pages)
        return element

    root = pdf.Root.StructTreeRoot.K
    return read(root[0] if isinstance(root, pikepdf.Array) else root, None)


def page_texts(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    return [document[index].get_textpage().get_text_range() for index in range(len(document))]


def content(page) -> bytes:
    streams = page.Contents
    if isinstance(streams, pikepdf.Stream):
        return streams.read_bytes()
    return b"".join(stream.read_bytes() for stream in streams)


# --- figures to lay out ------------------------------------------------------------------


def made_up_figures(courses: int = 4, seed: int = 1, **headline) -> Dashboard:
    """Dashboard figures made up, to lay the paper out with any number of courses."""
    rnd = random.Random(seed)
    titles = {f"course-{n}": f"Course number {n} on community safety" for n in range(courses)}
    period = Period(date(2025, 12, 1), date(2026, 11, 30))
    months = period.months()
    trend = {slug: {month: rnd.randint(0, 40) for month in months} for slug in titles}

    def coverage(row: dict) -> dict:
        required = rnd.randint(10, 2000)
        trained = rnd.randint(0, required)
        return row | {
            "required_of": required,
            "trained_of_required": trained,
            "coverage": 100 * trained / required,
            "headcount_coverage": 100 * trained / (required * 1.5),
        }

    course_rows = [
        coverage(
            {
                "course": slug,
                "title": title,
                "people_trained": sum(trend[slug].values()),
                "completions": sum(trend[slug].values()) + 2,
                "previous_people_trained": rnd.randint(0, 300),
                "valid_now": rnd.randint(0, 30000),
                "refresher_due": rnd.randint(0, 40),
                "expired": rnd.randint(0, 300),
            }
        )
        for slug, title in titles.items()
    ]
    sector_rows = [
        coverage(
            {
                "sector": key,
                "sector_name": name,
                "organisations": rnd.randint(1, 400),
                "members": rnd.randint(10, 40000),
                "headcount": rnd.randint(10, 50000),
                "people_trained": rnd.randint(0, 5000),
            }
        )
        for key, name in SECTORS.items()
    ]
    values = {
        "people_trained": 1234,
        "completions": 98765,
        "previous_people_trained": 7,
        "valid_now": 123456,
        "refresher_due": 40,
        "expired": 300,
        **headline,
    }
    gap_rows = [
        {
            "name": name,
            "sector_name": sector,
            "title": titles[slug],
            "members": members,
            "trained": members // 4,
            "coverage": 25.0,
        }
        for (name, sector), slug, members in zip(
            GAP_ORGANISATIONS, list(titles) * 3, (12, 1200, 35, 7), strict=False
        )
    ]
    return Dashboard(
        query=ReportQuery(period, datetime(2026, 12, 4, 9, 30, tzinfo=UTC)),
        titles=titles,
        headline=Headline(**values),
        courses=course_rows,
        sectors=sector_rows,
        trend=trend,
        gaps=gap_rows,
        overdue=[{"name": name, "overdue": 3} for name, _ in GAP_ORGANISATIONS],
        sectors_without=["Faith group"],
    )


GAP_ORGANISATIONS = [
    ("Little Acorns Nursery", "Early years setting"),
    ("St Bartholomew's Hospital Volunteers Association", "Charity or voluntary group"),
    ("Barbican Centre Trust", "Cultural institution"),
    ("Worshipful Company of Information Technologists", "Business"),
]


def glyph_boxes(data: bytes, page_number: int) -> tuple[float, list[tuple]]:
    """The page's width and each visible character's box (left, bottom, right, top) and
    place in the page's text."""
    page = pypdfium2.PdfDocument(data)[page_number]
    text = page.get_textpage()
    boxes = [
        (*text.get_charbox(index), index)
        for index in range(text.count_chars())
        if not text.get_text_range(index, 1).isspace()
    ]
    return page.get_width(), boxes


# --- the committee paper as a PDF ---------------------------------------------------------


def test_committee_paper_is_a_tagged_pdf(browser, make, population):  # noqa: F811
    browser.sign_in(make.user(admin=True))
    response = browser.client.get(f"/reports/training-update.pdf?{PERIOD_ARGS}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.get_data()
    pdf = pikepdf.open(io.BytesIO(data))
    assert pdf.Root.MarkInfo.Marked is True
    assert str(pdf.Root.Lang) == "en-GB"
    assert str(pdf.docinfo.Title) == "Community safety training update"
    assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
    with pdf.open_metadata() as xmp:
        assert xmp["pdfuaid:part"] == "1"
        assert xmp["dc:title"] == "Community safety training update"
    document = structure(pdf)
    assert document.tag == "/Document"
    assert [h.title for h in document.all("/H1")] == ["Community safety training update"]
    assert [h.title for h in document.all("/H2")] == SECTIONS
    tables = document.all("/Table")
    assert len(tables) == 10  # the population has gaps but nobody overdue: a sentence says so
    for table in tables:
        [head] = table.all("/THead")
        headers = head.all("/TH")
        assert headers and all(th.scope == "/Column" for th in headers)
        assert table.all("/TBody")[0].all("/TD")
    [figure] = document.all("/Figure")
    assert figure.alt.startswith("Bar chart of completions per month from June 2025 to June 2026")

    texts = page_texts(data)
    pages = len(texts)
    assert pages >= 2
    for number, text in enumerate(texts, start=1):
        assert text.count("OFFICIAL") >= 2, f"page {number} is marked top and bottom"
        assert f"Page {number} of {pages}" in text
    labels = pdf.Root.PageLabels.Nums
    assert [int(labels[i]) for i in range(0, len(labels), 2)] == list(range(pages))
    for page in pdf.pages:  # the marking and page numbers are page furniture
        stream = content(page)
        assert b"/Artifact<</Attached[/Top]/Subtype/Header/Type/Pagination>>BDC" in stream
        assert b"/Artifact<</Attached[/Bottom]/Subtype/Footer/Type/Pagination>>BDC" in stream

    cover = " ".join(texts[0].split())
    for detail in (
        "Committee: Safer City Partnership",
        f"Date: {london_date(london_today())}",
        "Report author: Community Safety Team",
        "Period covered: 16 June 2025 to 15 June 2026",
        "Courses: All courses",
        "Classification: OFFICIAL",
        "5 people completed training between 16 June 2025 and 15 June 2026",
    ):
        assert detail in cover, detail


@pytest.mark.parametrize("courses", [1, 2, 3, 5, 8, 13, 30])
def test_headings_stay_with_their_tables_and_headers_repeat(app, courses):
    """Laid out with more or fewer courses, page breaks fall in different places: wherever
    they fall, no heading (or the words leading into a table) is left at the foot of a
    page without what it introduces, and a table's header is on each page it runs onto."""
    figures = made_up_figures(courses)
    data = training_update_pdf(figures)
    pdf = pikepdf.open(io.BytesIO(data))
    document = structure(pdf)
    kids = document.kids
    for index, heading in enumerate(kids):
        if heading.tag == "/H2":
            following = kids[index + 1]
            assert following.pages[0] == heading.pages[0], (
                f"{heading.title} on page {heading.pages[0] + 1}, what follows it on "
                f"page {following.pages[0] + 1}"
            )
    texts = [set(text.split()) for text in page_texts(data)]
    tables = [s.table for s in committee_paper(figures).sections if s.table]
    for table, element in zip(tables, document.all("/Table"), strict=True):
        header = element.all("/THead")[0]
        assert len(header.all("/TH")) == len(table.columns), "a repeated header is read once"
        assert header.pages[0] == element.all("/TR")[1].pages[0], "a header with no row under it"
        for page in set(element.pages):
            for column in table.columns:
                assert set(column.label.split()) <= texts[page], (
                    f"'{column.label}' heads the table on page {page + 1}"
                )
    assert courses < 30 or len(set(document.all("/Table")[2].pages)) > 1, "runs onto a page"


def test_figures_are_right_aligned_and_header_words_whole(app):
    figures = made_up_figures()
    data = training_update_pdf(figures)
    page = pypdfium2.PdfDocument(data)[0].get_textpage()
    text = page.get_text_range()
    rights, lefts = set(), set()
    for label, value in (
        ("People trained in the period", "1,234"),
        ("Completions in the period", "98,765"),
        ("People trained in the previous period", "7"),
        ("Completions valid now", "123,456"),
        ("Due a refresher within 30 days", "40"),
        ("Expired", "300"),
    ):
        match = re.search(re.escape(label) + r"\s*" + re.escape(value), text)
        assert match, label
        first, last = match.end() - len(value), match.end() - 1
        lefts.add(round(page.get_charbox(first)[0]))
        rights.add(round(page.get_charbox(last)[2]))
    assert len(rights) == 1, f"right edges {rights}"
    assert len(lefts) > 1

    words = set()
    for text in page_texts(data):
        words |= set(text.split())
    for label in (
        "People trained in the period",
        "Completions in the period",
        "Trained in the previous period",
        "Refresher due",
        "Organisations",
        "Coverage of headcount",
    ):
        for word in label.split():
            assert word in words, f"'{word}' of '{label}' broken or run into another"
    assert not [word for word in words if word.endswith("-") and len(word) > 1]


def test_tables_of_names_stay_inside_the_page_and_never_overprint(app):
    """The low-coverage table has three columns of words (organisation, sector, course):
    each wraps between words inside the margins, and no two characters print over each
    other, in a header or a row."""
    data = training_update_pdf(made_up_figures())
    texts = page_texts(data)
    pages = [n for n, text in enumerate(texts) if "below 50% coverage" in text]
    assert pages
    words = set(" ".join(texts).split())
    for name, sector in GAP_ORGANISATIONS:
        assert set(f"{name} {sector}".split()) <= words
    for number in range(len(texts)):
        width, boxes = glyph_boxes(data, number)
        right_margin = width - 20 / 25.4 * 72
        assert max(box[2] for box in boxes) <= right_margin + 1, f"page {number + 1}"
        boxes.sort()
        for index, (left, bottom, right, top, place) in enumerate(boxes):
            for other in boxes[index + 1 :]:
                if other[0] >= right - 1:
                    break
                across = min(right, other[2]) - max(left, other[0])
                up = min(top, other[3]) - max(bottom, other[1])
                neighbours = abs(place - other[4]) == 1  # a ligature, or kerned letters
                assert neighbours or min(across, up) <= 1, (
                    f"characters print over each other on page {number + 1}"
                )


@pytest.mark.parametrize(
    ("peak", "ticks"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (5, [0, 1, 2, 3, 4, 5]),
        (7, [0, 2, 4, 6, 8]),
        (11, [0, 5, 10, 15]),
        (99, [0, 20, 40, 60, 80, 100]),
        (1234, [0, 500, 1000, 1500]),
    ],
)
def test_chart_axis_has_whole_number_ticks(peak, ticks):
    assert axis_ticks(peak) == ticks


def test_chart_labels_and_alternative_text():
    months = ["2026-01", "2026-02", "2026-03"]
    trend = {"wrap": {"2026-01": 1, "2026-02": 3, "2026-03": 0}, "basics": dict.fromkeys(months, 0)}
    chart = trend_chart(trend, {"wrap": "WRAP", "basics": "Basics"}, months)
    tick_labels = re.findall(r'text-anchor="end"[^>]*>([^<]*)<', chart.svg)
    assert tick_labels == ["0", "1", "2", "3"]
    assert chart.alt == (
        "Bar chart of completions per month from January 2026 to March 2026, one bar per "
        "course: WRAP, 4 in all, most in February 2026 (3); Basics, none. The same figures "
        "are in the table that follows."
    )
    assert alternative_text({"wrap": dict.fromkeys(months, 0)}, ["WRAP"], months) == (
        "Bar chart of completions per month from January 2026 to March 2026: no course was "
        "completed."
    )


# --- the committee paper as a Word document ----------------------------------------------


def test_committee_paper_as_a_word_document(browser, make, population):  # noqa: F811
    browser.sign_in(make.user(admin=True))
    response = browser.client.get(f"/reports/training-update.docx?{PERIOD_ARGS}")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="training-update-2025-06-16-to-2026-06-15.docx"'
    )
    document = docx.Document(io.BytesIO(response.get_data()))
    check_word_paper(document)
    texts = [p.text for p in document.paragraphs]
    assert "Committee: Safer City Partnership" in texts
    assert "Period covered: 16 June 2025 to 15 June 2026" in texts
    assert any(t.startswith("5 people completed training between 16 June 2025") for t in texts)


def check_word_paper(document) -> None:
    headings = {
        style: [p.text for p in document.paragraphs if p.style.name == style]
        for style in ("Heading 1", "Heading 2")
    }
    assert headings["Heading 1"] == ["Community safety training update"]
    assert headings["Heading 2"][:7] == SECTIONS[:7]
    assert headings["Heading 2"][-1] == f"{len(headings['Heading 2'])}. How the figures are counted"
    properties = document.core_properties
    assert (properties.title, properties.language) == ("Community safety training update", "en-GB")
    assert properties.author == "Community Safety Team, City of London Corporation"
    assert len(document.tables) >= 6
    for table in document.tables:
        first = table.rows[0]._tr
        assert first.trPr is not None and first.trPr.xpath("./w:tblHeader"), "a repeating header"
        assert not table.rows[1]._tr.trPr.xpath("./w:tblHeader")
    headline = document.tables[0]
    assert [c.text for c in headline.rows[0].cells] == ["Figure", "Number"]
    for row in headline.rows[1:]:
        label, number = row.cells
        assert number.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
        assert label.paragraphs[0].alignment is None  # left, as the style has it
    [picture] = document.inline_shapes
    description = picture._inline.docPr.get("descr")
    assert description.startswith("Bar chart of completions per month from")
    assert picture._inline.graphic.graphicData.pic.blipFill is not None
    section = document.sections[0]
    assert section.header.paragraphs[0].text == "OFFICIAL"
    footer = section.footer._element.xml
    assert 'w:instr="PAGE"' in footer and 'w:instr="NUMPAGES"' in footer
    assert "OFFICIAL" in footer
    styles = document.styles.element.xml
    assert '<w:lang w:val="en-GB"/>' in styles


def test_word_paper_holds_the_same_as_the_pdf(app):
    figures = made_up_figures(courses=3)
    document = docx.Document(io.BytesIO(training_update_docx(figures)))
    check_word_paper(document)
    [picture] = document.inline_shapes
    assert (
        picture._inline.docPr.get("descr")
        == trend_chart(figures.trend, figures.titles, figures.query.period.months()).alt
    )
    pdf_text = " ".join(" ".join(page_texts(training_update_pdf(figures))).split())
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                assert cell.text in pdf_text, cell.text


def test_cli_writes_the_word_document(app, tmp_path, population):  # noqa: F811
    result = app.test_cli_runner().invoke(
        args=[
            "report",
            "coverage",
            "--from",
            "2025-06-16",
            "--to",
            "2026-06-15",
            "--format",
            "docx",
            "--output",
            str(tmp_path / "update.docx"),
        ]
    )
    assert result.exit_code == 0, result.output
    check_word_paper(docx.Document(tmp_path / "update.docx"))


def test_only_cst_gets_the_word_document(app, browser, make, session):
    from tests.conftest import Browser

    for person in (make.user(), make.user(org=make.organisation(), role="manager")):
        viewer = Browser(app.test_client())
        viewer.sign_in(person)
        viewer.get("/reports/training-update.docx", status=403)
    browser.get("/reports/training-update.docx", status=302)


# --- the certificate ---------------------------------------------------------------------


def test_certificate_is_a_tagged_pdf(browser, make, session):
    learner = make.user(full_name="Grace Hopper")
    browser.sign_in(learner)
    complete_course(browser)
    certificate = certificate_of(session, learner)
    data = browser.client.get(f"/certificates/{certificate.code}.pdf").get_data()
    pdf = pikepdf.open(io.BytesIO(data))
    assert pdf.Root.MarkInfo.Marked is True
    assert str(pdf.Root.Lang) == "en-GB"
    title = "Certificate of completion: Basics of safeguarding – Grace Hopper"
    assert str(pdf.docinfo.Title) == title
    assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
    with pdf.open_metadata() as xmp:
        assert xmp["pdfuaid:part"] == "1"
    document = structure(pdf)
    assert [h.title for h in document.all("/H1")] == ["Certificate of completion"]
    assert [h.title for h in document.all("/H2")] == ["Basics of safeguarding"]
    paragraphs = document.all("/P")
    assert paragraphs, "the rest is text in paragraphs"
    [qr] = document.all("/Figure")
    url = f"http://localhost/verify/{display_code(certificate.code)}"
    assert qr.alt == f"QR code to check this certificate is genuine: it opens {url}"
    stream = content(pdf.pages[0])
    assert stream.startswith(b"/Artifact<<"), "the frame is drawn first, as an artifact"
    assert b"/Type/Background>>BDC" in stream.split(b"\n", 1)[0]


def test_a_name_no_font_can_show_still_gives_a_tagged_certificate(
    app,
    make,
    session,
    typesetting_log,  # noqa: F811
):
    """A character none of the fonts has (Adlam, which Fula is written in, until its font
    is added) prints as an empty box: the certificate is still made and tagged, without
    claiming PDF/UA, and a warning says so."""
    from elearn.certificates.pdf import certificate_pdf

    learner = make.user(full_name="Amadu 𞤀𞤥𞤢𞤣𞤵 Ba")
    certificate = make.certificate(make.completion(learner), "C" * 28, save=False)
    data = certificate_pdf(certificate, "http://localhost/v")
    pdf = pikepdf.open(io.BytesIO(data))
    assert str(pdf.Root.Lang) == "en-GB"
    assert [h.title for h in structure(pdf).all("/H1")] == ["Certificate of completion"]
    with pdf.open_metadata() as xmp:
        assert "pdfuaid:part" not in xmp
    assert "typeset without PDF/UA-1" in typesetting_log.text
    assert any(0 in ids for ids in glyphs_drawn(data).values()), "the empty box is glyph 0"


def test_every_font_in_the_folder_is_in_the_list_with_its_bold(app):
    """A font file nobody listed would still be picked up by Typst's own fallback, in an
    order nobody chose; a family without its bold would set a name lighter than others."""
    import typst

    from elearn.documents.typesetting import FONT_DIR, FONTS

    faces = typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(FONT_DIR)]
    ).fonts()
    assert sorted({face.family for face in faces}) == sorted(FONTS)
    assert len(set(FONTS)) == len(FONTS)
    for family in set(FONTS) - {"Droid Sans Fallback", "Noto Emoji"}:
        assert sorted(face.weight for face in faces if face.family == family) == [400, 700]


def test_organisation_names_in_each_of_london_s_scripts_print_in_the_paper(
    app,
    typesetting_log,  # noqa: F811
):
    """The committee paper is set in the same fonts: an organisation's name in any of the
    scripts the certificates draw reads back, each in its script's regular face."""
    names = {name: font for name, font in LONDON_NAMES.values()}
    overdue = [{"name": name, "overdue": index + 1} for index, name in enumerate(names)]
    figures = replace(made_up_figures(), overdue=overdue)
    data = training_update_pdf(figures)
    assert_pdf_ua_with_real_glyphs(data, typesetting_log)
    for name, bold in names.items():
        regular = "DejaVuSans" if bold == "DejaVuSans-Bold" else bold.replace("-Bold", "-Regular")
        assert fonts_drawing(data, name) == {regular}, name


# --- the names of the files in a certificate zip ------------------------------------------


def test_zip_entries_are_named_by_person_and_course(app, browser, make, session):
    from elearn.certificates.archives import PART_BYTES

    org = make.organisation()
    names = {
        "Lea Learner": "Lea Learner",
        "../../etc/passwd": "etc passwd",
        'Tom\x07 "T" <O\'Neil>: a/b\\c|d?*': "Tom T O'Neil a b c d",
        "Ali \u202egpj.exe": "Ali gpj.exe",
        " .Zoë Łukasz. ": "Zoë Łukasz",
        "محمد عبد الله": "محمد عبد الله",
        "陈" * 100: "陈" * (PART_BYTES // 3),
    }
    codes = {}
    for number, name in enumerate(names):
        member = make.user(org=org, full_name=f"Member {number}")
        code = f"{'ABCDEFGHJKMNPQRSTUVWXYZ'[number]}" * 28
        codes[name] = code
        make.certificate(make.completion(member), code, name_printed=name)
    # Two certificates whose names, course and code's first eight symbols are the same.
    twin = make.user(org=org)
    make.certificate(make.completion(twin), "A" * 8 + "B" * 20, name_printed="Lea Learner")
    browser.sign_in(make.user(org=org, role="manager"))
    response = browser.client.get(f"/organisations/{org.id}/certificates.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    entries = archive.namelist()
    expected = {
        f"{safe} - Basics - {display_code(codes[name])[:9]}.pdf" for name, safe in names.items()
    } | {"Lea Learner - Basics - AAAA-AAAA (2).pdf"}
    assert set(entries) == expected
    assert len(entries) == len(set(entries)) == 8
    for entry in entries:
        assert len(entry.encode()) < 200
        assert not re.search(r'[\x00-\x1f\x7f/\\:*?"<>|\u202a-\u202e]', entry)
        assert archive.read(entry).startswith(b"%PDF")


def test_zip_entries_stay_unique_across_batches(app, make, session):
    from elearn.certificates.archives import write_zip

    certificate = make.certificate(make.completion(make.user(full_name="Lea Learner")), "Z" * 28)
    buffer = io.BytesIO()
    with app.app_context(), zipfile.ZipFile(buffer, "w") as archive:
        write_zip(archive, [certificate])
        write_zip(archive, [certificate])  # the next batch of a prepared zip
    assert zipfile.ZipFile(buffer).namelist() == [
        "Lea Learner - Basics - ZZZZ-ZZZZ.pdf",
        "Lea Learner - Basics - ZZZZ-ZZZZ (2).pdf",
    ]
