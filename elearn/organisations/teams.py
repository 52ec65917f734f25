"""Teams within an organisation: a team's name as a manager types it, putting members in
a team (one or several at once), and the teams there are. Each function flushes and
audits; the view commits once.
"""

from __future__ import annotations

from sqlalchemy import select

from elearn import audit
from elearn.extensions import db
from elearn.models import Membership, Organisation
from elearn.organisations.importer import MAX_LENGTHS, UNPRINTABLE
from elearn.organisations.memberships import OperationRefused

TEAM_LENGTH = MAX_LENGTHS["team"]  # as Membership.team and Invitation.team hold


def team_name(text: str | None) -> str | None:
    """A team's name as a manager typed it, with runs of spaces made one; None for no
    team. Refused when it is too long, or holds a control character (a tab, a line
    break) or a mark that changes the direction text reads in."""
    if text and UNPRINTABLE.search(text):
        raise OperationRefused(
            "Enter the team's name without tabs, line breaks or other control characters"
        )
    name = " ".join((text or "").split())
    if len(name) > TEAM_LENGTH:
        raise OperationRefused(f"Team name must be {TEAM_LENGTH} characters or fewer")
    return name or None


def as_spelt(organisation_id: int, team: str | None) -> str | None:
    """An existing team's own spelling when `team` differs from it only in case, so that
    "claims" joins "Claims" (training required of a team names it exactly)."""
    if team is None:
        return None
    known = {name.casefold(): name for name in teams(organisation_id)}
    return known.get(team.casefold(), team)


def set_team(membership: Membership, team: str | None) -> bool:
    """Put an active member in a team (None: in no team), as `team_name()` reads it;
    whether their team changed. Audited."""
    if membership.left_at is not None:
        raise OperationRefused("They are no longer a member, so they cannot be in a team")
    return _move(membership, as_spelt(membership.organisation_id, team_name(team)))


def _move(membership: Membership, team: str | None) -> bool:
    if team == membership.team:
        return False
    audit.record("team_changed", membership, {"team": team, "previous": membership.team})
    membership.team = team
    return True


def set_teams(
    organisation: Organisation, membership_ids: list[int], team: str | None
) -> tuple[int, str | None]:
    """Put several of the organisation's active members in one team: how many moved, and
    the team as `team_name()` and `as_spelt()` read it. Ids of anyone else (another
    organisation's member, someone who left) are ignored."""
    team = as_spelt(organisation.id, team_name(team))
    memberships = db.session.scalars(
        select(Membership).where(
            Membership.organisation_id == organisation.id,
            Membership.left_at.is_(None),
            Membership.id.in_(membership_ids),
        )
    ).all()
    return sum(_move(membership, team) for membership in memberships), team


def teams(organisation_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Membership.team)
            .where(
                Membership.organisation_id == organisation_id,
                Membership.left_at.is_(None),
                Membership.team.is_not(None),
                Membership.team != "",
            )
            .distinct()
            .order_by(Membership.team)
        )
    )
