"""The filters of CST's lists: GET forms (reading changes nothing, so no CSRF token),
filled in from the filters in force (listing.py reads the address)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import Form, SelectField, StringField

from elearn.admin.listing import (
    ACCOUNT_STATES,
    MANAGER_FILTERS,
    ORGANISATION_STATUSES,
    PEOPLE_KINDS,
    OrganisationFilters,
    PeopleFilters,
)
from elearn.forms import choices
from elearn.models import SECTORS


def _select(label: str, anything: str, named: dict[str, str]) -> SelectField:
    return SelectField(
        label,
        widget=GovSelect(),
        validate_choice=False,
        choices=choices([("", anything), *((str(k), v) for k, v in named.items())]),
    )


class OrganisationFilterForm(Form):
    q = StringField("Name or email domain", widget=GovTextInput())
    status = _select("Status", "Any status", ORGANISATION_STATUSES)
    sector = _select("Sector", "Any sector", SECTORS)
    manager = _select("Manager", "Any", MANAGER_FILTERS)

    @classmethod
    def showing(cls, filters: OrganisationFilters) -> OrganisationFilterForm:
        return cls(data=filters.args())


class PeopleFilterForm(Form):
    q = StringField("Name or email", widget=GovTextInput())
    kind = _select("Who", "Everyone", PEOPLE_KINDS)
    account = _select("Account", "Any account", ACCOUNT_STATES)

    @classmethod
    def showing(cls, filters: PeopleFilters) -> PeopleFilterForm:
        return cls(data=filters.args())
