"""Forms for scheduling sessions, booking members, the register and walk-ins."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from elearn.models import SECTORS, Attendance, Audience
from elearn.web.forms import (
    DayMonthYearField,
    Form,
    GovEmailInput,
    PlainName,
    TimeField,
    WholeNumberField,
    choices,
)

AUDIENCES = [
    (Audience.ALL, "Anyone with an account"),
    (Audience.ORGANISATION, "The members of one organisation"),
    (Audience.SECTORS, "The members of organisations in some sectors"),
]


class SessionForm(Form):
    course = SelectField(
        "Course", widget=GovSelect(), validators=[InputRequired(message="Select a course")]
    )
    title = StringField(
        "Name of the session (optional)",
        widget=GovTextInput(),
        description="For example, WRAP for colleges and universities",
        validators=[Optional(), Length(max=200, message="Name must be 200 characters or fewer")],
    )
    day = DayMonthYearField(
        "Date",
        message="Enter a real date, for example 12 12 2026",
        widget=GovDateInput(),
        description="For example, 12 12 2026",
        validators=[InputRequired(message="Enter the date of the session")],
    )
    starts = TimeField("Start time", validators=[InputRequired(message="Enter the start time")])
    ends = TimeField("End time", validators=[InputRequired(message="Enter the end time")])
    venue = StringField(
        "Venue",
        widget=GovTextInput(),
        description="For example, Guildhall, Livery Hall. Leave blank for a session online.",
        validators=[Optional(), Length(max=200, message="Venue must be 200 characters or fewer")],
    )
    address = TextAreaField(
        "Address",
        widget=GovTextArea(),
        validators=[
            Optional(),
            Length(max=500, message="Address must be 500 characters or fewer"),
        ],
    )
    access_notes = TextAreaField(
        "Access and arrival (optional)",
        widget=GovTextArea(),
        description="Step-free access, hearing loop, which entrance, what to bring.",
        validators=[
            Optional(),
            Length(max=1000, message="Access notes must be 1000 characters or fewer"),
        ],
    )
    online_url = StringField(
        "Joining link (for a session online)",
        widget=GovTextInput(),
        description="The Teams or Zoom link. Only people with a place see it.",
        validators=[
            Optional(),
            Length(max=500, message="Joining link must be 500 characters or fewer"),
        ],
    )
    capacity = WholeNumberField(
        "Places",
        message="Enter the number of places as a whole number, for example 30",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the number of places")],
    )
    closes_hours_before = WholeNumberField(
        "Booking closes (hours before the start)",
        message="Enter a whole number of hours, for example 24",
        widget=GovTextInput(),
        default=24,
        validators=[InputRequired(message="Enter when booking closes, in hours")],
    )
    audience = RadioField(
        "Who can book",
        choices=choices(AUDIENCES),
        default=Audience.ALL,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select who can book")],
    )
    organisation = SelectField(
        "Organisation (if for one organisation)",
        widget=GovSelect(),
        coerce=int,
        validate_choice=False,
    )
    sectors = SelectMultipleField(
        "Sectors (if for some sectors)",
        choices=choices(SECTORS.items()),
        widget=GovCheckboxesInput(),
        validate_choice=True,
    )
    facilitators = SelectMultipleField(
        "Facilitators",
        widget=GovCheckboxesInput(),
        coerce=int,
        validators=[InputRequired(message="Select at least one facilitator")],
    )
    submit = SubmitField("Save session", widget=GovSubmitInput())

    def validate_online_url(self, field) -> None:
        if field.data and not field.data.startswith("https://"):
            raise ValidationError("Enter the joining link starting with https://")

    def validate_capacity(self, field) -> None:
        if field.data is not None and not 1 <= field.data <= 1000:
            raise ValidationError("Places must be between 1 and 1,000")

    def validate_closes_hours_before(self, field) -> None:
        if field.data is not None and not 0 <= field.data <= 24 * 28:
            raise ValidationError("Booking must close between 0 and 672 hours (4 weeks) before")

    def validate_venue(self, field) -> None:
        if not (field.data or "").strip() and not (self.online_url.data or "").strip():
            raise ValidationError("Enter a venue, or a joining link for a session online")


class CancelSessionForm(Form):
    reason = TextAreaField(
        "Why is it cancelled? (optional)",
        widget=GovTextArea(),
        description="Everyone booked or waiting is told, with this reason.",
        validators=[Optional(), Length(max=500, message="Reason must be 500 characters or fewer")],
    )
    submit = SubmitField("Cancel the session", widget=GovSubmitInput())


class BookMembersForm(Form):
    members = SelectMultipleField(
        "Members to book",
        widget=GovCheckboxesInput(),
        coerce=int,
        validate_choice=False,  # each is checked against the members the manager may book
        validators=[InputRequired(message="Select the members to book")],
    )
    submit = SubmitField("Book selected members", widget=GovSubmitInput())


class MarkForm(Form):
    attendance = RadioField(
        "Attendance",
        choices=choices(
            [
                (Attendance.ATTENDED, "Attended"),
                (Attendance.PARTLY, "Partly attended"),
                (Attendance.ABSENT, "Absent"),
            ]
        ),
        validators=[InputRequired(message="Choose attended, partly attended or absent")],
    )


class WalkInForm(Form):
    email = StringField(
        "Email address",
        widget=GovEmailInput(),
        description="They are invited to create an account, or booked if they have one.",
        validators=[Optional(), Length(max=320)],
    )
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        description="For someone with no email address: their name and organisation.",
        validators=[Optional(), Length(max=200), PlainName("Enter their name only")],
    )
    organisation = SelectField("Organisation", widget=GovSelect(), coerce=int, validate_choice=True)
    submit = SubmitField("Add to the register", widget=GovSubmitInput())

    def validate_email(self, field) -> None:
        value = (field.data or "").strip()
        if value and ("@" not in value or " " in value or value.startswith("@")):
            raise ValidationError("Enter an email address like name@example.org")

    def validate_name(self, field) -> None:
        if not (field.data or "").strip() and not (self.email.data or "").strip():
            raise ValidationError("Enter their email address, or their name")


class FacilitatorForm(Form):
    email = StringField(
        "Email address of their account",
        widget=GovEmailInput(),
        validators=[InputRequired(message="Enter the email address of their account")],
    )
    organisation = SelectField(
        "Organisation they facilitate for (optional)",
        widget=GovSelect(),
        coerce=int,
        validate_choice=True,
    )
    submit = SubmitField("Name as facilitator", widget=GovSubmitInput())
