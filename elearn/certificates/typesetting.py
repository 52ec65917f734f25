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


REGULAR = Face("ElearnSans", "DejaVuSans.ttf")
BOLD = Face("ElearnSans-Bold", "DejaVuSans-Bold.ttf")
FALLBACKS = (
    Face("ElearnArabic", "NotoSansArabic-Regular.ttf", shaped=True),
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


@dataclass(frozen=True)
class Run:
    face: Face
    text: str


def runs(text: str, base: Face) -> list[Run]:
    """Split text into runs, each in the first face that has all its characters."""
    result: list[Run] = []
    for char in text:
        face = base
        if not char.isspace() and not covers(base, char):
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
    pieces = [(run.face, *prepared(run, size)) for run in runs(text, base)]
    left = x - sum(width for _, _, width in pieces) / 2
    for face, drawable, width in pieces:
        canvas.setFont(face.name, size)
        canvas.drawString(left, y, drawable)
        left += width


def text_width(text: str, size: float, base: Face = REGULAR) -> float:
    return sum(prepared(run, size)[1] for run in runs(text, base))
