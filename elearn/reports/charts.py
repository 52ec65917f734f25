"""The trend chart as server-drawn SVG: grouped bars that read without colour.

Each course has its own fill pattern as well as its own colour, each bar carries its
value, and the legend repeats the patterns; the same figures are also given as a table.
No script, no style attributes (the CSP forbids inline styles): presentation attributes.
"""

from __future__ import annotations

from datetime import date
from html import escape

from markupsafe import Markup

COLOURS = ("#1d4f91", "#a6192e", "#0f7a52", "#505a5f")
PATTERNS = ("solid", "diagonal", "dots", "cross")
WIDTH, HEIGHT = 760, 320
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 24, 64


def month_label(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{date(year, number, 1):%b %y}"


def _pattern(index: int) -> str:
    colour = COLOURS[index % len(COLOURS)]
    kind = PATTERNS[index % len(PATTERNS)]
    marks = {
        "solid": "",
        "diagonal": (
            '<path d="M0,6 l6,-6 M-1,1 l2,-2 M5,7 l2,-2" stroke="#fff" stroke-width="1.5"/>'
        ),
        "dots": '<circle cx="3" cy="3" r="1.3" fill="#fff"/>',
        "cross": '<path d="M0,3 h6 M3,0 v6" stroke="#fff" stroke-width="1.2"/>',
    }[kind]
    return (
        f'<pattern id="series-{index}" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{colour}"/>{marks}</pattern>'
    )


def trend_svg(
    series: dict[str, dict[str, int]],
    titles: dict[str, str],
    chart_id: str,
    title: str = "Completions per month",
    of_what: str = "completions per month for each course",
) -> Markup:
    """Counts per month (completions by default), one bar per series in each month."""
    if not series:
        return Markup("")
    months = list(next(iter(series.values())))
    peak = max(max(values.values()) for values in series.values()) or 1
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group = plot_width / len(months)
    bar = min(28.0, (group - 6) / len(series))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 24 * len(series)}"'
        f' class="app-chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"'
        ' focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">Bar chart of {escape(of_what)}. '
        "The same figures are in the table that follows.</desc>",
        "<defs>" + "".join(_pattern(i) for i in range(len(series))) + "</defs>",
        f'<line x1="{LEFT}" y1="{TOP + plot_height}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP + plot_height}" stroke="#0b0c0c"/>',
    ]
    for index, values in enumerate(series.values()):
        for position, month in enumerate(months):
            value = values[month]
            height = plot_height * value / peak
            x = LEFT + position * group + 3 + index * bar
            y = TOP + plot_height - height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar - 1:.1f}" height="{height:.1f}" '
                f'fill="url(#series-{index})" stroke="#0b0c0c" stroke-width="0.5"/>'
            )
            if value:
                parts.append(
                    f'<text x="{x + (bar - 1) / 2:.1f}" y="{y - 3:.1f}" font-size="10" '
                    f'text-anchor="middle" fill="#0b0c0c">{value}</text>'
                )
    for position, month in enumerate(months):
        x = LEFT + position * group + group / 2
        parts.append(
            f'<text x="{x:.1f}" y="{TOP + plot_height + 16}" font-size="11" text-anchor="middle" '
            f'fill="#0b0c0c">{month_label(month)}</text>'
        )
    for index, slug in enumerate(series):
        y = HEIGHT + index * 24 - 12
        parts.append(
            f'<rect x="{LEFT}" y="{y - 12}" width="16" height="16" fill="url(#series-{index})" '
            f'stroke="#0b0c0c" stroke-width="0.5"/>'
            f'<text x="{LEFT + 24}" y="{y + 1}" font-size="13" fill="#0b0c0c">'
            f"{escape(titles.get(slug, slug))}</text>"
        )
    parts.append("</svg>")
    # Every text in the SVG was escaped above.
    return Markup("".join(parts))  # noqa: S704  # nosec B704
