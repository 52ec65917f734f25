"""CSV downloads that are safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: a leading formula character gets a quote.

    Quoting in CSV does not stop formulas (ASVS 5.0, 1.2.10); the data is kept as
    entered elsewhere and neutralised only here, on the way out.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: list[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[object]]) -> Response:
    """A streamed CSV download (UTF-8 with a BOM, so Excel reads accents right)."""

    def body() -> Iterator[str]:
        yield "\ufeff"
        yield from csv_lines(header, rows)

    return Response(
        body(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
