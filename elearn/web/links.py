"""Absolute links to the site, for emails, certificates and what is shown to be shared."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def site_url(endpoint: str, **values) -> str:
    """An absolute address on ELEARN_BASE_URL, in a request, a command or a thread.

    Never built from the request's Host or X-Forwarded-Host: a client chooses those, and
    a password reset link built on a host of theirs would hand them the token.
    """
    base = urlsplit(current_app.config["ELEARN_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)
