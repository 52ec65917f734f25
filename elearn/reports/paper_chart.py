"""The committee paper's trend chart: completions per month, one bar per course, as SVG.

Drawn for paper (the PDF embeds it as vectors; the Word document gets it as a PNG), with
a value axis of whole-number ticks only (people, not half-people), a pattern as well as a
colour for each course so it reads in black and white, and a sentence saying what it
shows for its alternative text. The same figures follow it as a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from html import escape

from elearn.reports.charts import _pattern, month_label

WIDTH = 680
LEFT, RIGHT, TOP, PLOT_HEIGHT, AXIS = 44, 8, 12, 220, 28
LEGEND_ROW = 20
FONT = 'font-family="DejaVu Sans" fill="#0b0c0c"'


@dataclass(frozen=True)
class Chart:
    svg: str
    alt: str
    caption: str


def axis_ticks(peak: int, most: int = 6) -> list[int]:
    """Whole numbers from 0 to at least `peak`, evenly spaced by 1, 2 or 5 times a power of
    ten, at most `most` of them (0 to 1 when there is nothing to show)."""
    step = 1
    while math.ceil(peak / step) + 1 > most:
        step = _next_step(step)
    top = max(1, math.ceil(peak / step)) * step
    return list(range(0, top + 1, step))


def _next_step(step: int) -> int:
    """1, 2, 5, 10, 20, 50, 100..."""
    power = 10 ** (len(str(step)) - 1)
    return {1: 2, 2: 5, 5: 10}[step // power] * power


def month_name(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{date(year, number, 1):%B %Y}"


def trend_chart(
    trend: dict[str, dict[str, int]], titles: dict[str, str], months: list[str]
) -> Chart:
    """The chart of completions per month for each course in `trend`."""
    names = [titles.get(slug, slug) for slug in trend]
    return Chart(
        svg=_svg(list(trend.values()), names, months),
        alt=alternative_text(trend, names, months),
        caption="Completions per month, by course",
    )


def alternative_text(trend: dict[str, dict[str, int]], names: list[str], months: list[str]) -> str:
    span = f"from {month_name(months[0])} to {month_name(months[-1])}"
    if not any(any(values.values()) for values in trend.values()):
        return f"Bar chart of completions per month {span}: no course was completed."
    parts = []
    for name, values in zip(names, trend.values(), strict=True):
        total = sum(values.values())
        if total:
            busiest = max(values, key=lambda month: values[month])
            parts.append(
                f"{name}, {total:,} in all, most in {month_name(busiest)} ({values[busiest]:,})"
            )
        else:
            parts.append(f"{name}, none")
    return (
        f"Bar chart of completions per month {span}, one bar per course: "
        + "; ".join(parts)
        + ". The same figures are in the table that follows."
    )


def _svg(series: list[dict[str, int]], names: list[str], months: list[str]) -> str:
    peak = max((max(values.values(), default=0) for values in series), default=0)
    ticks = axis_ticks(peak)
    scale = PLOT_HEIGHT / ticks[-1]
    plot_width = WIDTH - LEFT - RIGHT
    group = plot_width / len(months)
    bar = min(24.0, (group - 6) / max(1, len(series)))
    bottom = TOP + PLOT_HEIGHT
    height = bottom + AXIS + LEGEND_ROW * len(series) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}">',
        "<defs>" + "".join(_pattern(i) for i in range(len(series))) + "</defs>",
    ]
    for tick in ticks:
        y = bottom - tick * scale
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{"#0b0c0c" if tick == 0 else "#b1b4b6"}" stroke-width="0.75"/>'
            f'<text x="{LEFT - 6}" y="{y + 3.5:.1f}" font-size="10" text-anchor="end" {FONT}>'
            f"{tick:,}</text>"
        )
    for index, values in enumerate(series):
        for position, month in enumerate(months):
            value = values.get(month, 0)
            x = LEFT + position * group + 3 + index * bar
            parts.append(
                f'<rect x="{x:.1f}" y="{bottom - value * scale:.1f}" width="{bar - 1:.1f}" '
                f'height="{value * scale:.1f}" fill="url(#series-{index})" '
                'stroke="#0b0c0c" stroke-width="0.5"/>'
            )
    for position, month in enumerate(months):
        x = LEFT + position * group + group / 2
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" font-size="10" text-anchor="middle" {FONT}>'
            f"{month_label(month)}</text>"
        )
    for index, name in enumerate(names):
        y = bottom + AXIS + index * LEGEND_ROW
        parts.append(
            f'<rect x="{LEFT}" y="{y}" width="14" height="14" fill="url(#series-{index})" '
            f'stroke="#0b0c0c" stroke-width="0.5"/>'
            f'<text x="{LEFT + 22}" y="{y + 11}" font-size="11" {FONT}>{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
