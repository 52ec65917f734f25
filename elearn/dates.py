"""Date arithmetic in the users' terms."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

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
