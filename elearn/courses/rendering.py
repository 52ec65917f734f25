"""Markdown to safe HTML: Python-Markdown renders, nh3 keeps only an allow-list."""

from __future__ import annotations

import re

import markdown
import nh3
from markupsafe import Markup

from elearn.courses.contacts import Contact, expand_references

ADMONITION_TYPES = ("note", "tip", "important", "warning", "scenario")

ALLOWED_TAGS = {
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "img",
    "div",
    "span",
    "abbr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "caption",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "th": {"scope", "align"},
    "td": {"align"},
    **{heading: {"id"} for heading in ("h2", "h3", "h4", "h5", "h6")},
}
ALLOWED_CLASSES = {
    "div": {"admonition", "contact", *ADMONITION_TYPES},
    "p": {"admonition-title"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
TABLE_WRAPPER = '<div class="app-table-scroll" role="region" aria-label="Table" tabindex="0">'
# A diagram (an SVG image) keeps a width its words can be read at on a phone, and scrolls
# sideways inside its own region, as a wide table does.
DIAGRAM = re.compile(r'<img [^>]*src="[^"]+\.svg"[^>]*>')
DIAGRAM_WRAPPER = (
    '<span class="app-table-scroll app-diagram-scroll" role="region" aria-label="Diagram" '
    'tabindex="0" data-hint="Scroll sideways to see the whole diagram">{}</span>'
)


class Renderer:
    """Renders the Markdown of one course; relative images point at its images/ route."""

    def __init__(self, image_base_url: str, contacts: dict[str, Contact] | None = None) -> None:
        self.image_base_url = image_base_url.rstrip("/")
        self.contacts = contacts or {}
        self._markdown = markdown.Markdown(
            extensions=["tables", "toc", "admonition", "sane_lists", "smarty"],
            extension_configs={
                "toc": {"permalink": False},
                "smarty": {"smart_quotes": False},
                "tables": {"use_align_attribute": True},
            },
            output_format="html",
        )

    def render(self, text: str) -> Markup:
        self._markdown.reset()
        markdown_text = expand_references(text, self.contacts)
        html = sanitise(self._markdown.convert(markdown_text), self._rewrite_image)
        # The HTML has been through nh3's allow-list, so it may be marked safe.
        return Markup(scrollable_diagrams(scrollable_tables(html)))  # noqa: S704  # nosec B704

    def _rewrite_image(self, tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src" and value.startswith("images/"):
            return f"{self.image_base_url}/{value.removeprefix('images/')}"
        return value


def scrollable_tables(html: str) -> str:
    """Wrap each table in a focusable region that scrolls sideways on a narrow screen."""
    return html.replace("<table>", TABLE_WRAPPER + "<table>").replace("</table>", "</table></div>")


def scrollable_diagrams(html: str) -> str:
    """Wrap each diagram in a focusable region that scrolls sideways on a narrow screen."""
    return DIAGRAM.sub(lambda found: DIAGRAM_WRAPPER.format(found.group(0)), html)


def sanitise(html: str, attribute_filter=None) -> str:
    """Keep only the tags, attributes, classes and URL schemes course content needs."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        attribute_filter=attribute_filter,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
