"""Forms for registering, joining and managing an organisation."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired, FileSize
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from elearn.auth.forms import confirm_field, email_field, new_password_field
from elearn.models import SECTORS
from elearn.organisations.importer import MAX_BYTES, MAX_LENGTHS
from elearn.web.forms import (
    DayMonthYearField,
    Form,
    PlainName,
    ProblemCount,
    QueryForm,
    WholeNumberField,
    choices,
)

TEAM_LENGTH = MAX_LENGTHS["team"]


def name_field(label: str = "Full name", hint: str | None = None) -> StringField:
    return StringField(
        label,
        widget=GovTextInput(),
        description=hint or "As you want it printed on your certificates.",
        validators=[
            InputRequired(message="Enter your full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
            PlainName(),
        ],
    )


def headcount_field() -> WholeNumberField:
    return WholeNumberField(
        "How many people work, study or volunteer there?",
        "Enter how many people work, study or volunteer there as a whole number, like 250",
        widget=GovTextInput(),
        description="An estimate is fine. CST compares it with how many people are trained.",
        validators=[
            InputRequired(message="Enter how many people work, study or volunteer there"),
            NumberRange(min=1, max=1_000_000, message="Enter a number between 1 and 1,000,000"),
        ],
    )


class RegisterOrganisationForm(Form):
    name = StringField(
        "Name of the business or institution",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the name of the business or institution"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    sector = RadioField(
        "What kind of organisation is it?",
        choices=choices((k, v) for k, v in SECTORS.items() if k != "corporation_department"),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what kind of organisation it is")],
    )
    headcount = headcount_field()
    contact_name = name_field("Your full name", hint="You will manage the organisation's training.")
    contact_email = email_field("Your work email address")
    contact_phone = StringField(
        "Your phone number (optional)",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=40, message="Phone number must be 40 characters or fewer"),
        ],
    )
    submit = SubmitField("Send request", widget=GovSubmitInput())


class JoinCodeForm(Form):
    code = StringField(
        "Join code",
        widget=GovTextInput(),
        description="Your organisation's training manager gives you this, for example K7PM-3QXR.",
        validators=[InputRequired(message="Enter your join code")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class CreateAccountForm(Form):
    full_name = name_field()
    email = email_field("Your email address")
    join_code = HiddenField()
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class SetPasswordForm(Form):
    password = new_password_field("Create a password")
    confirm = confirm_field("Confirm your password")
    submit = SubmitField("Create account", widget=GovSubmitInput())


class AcceptInvitationForm(Form):
    full_name = name_field()
    password = new_password_field("Create a password")
    confirm = confirm_field("Confirm your password")
    submit = SubmitField("Accept and create account", widget=GovSubmitInput())


ROLE_CHOICES = [
    ("member", "Member: takes training"),
    ("manager", "Manager: also manages the organisation"),
]


class ListsProblems:
    """A form whose field may hold a list's problems (`problems_as_errors`): the field says
    how many there are, and the error summary links each problem, without the count."""

    def error_list(self) -> list[dict]:
        return [item for item in super().error_list() if not isinstance(item["text"], ProblemCount)]


class InviteForm(ListsProblems, Form):
    list_every_error = ("emails",)
    emails = TextAreaField(
        "Email addresses",
        widget=GovTextArea(),
        description="Paste one or more addresses, separated by commas, spaces or new lines.",
        validators=[InputRequired(message="Enter at least one email address")],
    )
    role = RadioField(
        "Invite them as",
        choices=choices(ROLE_CHOICES),
        default="member",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select member or manager")],
    )
    submit = SubmitField("Check addresses", widget=GovSubmitInput())


class UploadForm(ListsProblems, Form):
    list_every_error = ("file",)
    file = FileField(
        "Upload a CSV file",
        widget=GovFileInput(),
        description="A header row with the columns email, name and team (name and team are "
        "optional). Save from Excel as CSV UTF-8. Up to 10,000 rows.",
        validators=[
            FileRequired(message="Select a CSV file"),
            FileSize(max_size=MAX_BYTES, message="The file must be smaller than 2 MB"),
        ],
    )
    submit = SubmitField("Check file", widget=GovSubmitInput())


class AssignmentForm(Form):
    course = SelectField(
        "Course", widget=GovSelect(), validators=[InputRequired(message="Select a course")]
    )
    team = SelectField("Who must complete it", widget=GovSelect(), validate_choice=True)
    due_on = DayMonthYearField(
        "Due date",
        message="Enter a real due date, for example 31 3 2027",
        widget=GovDateInput(),
        description="For example, 31 3 2027",
        validators=[InputRequired(message="Enter a due date")],
    )
    submit = SubmitField("Require course", widget=GovSubmitInput())


class RoleForm(Form):
    role = RadioField(
        "Role",
        choices=choices(ROLE_CHOICES),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select a role")],
    )
    submit = SubmitField("Save role", widget=GovSubmitInput())


def team_fields(subject: str):
    """A team to choose, or a new one to type (which wins when both are given)."""
    team = SelectField(
        "Team",
        widget=GovSelect(),
        validate_choice=False,  # any value is a team's name, checked by teams.team_name
        description="Training required of one team applies to its members only.",
    )
    new_team = StringField(
        "Or a new team",
        widget=GovTextInput(),
        description=f"Type a name to put {subject} in a team not listed above. "
        "Leave it blank to use the team chosen above.",
        validators=[
            Length(max=TEAM_LENGTH, message=f"Team name must be {TEAM_LENGTH} characters or fewer")
        ],
    )
    return team, new_team


class TeamForm(Form):
    team, new_team = team_fields("them")
    submit = SubmitField("Save team", widget=GovSubmitInput())

    @property
    def chosen_field(self):
        """The field the team comes from: a new team's name when one is typed."""
        return self.new_team if (self.new_team.data or "").strip() else self.team

    @property
    def chosen(self) -> str:
        return self.chosen_field.data or ""


