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
data can break: every character needs a glyph. The fonts cover the scripts London's names
are written in (FONTS); a name with a character none of them has (Adlam, say) is still
typeset, tagged just the same, without the PDF/UA-1 claim, the character printed as an
empty box, and a warning logged.

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
# Each character is taken from the first family here that has it, so a script's own font
# must not be shadowed by one before it: DejaVu Sans (Latin, Greek, Cyrillic, Armenian,
# Georgian, Hebrew) has had its Arabic taken out, or an Urdu name would be set partly in it
# and partly in Noto Sans Arabic, its letters unjoined (fonts/README.md says how each file
# was made). Each family has a regular and a bold face but Droid Sans Fallback and Noto
# Emoji, whose one face serves for both.
FONTS = (
    "DejaVu Sans",
    "Noto Sans Arabic",  # Arabic, Urdu, Persian, Pashto, Kurdish
    "Noto Sans Bengali",
    "Noto Sans Devanagari",  # Hindi, Marathi, Nepali
    "Noto Sans Gujarati",
    "Noto Sans Gurmukhi",  # Punjabi
    "Noto Sans Tamil",
    "Noto Sans Malayalam",
    "Noto Sans Telugu",
    "Noto Sans Sinhala",
    "Noto Sans Thai",
    "Noto Sans Ethiopic",  # Amharic, Tigrinya
    "Noto Sans CJK KR",  # Hangul only; before Droid Sans Fallback, which has 3 syllables
    "Droid Sans Fallback",  # Chinese, Japanese
    "Noto Emoji",  # last: a symbol a text font has is drawn as text
)

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
