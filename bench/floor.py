"""elearn as served (app.py), plus two pages that do nothing, for the benchmark alone.

They measure what any request to elearn costs before a page does anything: a visitor's
(request id, session, CSRF, security headers) and a signed-in learner's (the same, plus
opening the signed session cookie, Flask-Login's checks and loading the person from the
database, as every signed-in request does). The module page is served by this same
app, so the benchmark can say how much of its time is the page and how much the floor
under every page.
"""

from flask import Blueprint
from flask_login import login_required

from app import app

floor = Blueprint("bench_floor", __name__)


@floor.get("/_bench/visitor")
def visitor():
    return "ok"


@floor.get("/_bench/signed-in")
@login_required
def signed_in():
    return "ok"


app.register_blueprint(floor)
