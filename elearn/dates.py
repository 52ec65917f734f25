"""Date arithmetic in the users' terms."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from dateutil.easter import easter

LONDON = ZoneInfo("Europe/London")


def london_moment(day: date, at: time) -> datetime:
    """The UTC moment of a London wall-clock time. In the hour that happens twice (end
    of October) the first is meant; in the hour that never happens (end of March) the
    time is read as it would be an hour later, as a clock put forward reads."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)  # fold=0: the first


def london_today() -> date:
    """Today's date in the City."""
    return datetime.now(LONDON).date()


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day when it is shorter:
    31 January plus one month is 28 (or 29) February."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@cache
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales's bank holidays of a year, by their standing rules: New Year's
    Day, Good Friday, Easter Monday, the first and last Mondays of May, the last Monday
    of August, Christmas Day and Boxing Day, each moved to the next weekday free when it
    falls at a weekend (as gov.uk/bank-holidays lists them). A one-off holiday proclaimed
    for an occasion, or a date moved by proclamation, is not known."""
    sunday = easter(year)
    days = {
        _next_weekday(date(year, 1, 1)),
        sunday - timedelta(days=2),
        sunday + timedelta(days=1),
        _first_monday(date(year, 5, 1)),
        _last_monday(date(year, 5, 31)),
        _last_monday(date(year, 8, 31)),
    }
    christmas = _next_weekday(date(year, 12, 25))
    boxing = _next_weekday(date(year, 12, 26))
    if boxing <= christmas:
        boxing = _next_weekday(christmas + timedelta(days=1))
    return frozenset(days | {christmas, boxing})


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a bank holiday in England and Wales."""
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def _next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _first_monday(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _last_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
