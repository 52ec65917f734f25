"""Logging with a request id on every line, and the id returned to the client; tokens,
email addresses and searches kept out of every log (people are named in it by id).

Links in emails carry their token in the path (/reset-password/<token>,
/invitations/<token>, /create-account/<token>), and so does a partner's reporting link
(/hub/report/<token>, and its receipts /hub/report/<token>/<ref>), so an access log
would keep a working link. Every log elearn writes through replaces the token with
[token]: the development server's log, and gunicorn's access log with
`--logger-class elearn.web.request_log.AccessLog`.
docs/deployment.md gives the nginx log format that does the same.
"""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, g, has_request_context, request
from gunicorn.glogging import Logger as GunicornLogger

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
TOKEN_IN_PATH = re.compile(
    r"(/(?:invitations|reset-password|create-account|hub/report)/)[^/?#\s\"]+"
)
# People are named in logs by id, never by address or name: an email address (as typed,
# or %40-encoded in a query), and what was searched for (?q=, a name or an address).
ADDRESS = re.compile(r"[\w.%+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+")
SEARCH = re.compile(r"([?&]q=)[^&#\s\"]*")


def redact_tokens(text: str) -> str:
    """The text with every token in an emailed link's path replaced by [token], every
    email address by [address] and every search by [search]."""
    text = ADDRESS.sub("[address]", TOKEN_IN_PATH.sub(r"\1[token]", text))
    return SEARCH.sub(r"\1[search]", text)


class RedactAddresses(logging.Filter):
    """For elearn's own log: no email address in a message or a traceback (a mail
    server's refusal names its recipient), and no token (Flask logs an error as
    "Exception on <path>", which may be a link's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact_tokens(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_tokens(record.exc_text)
        return True


class RedactTokens(logging.Filter):
    """For a logger whose messages hold request lines (the development server's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_tokens(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_tokens(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


class AccessLog(GunicornLogger):
    """gunicorn's access log with tokens replaced in the request line, path and Referer."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact_tokens(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def assign_request_id() -> None:
    """A proxy's X-Request-ID when it looks like one, otherwise a new one."""
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex


def return_request_id(response):
    response.headers["X-Request-ID"] = g.get("request_id", "-")
    return response


def init_app(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactAddresses())
    for logger in (app.logger, logging.getLogger("elearn")):
        logger.handlers = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False
    logging.getLogger("werkzeug").addFilter(RedactTokens())
    app.before_request_funcs.setdefault(None, []).insert(0, assign_request_id)
    app.after_request(return_request_id)
