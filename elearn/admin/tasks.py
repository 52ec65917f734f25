"""What is waiting for the Community Safety Team: the CST admin's home page.

- requests to register an organisation, each flagged when it may be a second
  registration of an organisation already known (duplicates.py);
- training done elsewhere that a learner recorded and nobody has accepted or rejected
  (not the admin's own: someone else decides on those);
- people who asked for their personal data to be erased;
- approved organisations with no manager and none invited, where nobody can invite
  people or set required training until CST invites one (an approval whose invitation
  failed or expired, or a manager who left); those whose invitation to a manager is
  waiting to be taken up are counted apart, as "manager invited", and are not a task;
- courses and contacts due for review (courses/review.py).

Each is counted in SQL, and at most SHOWN of each listed, so the page costs the same
few queries whatever is waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from elearn.admin.duplicates import Known, Match, email_domain, possible_duplicates
from elearn.admin.listing import manager_conditions
from elearn.courses.catalogue import Catalogue
from elearn.courses.review import DueReview, due_for_review
from elearn.extensions import db
from elearn.models import (
    ExternalRecord,
    ExternalStatus,
    Membership,
    Organisation,
    OrganisationDomain,
    OrganisationStatus,
    Role,
    User,
)

SHOWN = 10


@dataclass(frozen=True)
class Waiting:
    registrations: list[Organisation]
    registrations_total: int
    duplicates: dict[int, list[Match]]
    external: list[tuple[ExternalRecord, str]]  # each record and its learner's name
    external_total: int
    erasure_total: int
    without_manager_total: int
    manager_invited_total: int
    reviews: list[DueReview]

    @property
    def total(self) -> int:
        return (
            self.registrations_total
            + self.external_total
            + self.erasure_total
            + self.without_manager_total
            + len(self.reviews)
        )


def waiting(catalogue: Catalogue, today: date, now: datetime, viewer_id: int) -> Waiting:
    registrations = list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.status == OrganisationStatus.PENDING)
            .order_by(Organisation.created_at, Organisation.id)
            .limit(SHOWN)
        )
    )
    external_waiting = (
        ExternalRecord.status == ExternalStatus.PENDING,
        ExternalRecord.user_id != viewer_id,
    )
    external = db.session.execute(
        select(ExternalRecord, User.full_name)
        .join(User, User.id == ExternalRecord.user_id)
        .where(*external_waiting)
        .order_by(ExternalRecord.created_at, ExternalRecord.id)
        .limit(SHOWN)
    ).all()
    return Waiting(
        registrations=registrations,
        registrations_total=_count(Organisation, Organisation.status == OrganisationStatus.PENDING),
        duplicates=registration_duplicates(registrations),
        external=[tuple(row) for row in external],
        external_total=_count(ExternalRecord, *external_waiting),
        erasure_total=_count(
            User, User.erasure_requested_at.is_not(None), User.erased_at.is_(None)
        ),
        without_manager_total=_count(
            Organisation,
            Organisation.status == OrganisationStatus.APPROVED,
            *manager_conditions("none", now),
        ),
        manager_invited_total=_count(
            Organisation,
            Organisation.status == OrganisationStatus.APPROVED,
            *manager_conditions("invited", now),
        ),
        reviews=due_for_review(catalogue, today),
    )


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def registration_duplicates(registrations: list[Organisation]) -> dict[int, list[Match]]:
    """The possible duplicates of each of these requests, among every organisation known."""
    if not registrations:
        return {}
    known = known_organisations()
    return possible_duplicates(
        (known[r.id] for r in registrations if r.id in known), known.values()
    )


def known_organisations() -> dict[int, Known]:
    """Every organisation with its email domains (its contact's, its own and its
    managers'): three queries, whatever the number of organisations."""
    domains: dict[int, set[str]] = {}

    def add(organisation_id: int, email_or_domain: str | None) -> None:
        if not email_or_domain:
            return
        domain = email_domain(
            email_or_domain if "@" in (email_or_domain or "") else f"@{email_or_domain}"
        )
        if domain:
            domains.setdefault(organisation_id, set()).add(domain)

    organisations = db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.status, Organisation.contact_email)
    ).all()
    for organisation_id, _, _, contact_email in organisations:
        add(organisation_id, contact_email)
    for organisation_id, domain in db.session.execute(
        select(OrganisationDomain.organisation_id, OrganisationDomain.domain)
    ):
        add(organisation_id, domain)
    for organisation_id, email in db.session.execute(
        select(Membership.organisation_id, User.email)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role == Role.MANAGER, Membership.left_at.is_(None))
    ):
        add(organisation_id, email)
    return {
        organisation_id: Known(
            organisation_id, name, status, frozenset(domains.get(organisation_id, ()))
        )
        for organisation_id, name, status, _ in organisations
    }
