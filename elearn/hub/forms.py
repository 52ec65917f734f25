"""Forms for reporting a finding and for CST's triage steps."""

from __future__ import annotations

import math
from datetime import timedelta

from flask_wtf.file import MultipleFileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from elearn.dates import london_moment, london_today
from elearn.hub.findings import KINDS, STRANDS, Report, new_form_id, normalise_postcode
from elearn.hub.photos import MAX_BYTES, MAX_PHOTOS, Photo, PhotoRefused, safe_photo
from elearn.hub.queue import ASSIGNED, SHOW
from elearn.hub.triage import REASON_MAX
from elearn.models import Strand, utcnow
from elearn.web.forms import (
    DayMonthYearField,
    Form,
    QueryForm,
    TimeField,
    choices,
    filter_select,
)

DESCRIPTION_MAX = 2000
SEEN_DAYS = 366  # what is reported was seen within the last year


class ReportForm(Form):
    form_id = HiddenField(validators=[Regexp(r"^[0-9a-f]{32}$", message="Open the form again")])
    kind = RadioField(
        "What did you see?",
        choices=choices(KINDS.items()),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what you saw")],
    )
    strand = SelectField(
        "Who or what does it target?",
        choices=choices(STRANDS.items()),
        default=Strand.NOT_KNOWN,
        description="The hate strand or ideology, if you know it",
        widget=GovSelect(),
        validators=[InputRequired(message="Select who or what it targets, or Not known")],
    )
    description = TextAreaField(
        "What does it say or show?",
        description=(
            "Write down the words or describe the symbols as they are, even if offensive: "
            "it helps us and the police act on it."
        ),
        widget=GovCharacterCount(),
        validators=[
            InputRequired(message="Enter what it says or shows"),
            Length(
                max=DESCRIPTION_MAX,
                message=f"What it says must be {DESCRIPTION_MAX} characters or fewer",
            ),
        ],
    )
    place = StringField(
        "Where is it?",
        description="The street or place, and where exactly: for example, "
        "Cheapside, on the bus shelter outside number 120",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter where it is"),
            Length(max=300, message="Where it is must be 300 characters or fewer"),
        ],
    )
    postcode = StringField(
        "Postcode",
        description="The nearest postcode, for example EC2V 7HH",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the nearest postcode")],
    )
    latitude = HiddenField()
    longitude = HiddenField()
    seen_on = DayMonthYearField(
        "Date you saw it",
        message="Enter a real date, for example 27 3 2027",
        widget=GovDateInput(),
        description="For example, 27 3 2027",
        validators=[InputRequired(message="Enter the date you saw it")],
    )
    seen_time = TimeField(
        "Time you saw it", validators=[InputRequired(message="Enter the time you saw it")]
    )
    photos = MultipleFileField(
        "Photos (optional)",
        description=f"Up to {MAX_PHOTOS} photos, each smaller than 10 MB (JPEG, PNG or WebP)",
        widget=GovFileInput(multiple=True),
    )
    anonymous = BooleanField(
        "Stay anonymous to other partners",
        description=(
            "Partners the Community Safety Team shares the hub's figures with never see who "
            "reported; unless you tick this, they see the organisation it was reported for. "
            "The Community Safety Team will still know it was you."
        ),
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Send the report", widget=GovSubmitInput())

    safe_photos: list[Photo]

    def validate_postcode(self, field) -> None:
        normalised = normalise_postcode(field.data or "")
        if normalised is None:
            raise ValidationError("Enter a real postcode, for example EC2V 7HH")
        field.data = normalised

    def validate_seen_time(self, field) -> None:
        seen_at = self.seen_at
        if seen_at is not None and seen_at > utcnow() + timedelta(minutes=5):
            raise ValidationError("The time you saw it must be now or in the past")

    def validate_seen_on(self, field) -> None:
        if field.data is not None and field.data < london_today() - timedelta(days=SEEN_DAYS):
            raise ValidationError("The date you saw it must be within the last 12 months")

    @property
    def seen_at(self):
        if self.seen_on.data is None or self.seen_time.time is None:
            return None
        return london_moment(self.seen_on.data, self.seen_time.time)

    def said(self) -> Report:
        """What the reporter said, once the form is valid."""
        latitude, longitude = self.position
        return Report(
            kind=self.kind.data,
            strand=self.strand.data,
            description=self.description.data,
            place=self.place.data,
            postcode=self.postcode.data,
            seen_at=self.seen_at,
            anonymous=bool(self.anonymous.data),
            latitude=latitude,
            longitude=longitude,
        )

    @property
    def position(self) -> tuple[float | None, float | None]:
        """The phone's position, if the reporter shared it; anything odd is left out
        (the fields are hidden, so there is nothing the reporter could correct)."""
        try:
            latitude, longitude = float(self.latitude.data), float(self.longitude.data)
        except (TypeError, ValueError):
            return None, None
        if not (math.isfinite(latitude) and math.isfinite(longitude)):
            return None, None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return None, None
        return round(latitude, 6), round(longitude, 6)

    def validate_photos(self, field) -> None:
        """Every photo checked and re-encoded with the other answers, so the reporter
        hears of every problem at once."""
        self.safe_photos = []
        uploads = [upload for upload in field.data or [] if upload and upload.filename]
        if len(uploads) > MAX_PHOTOS:
            raise ValidationError(f"Choose {MAX_PHOTOS} photos or fewer")
        problems = []
        for number, upload in enumerate(uploads, start=1):
            data = upload.stream.read(MAX_BYTES + 1)
            try:
                self.safe_photos.append(safe_photo(data))
            except PhotoRefused as refused:
                name = (upload.filename or "")[-60:]
                problems.append(f"Photo {number} ({name}): {refused}")
        if problems:
            raise ValidationError("; ".join(problems))

    def shown_with_status(self) -> int:
        """Ready the form to be shown, and the page's status: the first time, 200 with a
        new one-time id; sent back with mistakes, 400, the photos to choose again and a
        new id if its own was missing or wrong."""
        if not self.is_submitted():
            self.form_id.data = new_form_id()
            return 200
        self.ask_for_the_photos_again()
        if not self.form_id.data or self.form_id.errors:
            self.form_id.data = new_form_id()
        return 400

    def ask_for_the_photos_again(self) -> None:
        """Browsers cannot keep chosen files when a form is shown again."""
        chosen = [upload for upload in self.photos.data or [] if upload and upload.filename]
        if chosen and not self.photos.errors:
            self.photos.errors = [
                "Choose your photos again: they could not be kept while you correct the "
                "other answers"
            ]


def _account_id(value) -> int | None:
    return int(value) if str(value).isdigit() else None


class AssignForm(Form):
    officer = SelectField(
        "Assign to",
        widget=GovSelect(),
        coerce=_account_id,
        validate_choice=False,
        validators=[InputRequired(message="Choose who in the team takes it")],
    )
    assign_submit = SubmitField("Assign", widget=GovSubmitInput())


class PoliceForm(Form):
    reference = StringField(
        "Police reference",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the police reference"),
            Length(max=50, message="The police reference must be 50 characters or fewer"),
        ],
    )
    police_submit = SubmitField("Pass to the police", widget=GovSubmitInput())


