"""Signed-cookie sessions whose lifetime slides forward at most once a minute.

Flask re-signs a permanent session's cookie on every response, so that its lifetime
(eight hours) runs from the last request. Re-signing (JSON, zlib and an HMAC) on every
page is work for nothing when the cookie was issued seconds ago: this interface sends a
new cookie when the session has changed or when its cookie is more than a minute old,
so a session still ends eight hours after the last minute with any activity.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

REFRESH_AFTER_SECONDS = 60


class SlidingSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, issued = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.issued_at = issued
        return session

    def should_set_cookie(self, app: Flask, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        issued = getattr(session, "issued_at", None)
        age = (datetime.now(UTC) - issued).total_seconds() if issued else None
        return age is None or age >= REFRESH_AFTER_SECONDS
