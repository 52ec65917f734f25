"""The certificate as a tagged PDF: A4 landscape, embedded fonts, selectable text, a QR code.

Typeset by Typst from elearn/documents/certificate.typ (see elearn/documents/typesetting.py):
its language, title, headings, and the QR code's alternative text are in the structure
tree, the frame is an artifact. The same certificate always gives the same bytes (the
document is dated when the certificate was issued), so a PDF can be cached or compared.
"""

from __future__ import annotations

import io

import segno

from elearn.certificates.codes import display_code
from elearn.documents.typesetting import tagged_pdf
from elearn.models import Certificate
from elearn.web.filters import london_date

METHODS = {
    "e-learning": "by e-learning",
    "face-to-face": "at a face-to-face session",
}


def certificate_pdf(certificate: Certificate, verify_url: str) -> bytes:
    return tagged_pdf(
        "certificate.typ",
        certificate_inputs(certificate, verify_url),
        certificate.issued_at or certificate.completed_at,
    )


def certificate_inputs(certificate: Certificate, verify_url: str) -> dict[str, str]:
    """What the certificate says, each value a plain string for the template."""
    code = display_code(certificate.code)
    method = METHODS.get(certificate.method, certificate.method)
    expires = certificate.expires_at
    return {
        "title": f"Certificate of completion: {certificate.course_title} – "
        f"{certificate.name_printed}",
        "issuer": certificate.issuer,
        "subject": f"{certificate.name_printed} completed {certificate.course_title} "
        f"(edition {certificate.course_version}). Verify at {verify_url}",
        "keywords": "\n".join(["certificate", certificate.course_slug, code]),
        "name": certificate.name_printed,
        "course": certificate.course_title,
        "edition": f"Edition {certificate.course_version}, completed face-to-face "
        f"{certificate.delivered}"
        if certificate.delivered
        else f"Edition {certificate.course_version}, completed {method} "
        f"on {london_date(certificate.completed_at)}",
        "valid": f"Valid until {london_date(expires)}" if expires is not None else "",
        "url": verify_url,
        "code": code,
        "qr": qr_svg(verify_url),
        "qr_alt": f"QR code to check this certificate is genuine: it opens {verify_url}",
    }


def qr_svg(url: str) -> str:
    """The address as a QR code, one SVG path (drawn as vectors: sharp at any size)."""
    # A fixed mask: any mask is valid, and scoring all eight costs more than the PDF.
    qr = segno.make(url, error="m", mask=0, micro=False)
    svg = io.BytesIO()
    qr.save(svg, kind="svg", border=0, xmldecl=False, dark="#262626")
    return svg.getvalue().decode()
