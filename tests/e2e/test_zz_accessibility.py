"""After the journeys: axe-core found no WCAG 2.0, 2.1 or 2.2 A or AA violation on any
page they visited, at desktop and at phone width (runs last: named to sort last)."""

from __future__ import annotations


def test_no_accessibility_violations_on_any_page_visited(accessibility, figures):
    figures.append(
        f"accessibility: {len(accessibility.checked)} pages checked with axe-core at 1280 and "
        f"320 px, {len(accessibility.violations)} violations"
    )
    assert len(accessibility.checked) >= 10, "the journeys ran and visited their pages"
    assert accessibility.violations == [], "\n".join(accessibility.violations)
