"""The people CST names to run face-to-face sessions."""

from __future__ import annotations

from sqlalchemy import select

from elearn import audit
from elearn.extensions import db
from elearn.models import Facilitator, Organisation, User, normalise_email


class FacilitatorRefused(Exception):
    """A facilitator who cannot be named; the message says why."""


def facilitators() -> list[Facilitator]:
    return list(
        db.session.scalars(
            select(Facilitator).join(User, User.id == Facilitator.user_id).order_by(User.full_name)
        )
    )


def name_facilitator(email: str, organisation: Organisation | None, by: User) -> Facilitator:
    person = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if person is None or not person.is_active:
        raise FacilitatorRefused(
            "There is no account with that email address: ask them to create one first."
        )
    facilitator = db.session.get(Facilitator, person.id)
    if facilitator is None:
        facilitator = Facilitator(user_id=person.id, named_by_id=by.id)
        db.session.add(facilitator)
    facilitator.organisation_id = organisation.id if organisation else None
    db.session.flush()
    audit.record(
        "facilitator_named",
        person,
        {"organisation": organisation.id if organisation else None},
        actor_id=by.id,
    )
    db.session.commit()
    return facilitator


def remove_facilitator(facilitator: Facilitator, by: User) -> None:
    """They run no new sessions; the sessions they ran keep their name."""
    audit.record("facilitator_removed", facilitator.user, {}, actor_id=by.id)
    db.session.delete(facilitator)
    db.session.commit()