class CleansingForm(Form):
    cleansing_submit = SubmitField("Pass to street cleansing", widget=GovSubmitInput())


class RemovedForm(Form):
    removed_on = DayMonthYearField(
        "Date it was removed",
        message="Enter a real date, for example 27 3 2027",
        widget=GovDateInput(),
        validators=[InputRequired(message="Enter the date it was removed")],
    )
    removed_time = TimeField(
        "Time it was removed", validators=[InputRequired(message="Enter the time it was removed")]
    )
    removed_submit = SubmitField("Mark as removed", widget=GovSubmitInput())

    @property
    def removed_at(self):
        return london_moment(self.removed_on.data, self.removed_time.time)


class CloseForm(Form):
    reason = TextAreaField(
        "Why is it closed?",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter why it is closed"),
            Length(max=REASON_MAX, message=f"The reason must be {REASON_MAX} characters or fewer"),
        ],
    )
    close_submit = SubmitField("Close the report", widget=GovSubmitInput())


class FiguresFilterForm(QueryForm):
    """The period of the hub's figures: a GET form (reading changes nothing)."""

    start = DayMonthYearField(
        "From", message="Enter a real start date", widget=GovDateInput(), validators=[Optional()]
    )
    end = DayMonthYearField(
        "To", message="Enter a real end date", widget=GovDateInput(), validators=[Optional()]
    )


class QueueFilterForm(QueryForm):
    """CST's triage queue filters, shown as they are in force (queue.QueueFilters)."""

    show = SelectField(
        "Show", widget=GovSelect(), validate_choice=False, choices=choices(list(SHOW.items()))
    )
    kind = filter_select("Kind", "Any kind", KINDS)
    strand = filter_select("Strand or ideology", "Any", STRANDS)
    area = StringField(
        "Area or postcode", widget=GovTextInput(), description="For example, EC2V or EC2V 6DN"
    )
    assigned = filter_select("Assigned to", "Anyone", ASSIGNED)
