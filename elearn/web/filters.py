"""How values are shown to people: dates in Europe/London, numbers, counts of things.

Each is a template filter and a plain function for messages built in Python.
"""

from __future__ import annotations

import sys
from datetime import date, datetime

from flask import Flask
from jinja2 import Undefined
from jinja2.utils import missing

from elearn.dates import LONDON


def london_date(moment: date | datetime | None) -> str:
    """A date as people write it: 5 March 2026 (a datetime is shown in London time)."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = moment.astimezone(LONDON)
    return f"{moment:%-d %B %Y}"


def london_datetime(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(LONDON)
    return f"{local:%-d %B %Y} at {local:%-I:%M%p}".replace("AM", "am").replace("PM", "pm")


def weekday_date(moment: datetime | None) -> str:
    """'Friday 12 December 2026', in London."""
    if moment is None:
        return ""
    return f"{moment.astimezone(LONDON):%A %-d %B %Y}"


def clock(moment: datetime | None) -> str:
    """'10:00am', '2:30pm': a time of day in London."""
    if moment is None:
        return ""
    return f"{moment.astimezone(LONDON):%-I:%M%p}".replace("AM", "am").replace("PM", "pm")


def and_list(items) -> str:
    """'Amira Khan', 'Amira Khan and Tom Reid', 'A, B and C'."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def number(value: int | None) -> str:
    """12,345: thousands separated, as GOV.UK style writes numbers."""
    return "" if value is None else f"{value:,}"


def counted(count: int, one: str, many: str) -> str:
    """'1 person', '2 people', '1,200 invitations': a count with the right word."""
    return f"1 {one}" if count == 1 else f"{count:,} {many}"


# Something someone asked for (a registration, training done elsewhere) and its answer:
# the same words wherever it is shown.
DECISIONS = {"pending": "Waiting for a decision"}


def decision(status: str) -> str:
    """'pending' -> 'Waiting for a decision', 'accepted' -> 'Accepted'."""
    return DECISIONS.get(str(status), str(status).capitalize())


def init_app(app: Flask) -> None:
    app.add_template_filter(counted, "counted")
    app.add_template_filter(decision, "decision")
    app.add_template_filter(number, "number")
    app.add_template_filter(london_date, "date")
    app.add_template_filter(london_datetime, "datetime")
    app.add_template_filter(weekday_date, "weekday_date")
    app.add_template_filter(clock, "clock")


class StrictNameUndefined(Undefined):
    """In the test suite: a misspelt variable in one of our templates fails the test.

    Missing dict keys stay lenient, and so do the GOV.UK Frontend macros, which test
    optional params and their own variables by their being undefined.
    """

    def _strict(self) -> bool:
        if self._undefined_obj is not missing:
            return False
        frame = sys._getframe(2)
        while frame is not None:
            if "debug_info" in frame.f_globals and "blocks" in frame.f_globals:
                template = frame.f_globals.get("name") or ""
                return not template.startswith("govuk_frontend")
            frame = frame.f_back
        return True

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
