"""The WSGI entry point for `flask run` and gunicorn (`gunicorn app:app`)."""

import sys

from elearn import create_app
from elearn.courses.loader import ContentInvalid

try:
    app = create_app()
except ContentInvalid as error:
    sys.exit(f"elearn will not start: the course content has problems.\n{error}")
