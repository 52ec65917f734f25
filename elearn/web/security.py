"""Security headers with a per-request CSP nonce, and friendly error pages."""

from __future__ import annotations

import re
import secrets

from flask import Flask, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException

from elearn.config import map_tile_source
from elearn.extensions import limiter

KEEPS_INPUT = "_elearn_keeps_input_on_csrf_failure"
CACHEABLE = {"static", "courses.course_image"}  # the same for everyone, never personal
ASKS_FOR_LOCATION = {"hub.new", "hub.report_by_link"}  # pages whose script may ask where
# Forms for visitors with no account: a CSRF failure re-shows the form (or the page
# says why), rather than sending them to sign in.
FOR_VISITORS = {"auth.sign_in", "hub.report_by_link"}


def keeps_input_on_csrf_failure(view):
    """Mark a view whose form re-shows what was typed when its CSRF token has expired.

    The view must validate a FlaskForm (which checks the token again and reports it as a
    form error); the view is re-run instead of showing a bare error page.
    """
    setattr(view, KEEPS_INPUT, True)
    return view


UPLOAD_LIMIT = "_elearn_upload_limit"


def allows_uploads_of(limit: int):
    """Mark a view whose form may be larger than MAX_CONTENT_LENGTH (photos): its own
    limit, applied before anything reads the form."""

    def mark(view):
        setattr(view, UPLOAD_LIMIT, limit)
        return view

    return mark


def apply_upload_limit() -> None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    limit = getattr(view, UPLOAD_LIMIT, None)
    if limit is not None:
        request.max_content_length = limit


SHOWS_MAP = "_elearn_shows_map"


def shows_map(view):
    """Mark a view whose page shows a map (templates/hub/_map.html, static/js/*-map.js):
    its CSP lets images come from the tile server ELEARN_MAP_TILES names, when one is set.
    Every other page keeps `img-src 'self' data:`."""
    setattr(view, SHOWS_MAP, True)
    return view


def _view_shows_map() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, SHOWS_MAP, False)


def map_tiles() -> str:
    """For templates: the tile address if a map is configured, else "" (no map). A page
    whose view is not marked `shows_map` may not show one: its CSP would block the tiles."""
    tiles = current_app.config.get("ELEARN_MAP_TILES", "")
    if tiles and not _view_shows_map():
        raise RuntimeError(f"{request.endpoint} shows a map: mark its view with @shows_map")
    return tiles


def _map_tile_source() -> str | None:
    tiles = current_app.config.get("ELEARN_MAP_TILES", "")
    return map_tile_source(tiles) if tiles and _view_shows_map() else None


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str, tile_source: str | None = None) -> str:
    """The policy for a page; `tile_source` (a map's tile server) joins img-src."""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            f"img-src 'self' data: {tile_source}" if tile_source else "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def set_security_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(csp_nonce(), _map_tile_source())
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    # The report form offers "Use my location": only that page may ask for it.
    geolocation = "(self)" if request.endpoint in ASKS_FOR_LOCATION else "()"
    headers["Permissions-Policy"] = (
        f"camera=(), microphone=(), geolocation={geolocation}, interest-cohort=()"
    )
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint not in CACHEABLE:
        # Nothing dynamic is kept by a browser or proxy: pages behind a token (a reset, an
        # invitation, creating an account, "check your email") least of all.
        headers.setdefault("Cache-Control", "no-store")
    return response


def handle_csrf_error(error: CSRFError):
    if not current_user.is_authenticated and request.endpoint not in FOR_VISITORS:
        flash("Your session has ended. Sign in again to continue.", "info")
        return redirect(url_for("auth.sign_in", next=request.path))
    view = g.get("_csrf_view")
    if view is not None and getattr(view, KEEPS_INPUT, False):
        g.csrf_failed = True
        try:
            return view(**(request.view_args or {}))
        except HTTPException as refused:  # the view's own 403 or 404, as the page it would be
            return current_app.handle_user_exception(refused)
    return render_template("errors/csrf.html"), 400


def remember_view():
    if request.endpoint:
        g._csrf_view = current_app.view_functions.get(request.endpoint)


# Control characters no one types: NUL (which PostgreSQL refuses in text) and the rest
# of C0 and DEL. A form's text may hold a tab or line breaks; an address never does.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_IN_ADDRESS = re.compile(r"[\x00-\x1f\x7f]")


class ControlCharacters(BadRequest):
    description = (
        "What was sent contains control characters (invisible characters that cannot be "
        "typed), so nothing was saved. Remove them, for example by typing the text again "
        "instead of pasting it, and try again."
    )


# Requests that email an address no one has proved is theirs: a stranger may not make
# elearn write to anyone more than this, however many addresses they send from.
PER_ADDRESS_LIMIT = "3 per hour;10 per day"


def limited_per_address(field: str):
    """Limit, per address typed into `field`, the requests that email it: the limit
    follows the address as well as the client's IP. Only a request that emails counts
    (`elearn.mail.after_response` marks it), so a form sent back with an error does not."""

    def key() -> str:
        typed = (request.form.get(field) or "").strip().lower()
        return f"address:{typed[:320]}"

    return limiter.limit(
        PER_ADDRESS_LIMIT,
        methods=["POST"],
        key_func=key,
        deduct_when=lambda response: bool(g.get("emails_after_response")),
    )


def refuse_control_characters() -> None:
    """Any control character in the address, its query or a form's fields is refused with
    a clear 400 before any view reads it: it never reaches the database or url_for."""
    in_address = [request.path, *(text for pair in request.args.items(multi=True) for text in pair)]
    if any(CONTROL_IN_ADDRESS.search(text) for text in in_address):
        raise ControlCharacters()
    if request.method in ("POST", "PUT", "PATCH") and any(
        CONTROL.search(text) for pair in request.form.items(multi=True) for text in pair
    ):
        raise ControlCharacters()


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, remember_view)
    app.before_request_funcs[None].insert(0, refuse_control_characters)
    app.before_request_funcs[None].insert(0, apply_upload_limit)
    app.after_request(set_security_headers)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.globals["map_tiles"] = map_tiles

    pages = {
        400: "bad_request",
        403: "forbidden",
        404: "not_found",
        405: "not_allowed",
        413: "too_large",
        429: "too_many",
    }
    for status, template in pages.items():
        app.register_error_handler(status, _error_page(status, template))

    @app.errorhandler(500)
    def server_error(error):
        # The traceback goes to the log with the request id; the page shows neither.
        return render_template("errors/server_error.html"), 500


def _error_page(status: int, template: str):
    def handler(error):
        reason = error.description if isinstance(error, ControlCharacters) else None
        return render_template(f"errors/{template}.html", reason=reason), status

    return handler
