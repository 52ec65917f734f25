"""Reporting periods: inclusive dates, compared with the period just before. A day is a
London day: it starts at London midnight (23:00 UTC the evening before, in summer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from elearn.dates import london_moment
from elearn.web.filters import london_date


@dataclass(frozen=True)
class Period:
    start: date  # first day, inclusive
    end: date  # last day, inclusive

    @classmethod
    def last_twelve_months(cls, today: date) -> Period:
        return cls(start=_year_before(today) + timedelta(days=1), end=today)

    @property
    def starts_at(self) -> datetime:
        return london_moment(self.start, time.min)

    @property
    def ends_before(self) -> datetime:
        return london_moment(self.end + timedelta(days=1), time.min)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(start=end - timedelta(days=self.days - 1), end=end)

    def months(self) -> list[str]:
        """Every month the period touches, as YYYY-MM."""
        months, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append(f"{year:04}-{month:02}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    def describe(self) -> str:
        return f"{london_date(self.start)} to {london_date(self.end)}"


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


MAX_YEARS = 5  # the longest period a filter may ask for (each month is a row and a bar)


def chosen_period(form, default: Period) -> Period:
    """The period a filter form's `start` and `end` (already validated) give; what is
    missing falls back to the default. A period upside down or over MAX_YEARS is refused
    with an error on the form, and the default is shown."""
    start = form.start.data or default.start
    end = form.end.data or (default.end if start <= default.end else start)
    if start > end:
        form.end.errors = ["The end date must be on or after the start date"]
        return default
    if end > _years_after(start, MAX_YEARS):
        form.end.errors = [f"Choose a period of {MAX_YEARS} years or less"]
        return default
    return Period(start, end)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
