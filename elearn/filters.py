"""Template filters: dates shown in Europe/London."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from jinja2 import Undefined
from jinja2.utils import missing

LONDON = ZoneInfo("Europe/London")


def london_date(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return f"{moment.astimezone(LONDON):%-d %B %Y}"


def london_datetime(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(LONDON)
    return f"{local:%-d %B %Y} at {local:%-I:%M%p}".replace("AM", "am").replace("PM", "pm")


def init_app(app: Flask) -> None:
    app.add_template_filter(london_date, "date")
    app.add_template_filter(london_datetime, "datetime")


class StrictNameUndefined(Undefined):
    """Fails on a misspelt template variable, as StrictUndefined does, but allows a missing
    key of a dict (the GOV.UK Frontend macros test optional params that way)."""

    def _strict(self) -> bool:
        return self._undefined_obj is missing

    def __str__(self) -> str:
        if self._strict():
            self._fail_with_undefined_error()
        return ""

    def __bool__(self) -> bool:
        if self._strict():
            self._fail_with_undefined_error()
        return False

    def __iter__(self):
        if self._strict():
            self._fail_with_undefined_error()
        return iter(())

    def __len__(self) -> int:
        if self._strict():
            self._fail_with_undefined_error()
        return 0
