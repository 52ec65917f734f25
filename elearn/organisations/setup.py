"""A new organisation's first steps: the checklist its manager sees until they are done."""

from __future__ import annotations

from dataclasses import dataclass

from elearn.models import Organisation


@dataclass(frozen=True)
class SetupStep:
    title: str
    hint: str
    endpoint: str
    done: bool


def setup_steps(
    organisation: Organisation, members: int, pending: int, required: list[str]
) -> list[SetupStep]:
    """What a new organisation's manager does first; the checklist shows until all are done."""
    return [
        SetupStep(
            "Invite your people",
            "By email, from a spreadsheet, or with a join code they type in",
            "organisations.invitations",
            members > 1 or pending > 0 or organisation.join_code_enabled,
        ),
        SetupStep(
            "Choose the training they must complete",
            "Pick courses and set a date by which each must be done",
            "organisations.assignments",
            bool(required),
        ),
        SetupStep(
            "Tell us how many people you have",
            "So that you and the Community Safety Team can see how much of it is trained",
            "organisations.headcount",
            organisation.headcount is not None,
        ),
    ]
