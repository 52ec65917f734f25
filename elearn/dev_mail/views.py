"""The emails elearn wrote to files, in the browser: for developers, in development only.

The routes exist only while mail goes to files in development (`enabled`): in production,
or with a mail server set, they are not registered, so no one can reach real people's
mail through them. They read nothing but files named as elearn.mail names them, directly
inside MAIL_DIR (files.py).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, render_template

from elearn.dev_mail.files import NEWEST, find, newest, show

bp = Blueprint("dev_mail", __name__, url_prefix="/dev/mail")


def enabled(config) -> bool:
    """Whether the viewer exists: only where mail is written to files in development."""
    return config["ELEARN_ENV"] == "development" and not config["MAIL_SERVER"]


def init_app(app: Flask) -> None:
    if enabled(app.config):
        app.register_blueprint(bp)


def _folder() -> Path:
    if not enabled(current_app.config):  # registered only when enabled: never reached
        abort(404)
    return Path(current_app.config["MAIL_DIR"])


@bp.get("")
def index():
    folder = _folder()
    return render_template(
        "dev_mail/index.html", messages=newest(folder), folder=folder, limit=NEWEST
    )


@bp.get("/<name>")
def message(name: str):
    folder = _folder()
    path = find(folder, name)
    if path is None:
        abort(404)
    return render_template("dev_mail/message.html", shown=show(path), folder=folder)
