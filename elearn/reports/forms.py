"""The report filters: a GET form (reading figures changes nothing, so no CSRF token)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import SelectField, SubmitField
from wtforms.validators import NumberRange, Optional

from elearn.web.forms import DayMonthYearField, QueryForm, WholeNumberField


class ReportFilterForm(QueryForm):
    start = DayMonthYearField(
        "From", message="Enter a real start date", widget=GovDateInput(), validators=[Optional()]
    )
    end = DayMonthYearField(
        "To", message="Enter a real end date", widget=GovDateInput(), validators=[Optional()]
    )
    course = SelectField("Course", widget=GovSelect(), validate_choice=False)
    channel = SelectField("Training", widget=GovSelect(), validate_choice=False)
    threshold = WholeNumberField(
        "Gaps below (%)",
        "Enter the percentage as a whole number from 1 to 100",
        widget=GovTextInput(),
        default=50,
        validators=[
            Optional(),
            NumberRange(min=1, max=100, message="Enter a percentage from 1 to 100"),
        ],
    )
    submit = SubmitField("Show figures", widget=GovSubmitInput())
