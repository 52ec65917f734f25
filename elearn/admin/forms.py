"""CST's forms: the filters of its lists and the search for an organisation to merge
into (GET forms: reading changes nothing, so no CSRF token; listing.py reads the
address), and inviting a manager."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import EmailField, Form, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length

from elearn.admin.listing import (
    ACCOUNT_STATES,
    MANAGER_FILTERS,
    ORGANISATION_STATUSES,
    PEOPLE_KINDS,
    OrganisationFilters,
    PeopleFilters,
)
from elearn.models import SECTORS
from elearn.web.forms import Form as PostForm
from elearn.web.forms import GovEmailInput, QueryForm, filter_select


class OrganisationFilterForm(Form):
    q = StringField("Name or email domain", widget=GovTextInput())
    status = filter_select("Status", "Any status", ORGANISATION_STATUSES)
    sector = filter_select("Sector", "Any sector", SECTORS)
    manager = filter_select("Manager", "Any", MANAGER_FILTERS)

    @classmethod
    def showing(cls, filters: OrganisationFilters) -> OrganisationFilterForm:
        return cls(data=filters.args())


class PeopleFilterForm(Form):
    q = StringField("Name or email", widget=GovTextInput())
    kind = filter_select("Who", "Everyone", PEOPLE_KINDS)
    account = filter_select("Account", "Any account", ACCOUNT_STATES)

    @classmethod
    def showing(cls, filters: PeopleFilters) -> PeopleFilterForm:
        return cls(data=filters.args())


class MergeSearchForm(QueryForm):
    q = StringField(
        "Name or email domain of the organisation to keep",
        widget=GovTextInput(),
        description="For example, part of its name, or its email domain such as example.org.",
    )


class ManagerInvitationForm(PostForm):
    email = EmailField(
        "Email address",
        widget=GovEmailInput(),
        validators=[
            InputRequired(message="Enter the email address of the person to invite"),
            Email(
                message="Enter an email address in the correct format, like name@example.com",
                check_deliverability=False,
            ),
            Length(max=320, message="Email address must be 320 characters or fewer"),
        ],
    )
    full_name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the full name of the person to invite"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )
    submit = SubmitField("Invite as manager", widget=GovSubmitInput())
