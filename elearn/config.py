"""Settings from environment variables, with safe defaults for the embedded set-up.

This is the only module that reads the environment. `create_app()` picks a class
and copies its attributes into `app.config`.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import click

PROJECT_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("ELEARN_INSTANCE_DIR", PROJECT_DIR / "instance"))


def database_url(url: str | None, instance_dir: Path) -> str:
    """The SQLAlchemy URL for DATABASE_URL, using psycopg 3 for PostgreSQL."""
    if not url:
        return f"sqlite:///{instance_dir / 'elearn.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(url: str) -> dict:
    # A database error's message leaves out the values sent with the statement: they are
    # names and addresses, and the message goes into the log.
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}, "hide_parameters": True}
    # PostgreSQL's JIT compiler is for long analytical queries: on the members' progress
    # page its compiling took 1.4 s of a 1.5 s query (the same query runs in 60 ms
    # without it), so elearn's connections turn it off.
    return {
        "pool_pre_ping": True,
        "connect_args": {"options": "-c jit=off"},
        "hide_parameters": True,
    }


def _secret_key(instance_dir: Path) -> str:
    """SECRET_KEY from the environment, else one kept in instance/ (embedded set-up)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance_dir / "secret_key"
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def served_base_url() -> str:
    """Where the development server serves: `flask run`'s --host and --port (which Flask
    also reads from FLASK_RUN_HOST and FLASK_RUN_PORT, as `make run` sets them for every
    command, the demo's included), else 127.0.0.1:5000, Flask's own default.

    Read from the command line, never from a request's Host header, which a client
    chooses (see elearn/web/links.py)."""
    host = os.environ.get("FLASK_RUN_HOST") or "127.0.0.1"
    port = os.environ.get("FLASK_RUN_PORT") or "5000"
    scheme = "http"
    command = click.get_current_context(silent=True)
    if command is not None and command.info_name == "run":
        host = command.params.get("host") or host
        port = command.params.get("port") or port
        scheme = "https" if command.params.get("cert") else "http"
    if host in ("0.0.0.0", "::", ""):  # noqa: S104  # nosec B104: served on all, link to this
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


# A map's tile server (ELEARN_MAP_TILES): a host name, with Leaflet's `{s}` (a subdomain
# it chooses) as its first label at most, then the tile's place in the rest of the address.
_LABEL = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"
_TILE_HOST = re.compile(rf"^(\{{s\}}\.)?{_LABEL}(\.{_LABEL})*$")
_TILE_PLACEHOLDERS = ("{z}", "{x}", "{y}", "{s}", "{r}")
_LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def map_tile_source(template: str) -> str:
    """The Content-Security-Policy source the map's tiles come from (`https://host[:port]`,
    or `https://*.host` for a `{s}` subdomain), for a tile address such as
    `https://tile.openstreetmap.org/{z}/{x}/{y}.png`. ValueError says what is wrong."""
    if re.search(r"[\s\"'<>\\]", template):
        raise ValueError("it may not hold spaces, quotes, < > or \\")
    missing = [name for name in _TILE_PLACEHOLDERS[:3] if name not in template]
    if missing:
        raise ValueError(f"it must hold {{z}}, {{x}} and {{y}} ({' '.join(missing)} missing)")
    unknown = set(re.findall(r"\{[^}]*\}?", template)) - set(_TILE_PLACEHOLDERS)
    if unknown or template.count("{") != template.count("}"):
        raise ValueError(f"it may hold only {' '.join(_TILE_PLACEHOLDERS)} in braces")
    scheme, _, rest = template.partition("://")
    netloc = re.split(r"[/?]", rest, maxsplit=1)[0].lower()
    host, _, port = netloc.partition(":")
    if not _TILE_HOST.match(host) or (port and not port.isdigit()):
        raise ValueError("it must start with the server's address, such as https://tile.example/")
    if scheme != "https" and not (scheme == "http" and host in _LOCAL_HOSTS):
        raise ValueError("it must be an https:// address (http:// only on 127.0.0.1 or localhost)")
    return f"{scheme}://{host.replace('{s}', '*')}{':' + port if port else ''}"


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _months(name: str, default: int) -> int:
    """A number of months to keep something: a whole number, 1 or more."""
    value = int(os.environ.get(name, str(default)))
    if value < 1:
        raise ValueError(f"{name} must be a number of months, 1 or more")
    return value


