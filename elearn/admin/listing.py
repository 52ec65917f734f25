"""CST's lists of organisations and people, for a City of thousands of businesses.

Filters are read from the address leniently: a value that is not one of a filter's
choices is no filter, a page number that is not a number is the first page and one past
the end is the last, and a search loses its control characters (PostgreSQL refuses a
NUL in a query). Searching, counting and paging are done in SQL, so each page of a list
costs the same few queries however many rows there are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, not_, or_, select

from elearn.extensions import db
from elearn.models import (
    SECTORS,
    Invitation,
    Membership,
    Organisation,
    OrganisationDomain,
    OrganisationStatus,
    Role,
    User,
    utcnow,
)
from elearn.web.filters import decision

MAX_SEARCH = 100
# Each status as the `decision` filter shows it on every page ("Waiting for a decision").
ORGANISATION_STATUSES = {status: decision(status) for status in OrganisationStatus}
MANAGER_FILTERS = {"none": "No manager, none invited", "invited": "Manager invited"}
PEOPLE_KINDS = {
    "cst": "CST admins",
    "manager": "Managers",
    "member": "Members of an organisation",
    "none": "In no organisation",
}
ACCOUNT_STATES = {
    "active": "Active",
    "erasure": "Asked to be erased",
    "erased": "Erased",
}


def clean_search(value: str | None) -> str:
    """A search as typed, without control characters, spaces trimmed, at most MAX_SEARCH."""
    printable = "".join(c if c.isprintable() else " " for c in (value or "")[: MAX_SEARCH * 4])
    return " ".join(printable.split())[:MAX_SEARCH]


def one_of(value: str | None, allowed: Mapping[str, Any]) -> str | None:
    return value if value in allowed else None


def contains(column, text: str):
    """Case-insensitive "contains", with % and _ taken literally: ILIKE on PostgreSQL, and
    on SQLite its LIKE, which ignores case without lower()'s cost on every row (for
    ASCII letters only, as SQLite's lower() does too)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return column.contains(text, autoescape=True)
    return column.icontains(text, autoescape=True)


# --- organisations ----------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationFilters:
    search: str = ""
    status: str | None = None
    sector: str | None = None
    manager: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> OrganisationFilters:
        return cls(
            search=clean_search(args.get("q")),
            status=one_of(args.get("status"), ORGANISATION_STATUSES),
            sector=one_of(args.get("sector"), SECTORS),
            manager=one_of(args.get("manager"), MANAGER_FILTERS),
        )

    def args(self) -> dict[str, str]:
        """The filters in force, as the address gives them (for links that keep them)."""
        named = asdict(self)
        named["q"] = named.pop("search")
        return {key: value for key, value in named.items() if value}


def with_manager():
    """The ids of organisations with a current manager: one pass over the memberships,
    rather than a look for each organisation."""
    return select(Membership.organisation_id).where(
        Membership.role == Role.MANAGER, Membership.left_at.is_(None)
    )


def manager_invitation_waiting(now: datetime) -> tuple:
    """An invitation to manage that is waiting to be taken up: sent, and not expired,
    withdrawn, refused by the mail server nor accepted."""
    return (
        Invitation.role == Role.MANAGER,
        Invitation.last_sent_at.is_not(None),
        Invitation.expires_at > now,
        Invitation.revoked_at.is_(None),
        Invitation.undeliverable_at.is_(None),
        Invitation.accepted_at.is_(None),
    )


def invited_manager(now: datetime):
    """The ids of organisations with an invitation to manage them waiting to be taken up."""
    return select(Invitation.organisation_id).where(*manager_invitation_waiting(now))


def manager_conditions(which: str, now: datetime) -> tuple:
    """Organisations with no manager and none invited ("none"), or none yet but one
    invited ("invited")."""
    invited = Organisation.id.in_(invited_manager(now))
    return (Organisation.id.not_in(with_manager()), not_(invited) if which == "none" else invited)


