"""The certificate as a PDF: A4 landscape, embedded fonts, selectable text, a QR code.

The same certificate always gives the same bytes (reportlab's invariant mode fixes the
dates and document id), so a PDF can be cached or compared.
"""

from __future__ import annotations

import io

import segno
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from elearn.certificates.codes import display_code
from elearn.certificates.typesetting import (
    BOLD,
    REGULAR,
    draw_centred,
    fitting_size,
    registered,
)
from elearn.filters import london_date
from elearn.models import Certificate

WIDTH, HEIGHT = landscape(A4)
RED = HexColor("#a6192e")
CHARCOAL = HexColor("#262626")
GREY = HexColor("#505a5f")

METHODS = {
    "e-learning": "by e-learning",
    "face-to-face": "at a face-to-face session",
}


def certificate_pdf(certificate: Certificate, verify_url: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(WIDTH, HEIGHT),
        invariant=True,
        pageCompression=1,
        lang="en-GB",
        initialFontName=registered(REGULAR).fontName,
    )
    title = f"Certificate of completion: {certificate.course_title}"
    canvas.setTitle(f"{title} – {certificate.name_printed}")
    canvas.setAuthor(certificate.issuer)
    canvas.setSubject(
        f"{certificate.name_printed} completed {certificate.course_title} "
        f"(edition {certificate.course_version}). Verify at {verify_url}"
    )
    canvas.setCreator("elearn")
    canvas.setKeywords(["certificate", certificate.course_slug, display_code(certificate.code)])
    _frame(canvas)
    _body(canvas, certificate)
    _verification(canvas, certificate, verify_url)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _frame(canvas: Canvas) -> None:
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(6)
    canvas.rect(24, 24, WIDTH - 48, HEIGHT - 48)
    canvas.setStrokeColor(CHARCOAL)
    canvas.setLineWidth(1)
    canvas.rect(36, 36, WIDTH - 72, HEIGHT - 72)


def _body(canvas: Canvas, certificate: Certificate) -> None:
    centre = WIDTH / 2
    canvas.setFillColor(GREY)
    draw_centred(canvas, centre, HEIGHT - 86, "City of London Corporation", 14, BOLD)
    draw_centred(canvas, centre, HEIGHT - 106, "Community Safety Team", 12)
    canvas.setFillColor(RED)
    draw_centred(canvas, centre, HEIGHT - 160, "Certificate of completion", 32, BOLD)
    canvas.setFillColor(CHARCOAL)
    draw_centred(canvas, centre, HEIGHT - 205, "This is to certify that", 14)
    usable = WIDTH - 160
    name_size = fitting_size(certificate.name_printed, 30, usable, BOLD)
    draw_centred(canvas, centre, HEIGHT - 250, certificate.name_printed, name_size, BOLD)
    draw_centred(canvas, centre, HEIGHT - 290, "has completed", 14)
    title_size = fitting_size(certificate.course_title, 20, usable, BOLD)
    draw_centred(canvas, centre, HEIGHT - 325, certificate.course_title, title_size, BOLD)
    method = METHODS.get(certificate.method, certificate.method)
    draw_centred(
        canvas,
        centre,
        HEIGHT - 352,
        f"Edition {certificate.course_version}, completed {method} "
        f"on {london_date(certificate.completed_at)}",
        12,
    )
    if certificate.expires_at is not None:
        draw_centred(
            canvas, centre, HEIGHT - 372, f"Valid until {london_date(certificate.expires_at)}", 12
        )
    draw_centred(canvas, centre, HEIGHT - 410, f"Issued by {certificate.issuer}", 11)


def dark_runs(row) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in a QR code row."""
    runs, start = [], None
    for index, dark in enumerate([*row, 0]):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            runs.append((start, index - start))
            start = None
    return runs


def _verification(canvas: Canvas, certificate: Certificate, verify_url: str) -> None:
    # A fixed mask: any mask is valid, and scoring all eight costs more than the PDF.
    qr = segno.make(verify_url, error="m", mask=0, micro=False)
    size = 96
    module = size / qr.symbol_size(border=0)[0]
    left, bottom = WIDTH - 60 - size, 56
    canvas.setFillColor(CHARCOAL)
    path = canvas.beginPath()
    for row_index, row in enumerate(qr.matrix):
        y = bottom + size - (row_index + 1) * module
        for start, length in dark_runs(row):
            path.rect(left + start * module, y, length * module, module)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.setFillColor(GREY)
    canvas.setFont(REGULAR.name, 10)
    canvas.drawString(60, 92, "Check this certificate is genuine at")
    canvas.setFillColor(CHARCOAL)
    canvas.drawString(60, 78, verify_url)
    canvas.setFont(BOLD.name, 11)
    canvas.drawString(60, 60, f"Verification code: {display_code(certificate.code)}")
