"""Security headers with a per-request CSP nonce, and friendly error pages."""

from __future__ import annotations

import secrets

from flask import Flask, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

KEEPS_INPUT = "_elearn_keeps_input_on_csrf_failure"


def keeps_input_on_csrf_failure(view):
    """Mark a view whose form re-shows what was typed when its CSRF token has expired.

    The view must validate a FlaskForm (which checks the token again and reports it as a
    form error); the view is re-run instead of showing a bare error page.
    """
    setattr(view, KEEPS_INPUT, True)
    return view


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
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
    headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if current_user and current_user.is_authenticated:
        headers.setdefault("Cache-Control", "no-store")
    return response


def handle_csrf_error(error: CSRFError):
    if not current_user.is_authenticated and request.endpoint not in {"auth.sign_in"}:
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


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, remember_view)
    app.after_request(set_security_headers)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.jinja_env.globals["csp_nonce"] = csp_nonce

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
        return render_template(f"errors/{template}.html"), status

    return handler
