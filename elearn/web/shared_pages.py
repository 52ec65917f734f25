"""Pages that are the same for everyone who sees them with the same menu, rendered once.

A module page is the module's text inside the site's layout. Its HTML differs between
learners only in the header (signed in or not, a CST admin's menu, a manager's link) and
in two per-request secrets: the CSP nonce and the CSRF token of the sign-out button. So
it is rendered once for each module and menu with placeholders for the secrets, and each
response fills in its own. Nothing a learner has done appears on these pages; a page
with a message to show (a flash) is rendered afresh, since the message is this
request's.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

from flask import current_app, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from elearn.permissions import manages_any_organisation
from elearn.web.security import csp_nonce

MAX_PAGES = 512  # pages x menus; the oldest rendered goes first
_lock = threading.Lock()
# Random for each process, so no course text can contain them.
NONCE = f"nonce-{secrets.token_hex(16)}"
CSRF = f"csrf-{secrets.token_hex(16)}"
SLOT = f"slot-{secrets.token_hex(16)}"


def _pages() -> OrderedDict[tuple, str]:
    """This application's pages (each app has its catalogue and configuration)."""
    return current_app.extensions.setdefault("elearn.shared_pages", OrderedDict())


def menu() -> tuple:
    """Everything the layout's header shows differently from one person to another."""
    if not current_user.is_authenticated:
        return ("visitor", request.endpoint)
    if current_user.is_cst_admin:
        return ("admin", request.endpoint)
    return ("manager" if manages_any_organisation(current_user) else "learner", request.endpoint)


def render_shared(key: tuple, template: str, slots: dict[str, str] | None = None, **context):
    """render_template, from the copy rendered for this key and menu when there is one.

    `slots` are the parts of the page that are this request's (an attempt's questions, a
    link with its id), each ready to go into the HTML as it is (escaped where need be):
    the copy is rendered with a marker in each, and each response fills in its own."""
    slots = slots or {}
    if session.get("_flashes"):
        return render_template(template, **context, **{n: Markup(v) for n, v in slots.items()})  # noqa: S704  # nosec B704 - slots are HTML
    pages, full_key = _pages(), (key, menu())
    page = pages.get(full_key)
    if page is None:
        markers = {name: Markup(_marker(name)) for name in slots}  # noqa: S704  # nosec B704
        page = _render_with_placeholders(template, {**context, **markers})
        with _lock:  # a threaded server's requests share the pages
            pages[full_key] = page
            while len(pages) > MAX_PAGES:
                pages.popitem(last=False)
    if CSRF in page:
        page = page.replace(CSRF, generate_csrf())
    for name, value in slots.items():
        page = page.replace(_marker(name), value)
    return page.replace(NONCE, csp_nonce())


def layout_part(template: str) -> Markup:
    """The header or footer (templates/layout/) for this menu, rendered once for each: the
    layout's macros cost more than most pages' own content."""
    parts, key = _pages(), (("layout", template), menu())
    part = parts.get(key)
    if part is None:
        part = _render_with_placeholders(template, {})
        with _lock:
            parts[key] = part
    if CSRF in part:
        part = part.replace(CSRF, generate_csrf())
    return Markup(part.replace(NONCE, csp_nonce()))  # noqa: S704  # nosec B704 - rendered by Jinja


def _marker(name: str) -> str:
    return f"{SLOT}-{name}"


def _render_with_placeholders(template: str, context: dict) -> str:
    """The template rendered with placeholders for this request's secrets; the header
    rendered inside a shared page's rendering leaves the page's placeholders as they were."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    saved_nonce, saved_token = g.pop("csp_nonce", None), g.pop(field, None)
    g.csp_nonce = NONCE
    setattr(g, field, CSRF)
    try:
        return render_template(template, **context)
    finally:
        g.pop("csp_nonce")
        g.pop(field)
        if saved_nonce is not None:
            g.csp_nonce = saved_nonce
        if saved_token is not None:
            setattr(g, field, saved_token)
