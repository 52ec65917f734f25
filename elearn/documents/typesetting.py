"""Typst typesets elearn's documents as tagged PDF (PDF/UA-1), from a template in this folder
and its data.

Typst (the `typst` package bundles its compiler: no system library) shapes text with
rustybuzz, HarfBuzz's shaping in Rust, orders right-to-left text by the Unicode
bidirectional algorithm, takes each character from the first font in the list that has
it, and writes the structure tree: the document's language and title, headings, tables
whose header cells are TH, images with their alternative text, and page furniture
(backgrounds, running headers and footers, repeated table headers) marked as artifacts.
PDF/UA-1 is checked as the document is written: a figure without alternative text, or a
heading Typst cannot read, fails to compile rather than print. One rule of PDF/UA-1 the
data can break: every character needs a glyph. A name with a character none of the fonts
has (an emoji, for now) is still typeset, tagged just the same, without the PDF/UA-1
claim, the character printed as an empty box, and a warning logged.

Data reaches a template only as `sys.inputs` strings (JSON where it has a shape), never
as Typst markup, so a name such as `<b>"&amp;" O'Neil` or `#emph[x]` prints as written.

Only the fonts in fonts/ are used (embedded, subset), never the machine's: a document looks
the same on every machine. One compiler per process keeps the fonts it has read; it cannot
compile two documents at once, so a lock takes turns (a certificate takes about 5 ms).
"""

from __future__ import annotations

import functools
import logging
import threading
from datetime import datetime
from pathlib import Path

import typst

log = logging.getLogger(__name__)

FOLDER = Path(__file__).parent
FONT_DIR = FOLDER / "fonts"
# Latin, Greek and Cyrillic first; the others for what DejaVu Sans lacks.
FONTS = ("DejaVu Sans", "Noto Sans Arabic", "Noto Sans Bengali", "Droid Sans Fallback")

_lock = threading.Lock()


@functools.cache
def _compiler() -> typst.Compiler:
    fonts = typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(FONT_DIR)]
    )
    return typst.Compiler(font_paths=fonts, ignore_system_fonts=True)


@functools.cache
def _template(name: str) -> bytes:
    return (FOLDER / name).read_bytes()


def tagged_pdf(template: str, inputs: dict[str, str], dated: datetime) -> bytes:
    """The template typeset with its inputs as PDF/UA-1, dated `dated` in its metadata.
    The same template, inputs and date always give the same bytes."""
    try:
        return _pdf(template, inputs, dated, ["ua-1"])
    except typst.TypstError as error:
        if "could not be displayed with font" not in error.message:
            raise
        log.warning("%s typeset without PDF/UA-1: %s", template, error.message)
        return _pdf(template, inputs, dated, [])


def _pdf(template: str, inputs: dict[str, str], dated: datetime, standards: list) -> bytes:
    with _lock:
        return _compiler().compile(
            _template(template),
            format="pdf",
            sys_inputs={"fonts": ",".join(FONTS), **inputs},
            pdf_standards=standards,
            timestamp=dated.replace(microsecond=0),
        )


def png(template: str, inputs: dict[str, str], pixels_per_inch: float = 192) -> bytes:
    """The template's single page as a PNG image (a chart for a Word document)."""
    with _lock:
        return _compiler().compile(
            _template(template),
            format="png",
            ppi=pixels_per_inch,
            sys_inputs={"fonts": ",".join(FONTS), **inputs},
        )