class Config:
    """Settings for running elearn; every value can come from the environment."""

    def __init__(self) -> None:
        env = os.environ
        self.ELEARN_ENV = env.get("ELEARN_ENV", "development")
        self.INSTANCE_DIR = INSTANCE_DIR
        self.SECRET_KEY = _secret_key(INSTANCE_DIR)
        self.SQLALCHEMY_DATABASE_URI = database_url(env.get("DATABASE_URL"), INSTANCE_DIR)
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.ELEARN_CONTENT_DIR = Path(env.get("ELEARN_CONTENT_DIR", PROJECT_DIR / "content"))
        # In development, links follow the port actually served unless one is set.
        default_base = (
            served_base_url() if self.ELEARN_ENV == "development" else "http://127.0.0.1:5000"
        )
        self.ELEARN_BASE_URL = (env.get("ELEARN_BASE_URL") or default_base).rstrip("/")
        self.ELEARN_ISSUER = env.get(
            "ELEARN_ISSUER", "Community Safety Team, City of London Corporation"
        )
        self.MAIL_SERVER = env.get("MAIL_SERVER", "")
        self.MAIL_PORT = int(env.get("MAIL_PORT", "587"))
        self.MAIL_USERNAME = env.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD", "")
        self.MAIL_USE_TLS = _flag("MAIL_USE_TLS", True)  # STARTTLS, on 587
        # TLS from the first byte, as on port 465 ("SMTPS")
        self.MAIL_USE_SSL = _flag("MAIL_USE_SSL", self.MAIL_PORT == 465)
        self.MAIL_FROM = env.get("MAIL_FROM", "Community Safety e-learning <no-reply@localhost>")
        self.MAIL_DIR = INSTANCE_DIR / "mail"
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "memory://")
        # Where two deployments share one Redis, each names its own counters.
        self.RATELIMIT_KEY_PREFIX = env.get("RATELIMIT_KEY_PREFIX", "elearn")
        self.RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", True)
        self.RATELIMIT_HEADERS_ENABLED = True
        # If Redis is down, every limit goes on counting in each worker's memory (so with
        # N workers it is up to N times looser) until Redis answers again, and the log
        # says so once (elearn/extensions.py). The account slow-downs for wrong passwords
        # and two-step codes are kept in the database and hold whatever Redis does.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True
        if self.RATELIMIT_STORAGE_URI.startswith(("redis://", "rediss://")):
            # An unreachable Redis costs each request half a second at most, not a hang.
            self.RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
        self.SESSION_COOKIE_SECURE = self.ELEARN_BASE_URL.startswith("https://")
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_NAME = "elearn_session"
        self.PERMANENT_SESSION_LIFETIME = 60 * 60 * 8
        self.WTF_CSRF_TIME_LIMIT = None
        self.MAX_CONTENT_LENGTH = 6 * 1024 * 1024  # a 2 MB CSV or a 5 MB certificate, with room
        self.MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024
        self.PASSWORD_RESET_MAX_AGE = 60 * 60
        self.PROXY_HOPS = int(env.get("ELEARN_PROXY_HOPS", "0"))
        # Dashboard figures: current for this long while nothing changes; shown up to
        # REPORT_STALE_SECONDS old while newer ones are worked out (elearn/reports/cache.py).
        self.REPORT_CACHE_SECONDS = int(env.get("ELEARN_REPORT_CACHE_SECONDS", "300"))
        self.REPORT_STALE_SECONDS = int(env.get("ELEARN_REPORT_STALE_SECONDS", "900"))
        # The task queue (elearn/tasks.py): a SQLite file in instance/ unless set; Redis in
        # production, where every instance and the consumer share it.
        self.TASKS_URL = env.get("ELEARN_TASKS_URL") or f"sqlite:///{INSTANCE_DIR / 'tasks.db'}"
        self.TASKS_NAME = env.get("ELEARN_TASKS_NAME", "elearn")
        self.TASKS_IMMEDIATE = False
        self.REQUIRE_2FA_FOR_ADMINS = _flag("ELEARN_REQUIRE_2FA_FOR_ADMINS", False)
        self.RETENTION_MONTHS = int(env.get("ELEARN_RETENTION_MONTHS", "24"))
        # A hub finding removed or closed keeps its photos this long, and what its reporter
        # wrote, their position and who they are this long (elearn/hub/retention.py).
        self.HUB_PHOTO_MONTHS = _months("ELEARN_HUB_PHOTO_MONTHS", 3)
        self.HUB_DETAIL_MONTHS = _months("ELEARN_HUB_DETAIL_MONTHS", 24)
        # Audit events keep the IP address they came from this long (`retention apply`).
        self.AUDIT_IP_DAYS = int(env.get("ELEARN_AUDIT_IP_DAYS", "90"))
        # A failed quiz shows which answers were wrong, not the right ones, until the learner
        # passes or has failed this many times (0: only once passed).
        self.QUIZ_ANSWERS_AFTER = int(env.get("ELEARN_QUIZ_ANSWERS_AFTER", "3"))
        # A map of where things were seen (docs/hub.md, "Map"): the tile server's address
        # with {z}/{x}/{y}, and whose map it is, shown on it. Empty: no map anywhere.
        self.ELEARN_MAP_TILES = env.get("ELEARN_MAP_TILES", "").strip()
        self.ELEARN_MAP_ATTRIBUTION = env.get("ELEARN_MAP_ATTRIBUTION", "").strip()

    def check(self) -> None:
        """Refuse settings that cannot work, and those unsafe in production."""
        self._check_map()
        if self.ELEARN_ENV != "production":
            return
        problems = []
        if not os.environ.get("SECRET_KEY"):
            problems.append("SECRET_KEY must be set in production")
        if self.RATELIMIT_STORAGE_URI.startswith("memory://"):
            problems.append("RATELIMIT_STORAGE_URI must name shared storage (Redis) in production")
        if not self.TASKS_URL.startswith(("redis://", "rediss://", "unix://")):
            problems.append(
                "ELEARN_TASKS_URL must name Redis in production: every instance queues work "
                "there for the consumer"
            )
        if not self.MAIL_SERVER:
            problems.append(
                "MAIL_SERVER must be set in production: without it emails are written to files "
                "and reach no one"
            )
        if not self.ELEARN_BASE_URL.startswith("https://"):
            problems.append(
                "ELEARN_BASE_URL must be the site's https:// address in production: emails and "
                "certificates link to it, and cookies are Secure only with it"
            )
        if problems:
            raise RuntimeError("; ".join(problems))

    def _check_map(self) -> None:
        if not self.ELEARN_MAP_TILES:
            return
        try:
            map_tile_source(self.ELEARN_MAP_TILES)
        except ValueError as wrong:
            raise RuntimeError(
                f"ELEARN_MAP_TILES is not a tile address ({wrong}): for example "
                "https://tile.openstreetmap.org/{z}/{x}/{y}.png, or empty for no map"
            ) from None
        if not self.ELEARN_MAP_ATTRIBUTION:
            raise RuntimeError(
                "ELEARN_MAP_ATTRIBUTION must say whose map it is when ELEARN_MAP_TILES is set "
                "(tile servers' terms ask for it): for example © OpenStreetMap contributors"
            )


class TestConfig(Config):
    """Settings for the test suite: a database and instance folder of its own."""

    TESTING = True
    __test__ = False  # not a pytest test class

    def __init__(self, instance_dir: Path, database_url_override: str | None = None) -> None:
        super().__init__()
        self.TESTING = True
        self.INSTANCE_DIR = instance_dir
        self.MAIL_DIR = instance_dir / "mail"
        self.MAIL_SERVER = ""
        url = database_url_override or f"sqlite:///{instance_dir / 'test.db'}"
        self.SQLALCHEMY_DATABASE_URI = database_url(url, instance_dir)
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.RATELIMIT_ENABLED = True
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.ELEARN_BASE_URL = "http://localhost"
        self.SERVER_NAME = "localhost"
        self.REPORT_CACHE_SECONDS = 0  # tests change data without audit events
        self.TASKS_URL = f"sqlite:///{instance_dir / 'tasks.db'}"
        self.TASKS_IMMEDIATE = True  # a task runs where it is queued (`task_queue` holds them)