def organisations_select(filters: OrganisationFilters) -> Select:
    """Organisations matching the filters, requests waiting for a decision first."""
    statement = select(Organisation).order_by(
        case((Organisation.status == OrganisationStatus.PENDING, 0), else_=1),
        func.lower(Organisation.name),
        Organisation.id,
    )
    if filters.search:
        text = filters.search.lstrip("@")
        domains = (
            select(OrganisationDomain.id)
            .where(OrganisationDomain.organisation_id == Organisation.id)
            .where(contains(OrganisationDomain.domain, text))
            .exists()
        )
        statement = statement.where(
            or_(
                contains(Organisation.name, filters.search),
                contains(Organisation.contact_email, text),
                domains,
            )
        )
    if filters.status:
        statement = statement.where(Organisation.status == filters.status)
    if filters.sector:
        statement = statement.where(Organisation.sector == filters.sector)
    if filters.manager:
        statement = statement.where(*manager_conditions(filters.manager, utcnow()))
    return statement


@dataclass(frozen=True)
class Managing:
    """Who manages an organisation now, and whom CST or a manager has invited to."""

    managers: list[tuple[str, str]]  # (name, email) of each current manager
    invited: list[Invitation]  # invitations to manage it still waiting to be taken up

    @property
    def nobody(self) -> bool:
        return not self.managers and not self.invited


def managing(organisation_id: int, now: datetime) -> Managing:
    managers = db.session.execute(
        select(User.full_name, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == organisation_id,
            Membership.role == Role.MANAGER,
            Membership.left_at.is_(None),
        )
        .order_by(func.lower(User.full_name))
    ).all()
    invited = db.session.scalars(
        select(Invitation)
        .where(Invitation.organisation_id == organisation_id, *manager_invitation_waiting(now))
        .order_by(Invitation.last_sent_at.desc())
    ).all()
    return Managing([tuple(row) for row in managers], list(invited))


def active_members(organisation_ids: list[int]) -> dict[int, int]:
    """How many current members each of these organisations has, in one query."""
    if not organisation_ids:
        return {}
    return dict(
        db.session.execute(
            select(Membership.organisation_id, func.count())
            .where(Membership.organisation_id.in_(organisation_ids), Membership.left_at.is_(None))
            .group_by(Membership.organisation_id)
        ).all()
    )


# --- people -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleFilters:
    search: str = ""
    kind: str | None = None
    account: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> PeopleFilters:
        return cls(
            search=clean_search(args.get("q")),
            kind=one_of(args.get("kind"), PEOPLE_KINDS),
            account=one_of(args.get("account"), ACCOUNT_STATES),
        )

    def args(self) -> dict[str, str]:
        named = asdict(self)
        named["q"] = named.pop("search")
        return {key: value for key, value in named.items() if value}


def _member(*conditions):
    return (
        select(Membership.id)
        .where(Membership.user_id == User.id, Membership.left_at.is_(None), *conditions)
        .exists()
    )


KIND_CONDITIONS = {
    "cst": lambda: User.is_cst_admin.is_(True),
    "manager": lambda: _member(Membership.role == Role.MANAGER),
    "member": lambda: _member(),
    "none": lambda: and_(User.is_cst_admin.is_(False), not_(_member())),
}
ACCOUNT_CONDITIONS = {
    "active": lambda: and_(User.active.is_(True), User.erased_at.is_(None)),
    "erasure": lambda: and_(User.erasure_requested_at.is_not(None), User.erased_at.is_(None)),
    "erased": lambda: User.erased_at.is_not(None),
}


def people_select(filters: PeopleFilters) -> Select:
    """People matching the filters, by name."""
    statement = select(User).order_by(func.lower(User.full_name), User.id)
    if filters.search:
        statement = statement.where(
            or_(contains(User.full_name, filters.search), contains(User.email, filters.search))
        )
    if filters.kind:
        statement = statement.where(KIND_CONDITIONS[filters.kind]())
    if filters.account:
        statement = statement.where(ACCOUNT_CONDITIONS[filters.account]())
    return statement


def organisations_of(user_ids: list[int]) -> dict[int, list[tuple[int, str, str]]]:
    """Each person's current organisations as (id, name, role), in one query."""
    found: dict[int, list[tuple[int, str, str]]] = {user_id: [] for user_id in user_ids}
    if not user_ids:
        return found
    rows = db.session.execute(
        select(Membership.user_id, Organisation.id, Organisation.name, Membership.role)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id.in_(user_ids), Membership.left_at.is_(None))
        .order_by(Organisation.name)
    )
    for user_id, organisation_id, name, role in rows:
        found[user_id].append((organisation_id, name, role))
    return found
