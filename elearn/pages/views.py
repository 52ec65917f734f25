"""The routes of the pages that belong to no domain: home, privacy and accessibility."""

from flask import Blueprint, redirect, render_template
from flask_login import current_user

from elearn.auth.landing import landing_url
from elearn.courses.catalogue import current_catalogue as catalogue

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    return render_template("pages/home.html", courses=list(catalogue()))


TEAM_CONTACT = "cst"  # the Community Safety Team's entry in content/contacts.yaml


@bp.get("/privacy")
def privacy():
    from flask import current_app

    return render_template(
        "pages/privacy.html",
        retention=current_app.config["RETENTION_MONTHS"],
        audit_ip_days=current_app.config["AUDIT_IP_DAYS"],
        hub_photo_months=current_app.config["HUB_PHOTO_MONTHS"],
        hub_detail_months=current_app.config["HUB_DETAIL_MONTHS"],
        contact=catalogue().contacts.get(TEAM_CONTACT),
    )


@bp.get("/accessibility")
def accessibility():
    return render_template(
        "pages/accessibility.html", contact=catalogue().contacts.get(TEAM_CONTACT)
    )
