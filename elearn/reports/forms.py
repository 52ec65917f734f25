"""The report filters: a GET form (reading figures changes nothing, so no CSRF token)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import Form, IntegerField, SelectField, SubmitField
from wtforms.validators import NumberRange, Optional

from elearn.forms import DayMonthYearField


class ReportFilterForm(Form):
    start = DayMonthYearField(
        "From", message="Enter a real start date", widget=GovDateInput(), validators=[Optional()]
    )
    end = DayMonthYearField(
        "To", message="Enter a real end date", widget=GovDateInput(), validators=[Optional()]
    )
    course = SelectField("Course", widget=GovSelect(), validate_choice=False)
    threshold = IntegerField(
        "Gaps below (%)",
        widget=GovTextInput(),
        default=50,
        validators=[
            Optional(),
            NumberRange(min=1, max=100, message="Enter a percentage from 1 to 100"),
        ],
    )
    submit = SubmitField("Show figures", widget=GovSubmitInput())

    def error_list(self) -> list[dict]:
        return [{"text": field.errors[0], "href": f"#{field.id}"} for field in self if field.errors]
