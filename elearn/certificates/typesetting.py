"""Names in any script on a certificate: per-character font fallback and shaping.

The built-in PDF fonts cover Western European letters only. DejaVu Sans covers Latin,
Greek and Cyrillic; Noto covers Arabic and Bengali, which also need shaping (HarfBuzz
joins and reorders their letters); Droid Sans Fallback covers Chinese, Japanese and
Korean. Fonts are registered once per process, the large ones only when a name needs
them, and embedded (subset) in every PDF.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, shapeStr

FONT_DIR = Path(__file__).parent / "fonts"


@dataclass(frozen=True)
class Face:
    name: str
    file: str
    shaped: bool = False
    right_to_left: bool = False


REGULAR = Face("ElearnSans", "DejaVuSans.ttf")
BOLD = Face("ElearnSans-Bold", "DejaVuSans-Bold.ttf")
FALLBACKS = (
    Face("ElearnArabic", "NotoSansArabic-Regular.ttf", shaped=True, right_to_left=True),
    Face("ElearnBengali", "NotoSansBengali-Regular.ttf", shaped=True),
    Face("ElearnCJK", "DroidSansFallbackFull.ttf"),
)


@functools.cache
def registered(face: Face) -> TTFont:
    font = TTFont(face.name, str(FONT_DIR / face.file))
    pdfmetrics.registerFont(font)
    return font


def covers(face: Face, char: str) -> bool:
    return ord(char) in registered(face).face.charToGlyph


SHAPED_SCRIPTS = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
    (0x0980, 0x09FF),
)


def needs_shaping(char: str) -> bool:
    """Arabic and Bengali letters change shape with their neighbours: never draw them
    unshaped, even in a font that has their isolated forms (DejaVu has Arabic)."""
    code = ord(char)
    return any(start <= code <= end for start, end in SHAPED_SCRIPTS)


@dataclass(frozen=True)
class Run:
    face: Face
    text: str


def runs(text: str, base: Face) -> list[Run]:
    """Split text into runs, each in the first face that has all its characters."""
    result: list[Run] = []
    for char in text:
        face = base
        if needs_shaping(char):
            face = next((f for f in FALLBACKS if f.shaped and covers(f, char)), base)
        elif not char.isspace() and not covers(base, char):
            face = next((f for f in FALLBACKS if covers(f, char)), base)
        if result and (result[-1].face == face or char.isspace()):
            result[-1] = Run(result[-1].face, result[-1].text + char)
        else:
            result.append(Run(face, char))
    return result


def prepared(run: Run, size: float) -> tuple[str, float]:
    """The run ready to draw (shaped where its script needs it) and its width."""
    registered(run.face)
    if run.face.shaped:
        shaped = shapeStr(run.text, run.face.name, size)
        return shaped, sum(glyph.x_advance for glyph in shaped.__shapeData__) * size / 1000
    return run.text, pdfmetrics.stringWidth(run.text, run.face.name, size)


def draw_centred(canvas, x: float, y: float, text: str, size: float, base: Face = REGULAR) -> None:
    """Draw text centred on x, in as many fonts as its characters need."""
    text_runs = runs(text, base)
    pieces = [(run.face, *prepared(run, size)) for run in text_runs]
    left = x - sum(width for _, _, width in pieces) / 2
    for (face, drawable, width), run in zip(pieces, text_runs, strict=True):
        canvas.setFont(face.name, size)
        # Shaped Bengali glyphs do not map back to letters one by one: ActualText gives text
        # extraction and screen readers the original words. Arabic glyphs do map back (as
        # presentation forms), and readers reorder right-to-left text themselves.
        actual_text = face.shaped and not face.right_to_left
        if actual_text:
            hex_text = run.text.encode("utf-16-be").hex().upper()
            canvas.addLiteral(f"/Span <</ActualText <FEFF{hex_text}>>> BDC")
        canvas.drawString(left, y, drawable)
        if actual_text:
            canvas.addLiteral("EMC")
        left += width


def text_width(text: str, size: float, base: Face = REGULAR) -> float:
    return sum(prepared(run, size)[1] for run in runs(text, base))


def fitting_size(text: str, size: float, max_width: float, base: Face = REGULAR) -> float:
    """The largest size up to `size` at which text fits the width (long names shrink)."""
    width = text_width(text, size, base)
    return size if width <= max_width else max(8.0, size * max_width / width)
