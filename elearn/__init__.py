"""elearn: the Community Safety Team's e-learning platform. `create_app()` builds it."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from elearn.config import PROJECT_DIR, Config
from elearn.extensions import csrf, db, limiter, login_manager, migrate
from elearn.web.sessions import SlidingSessionInterface


def create_app(config: Config | None = None) -> Flask:
    config = config or Config()
    config.check()
    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PROJECT_DIR / "static"),
        instance_path=str(config.INSTANCE_DIR),
    )
    app.config.from_object(config)
    app.session_interface = SlidingSessionInterface()
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    _configure_templates(app)
    _init_extensions(app)
    _load_content(app)
    _register_blueprints(app)
    _add_to_the_committee_paper()

    from elearn import cli, schedule, tasks  # noqa: F401  # schedule: its periodic tasks
    from elearn.web import request_log, security

    tasks.init_app(app)
    request_log.init_app(app)
    security.init_app(app)
    cli.init_app(app)
    return app


def _configure_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_DIR / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    from govuk_frontend_wtf.main import WTFormsHelpers

    from elearn.web import filters

    if app.testing:
        app.jinja_env.undefined = filters.StrictNameUndefined
    WTFormsHelpers(app)
    filters.init_app(app)
    from elearn.web.links import site_url
    from elearn.web.shared_pages import layout_part

    app.jinja_env.globals["site_url"] = site_url
    app.jinja_env.globals["layout_part"] = layout_part


def _init_extensions(app: Flask) -> None:
    from elearn.database import init_database

    db.init_app(app)
    init_database(app)
    migrate.init_app(app, db, directory=str(PROJECT_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"


def _load_content(app: Flask) -> None:
    """Read, validate and render the courses once; refuse to start on invalid content."""
    from elearn.courses.catalogue import CATALOGUE_KEY
    from elearn.courses.loader import load_catalogue

    app.extensions[CATALOGUE_KEY] = load_catalogue(
        app.config["ELEARN_CONTENT_DIR"], lambda slug: f"/courses/{slug}/images"
    )


def _add_to_the_committee_paper() -> None:
    from elearn.hub.figures import paper_sections
    from elearn.reports import paper

    paper.add_sections(paper_sections)


def _register_blueprints(app: Flask) -> None:
    from elearn.admin.views import bp as admin_bp
    from elearn.auth.views import bp as auth_bp
    from elearn.certificates.views import bp as certificates_bp
    from elearn.courses.views import bp as courses_bp
    from elearn.face_to_face.views import bp as face_to_face_bp
    from elearn.hub import link_views, sharing_views  # noqa: F401 - routes on hub
    from elearn.hub.views import bp as hub_bp
    from elearn.organisations import invitation_views  # noqa: F401 - routes on organisations
    from elearn.organisations.joining_views import bp as joining_bp
    from elearn.organisations.views import bp as organisations_bp
    from elearn.pages.views import bp as pages_bp
    from elearn.reports.views import bp as reports_bp

    blueprints = (
        pages_bp,
        auth_bp,
        courses_bp,
        joining_bp,
        organisations_bp,
        admin_bp,
        certificates_bp,
        face_to_face_bp,
        hub_bp,
        reports_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)

    from elearn.dev_mail import views as dev_mail

    dev_mail.init_app(app)  # development only: the emails written to files

    from flask_login import current_user

    from elearn.permissions import manages_any_organisation

    @app.context_processor
    def navigation():
        def manages_organisations() -> bool:
            return bool(current_user.is_authenticated and manages_any_organisation(current_user))

        return {"manages_organisations": manages_organisations}