class TeamsForm(TeamForm):
    """The same team for several members at once, from the members list."""

    members = SelectMultipleField("Members", coerce=int, validate_choice=False)
    team, new_team = team_fields("the members you selected")
    submit = SubmitField("Put selected members in this team", widget=GovSubmitInput())

    def validate_members(self, field) -> None:
        if not field.data:
            raise ValidationError("Select the members to put in a team")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.chosen.strip():
            # On the list of teams, or on the box to type one when there is no list.
            field = self.team if len(self.team.choices or ()) > 1 else self.new_team
            field.errors = [*field.errors, "Choose a team, or type the name of a new one"]
            return False
        return valid


class HeadcountForm(Form):
    headcount = headcount_field()
    submit = SubmitField("Save", widget=GovSubmitInput())


class DeclineForm(Form):
    reason = TextAreaField(
        "Reason (sent to the contact)",
        widget=GovTextArea(),
        validators=[InputRequired(message="Enter a reason"), Length(max=500)],
    )
    submit = SubmitField("Decline request", widget=GovSubmitInput())


class OrganisationForm(Form):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the organisation's name"), Length(max=200)],
    )
    sector = SelectField(
        "Sector",
        choices=choices(SECTORS.items()),
        widget=GovSelect(),
        validators=[InputRequired(message="Select a sector")],
    )
    headcount = WholeNumberField(
        "Headcount",
        "Enter the headcount as a whole number, like 250",
        widget=GovTextInput(),
        validators=[
            Optional(),
            NumberRange(min=1, max=1_000_000, message="Enter a number between 1 and 1,000,000"),
        ],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class DomainForm(Form):
    domain = StringField(
        "Email domain",
        widget=GovTextInput(),
        description="For example, cityoflondon.gov.uk. People who verify an address at this "
        "domain join the organisation automatically.",
        validators=[
            InputRequired(message="Enter an email domain"),
            Regexp(
                r"^(?=.{3,255}$)([a-zA-Z0-9-]+\.)+[a-zA-Z]{2,}$",
                message="Enter a domain like example.org, without the @",
            ),
        ],
    )
    submit = SubmitField("Add domain", widget=GovSubmitInput())


class EraseForm(Form):
    reason = TextAreaField(
        "Why are they being erased?",
        widget=GovTextArea(),
        description="For example, their request of 3 March, or the retention period.",
        validators=[InputRequired(message="Enter why they are being erased"), Length(max=300)],
    )
    submit = SubmitField("Erase their personal data", widget=GovSubmitInput())


class ProgressFilterForm(QueryForm):
    """The members' progress filters: a GET form, as reading changes nothing."""

    team = SelectField("Team", widget=GovSelect(), validate_choice=False)
    course = SelectField("Course", widget=GovSelect(), validate_choice=False)
    status = SelectField("Status", widget=GovSelect(), validate_choice=False)
    sort = SelectField(
        "Sort by",
        widget=GovSelect(),
        validate_choice=False,
        choices=choices([("name", "Name"), ("team", "Team"), ("status", "Status")]),
    )
    order = SelectField(
        "Order",
        widget=GovSelect(),
        validate_choice=False,
        choices=choices([("asc", "Ascending"), ("desc", "Descending")]),
    )
