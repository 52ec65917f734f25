"""The base form: CSRF failures become a clear message on the form, input kept."""

import re
from datetime import time

from flask import g
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField, ValidationError
from wtforms import Form as PlainForm

EXPIRED_MESSAGE = (
    "This page had been open too long, so nothing was saved. "
    "Check what you entered and submit again."
)


class ErrorSummary:
    """The error summary base.html shows for any form: the first error of each field,
    linked to it, or every error of the fields named in `list_every_error`."""

    list_every_error: tuple[str, ...] = ()

    def error_list(self) -> list[dict]:
        items = []
        for field in self:
            shown = field.errors if field.name in self.list_every_error else field.errors[:1]
            items += [{"text": error, "href": f"#{field.id}"} for error in shown]
        return items


class QueryForm(ErrorSummary, PlainForm):
    """A GET form (a search, filters, a code to look up): it changes nothing, so it has
    no CSRF token, and shows its errors like every other form."""


class Form(ErrorSummary, FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not valid and self.meta.csrf and self.csrf_token.errors:
            self.csrf_token.errors = [EXPIRED_MESSAGE]
        return valid

    @property
    def expired(self) -> bool:
        return bool(g.get("csrf_failed"))


class ConfirmForm(Form):
    """An empty form: a button that makes a CSRF-protected POST (sign out, approve,
    remove a member...), for every package's confirmations."""


class ProblemCount(str):
    """How many problems a field has, which `problems_as_errors` puts first: the field
    shows it; an error summary lists the problems, not the count (it is not one)."""


def problems_as_errors(problems: list[str]) -> list[str]:
    """A field's errors for a list of problems: a count the field shows, then each one."""
    if len(problems) == 1:
        return problems
    count = ProblemCount(f"There are {len(problems)} problems: fix them all, then try again")
    return [count, *problems]


class GovEmailInput(GovTextInput):
    """An email address field: phones show their email keyboard, browsers can autofill."""

    input_type = "email"


class WholeNumberField(IntegerField):
    """A whole number typed as people write it ("1,200" too), with a message in our words.

    WTForms' own "Not a valid integer value." never reaches people.
    """

    def __init__(self, label: str, message: str, **kwargs) -> None:
        super().__init__(label, **kwargs)
        self.message = message

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        text = valuelist[0].strip().replace(",", "")
        if not text:
            self.data = None
            return
        self.data = int(text) if text.isascii() and text.lstrip("-").isdigit() else None
        if self.data is None:
            raise ValueError(self.message)

    def __call__(self, **kwargs):
        params = kwargs.setdefault("params", {})
        params.setdefault("inputmode", "numeric")
        params.setdefault("spellcheck", False)
        return super().__call__(**kwargs)


class PlainName:
    """A person's name and nothing else: no web or email address, no markup. Names are
    printed on certificates and written in emails to addresses no one has yet proved are
    theirs, so a stranger cannot use a name to send anyone a link."""

    ADDRESS_LIKE = re.compile(
        r"https?:|www\.|[<>@/\\{}\[\]]|\.(com|org|net|uk|io|ru|info|biz|xyz|co)\b", re.I
    )

    def __init__(self, message: str = "Enter your name only, without a web or email address"):
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data and self.ADDRESS_LIKE.search(field.data):
            raise ValidationError(self.message)


YEARS = (1900, 2100)  # the years a date typed into elearn may have


class DayMonthYearField(DateField):
    """A date typed as day, month and year (GOV.UK date input), with a plain error."""

    def __init__(self, label: str, message: str = "Enter a real date", **kwargs) -> None:
        super().__init__(label, format="%d %m %Y", **kwargs)
        self.message = message

    def process(self, formdata, *args, **kwargs) -> None:
        super().process(formdata, *args, **kwargs)
        if self.raw_data is not None and len(self.raw_data) != 3:
            self.raw_data = None  # the GOV.UK widget shows day, month and year, or nothing

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and not any(value.strip() for value in valuelist):
            self.data = None
            return
        try:
            super().process_formdata([" ".join(value.strip() for value in valuelist)])
        except ValueError as error:
            raise ValueError(self.message) from error
        if not YEARS[0] <= self.data.year <= YEARS[1]:
            self.data = None  # year 1 or 9999: no date this service means, nor can add to
            raise ValueError(self.message)


def choices(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def filter_select(label: str, anything: str, named: dict) -> SelectField:
    """A list filter: "anything" first, then each named value; what the address gives
    is read by the list's own filters (an unknown value is ignored there), not here."""
    return SelectField(
        label,
        widget=GovSelect(),
        validate_choice=False,
        choices=choices([("", anything), *((str(k), v) for k, v in named.items())]),
    )


_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\s*$", re.IGNORECASE)


def read_time(text: str) -> time | None:
    """'10:00', '14.30', '10am', '2:30pm' -> a time; anything else None."""
    found = _TIME.match(text or "")
    if not found:
        return None
    hour, minute, half = int(found[1]), int(found[2] or 0), (found[3] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif not found[2]:
        return None  # "10" alone: morning or evening?
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class TimeField(StringField):
    def __init__(self, label: str, **kwargs) -> None:
        super().__init__(
            label,
            widget=GovTextInput(),
            description="In London time, for example 10:00 or 2:30pm",
            **kwargs,
        )

    def pre_validate(self, form) -> None:
        if (self.data or "").strip() and read_time(self.data) is None:
            raise ValidationError("Enter a time, for example 10:00 or 2:30pm")

    @property
    def time(self) -> time | None:
        return read_time(self.data or "")
