"""What a coverage report is asked: a period, the moment the figures are worked out, one
course or all, and one channel or all; and the headline figures it answers with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from elearn.models import CompletionMethod
from elearn.reports.periods import Period

TOTAL = ""  # the key of a figure over every course

# The channels training comes by, as the filter and the tables name them: a completion's
# method. Face-to-face also counts people with no account who attended a session.
CHANNELS: dict[str, str] = {
    CompletionMethod.E_LEARNING: "E-learning",
    CompletionMethod.FACE_TO_FACE: "Face-to-face",
    CompletionMethod.EXTERNAL: "Training done elsewhere",
}
CHANNEL_ALIASES = {"elsewhere": CompletionMethod.EXTERNAL}


def channel_from(value: str | None) -> str | None:
    """The channel a filter value names (None for all channels, or anything unknown)."""
    value = CHANNEL_ALIASES.get(value or "", value)
    return str(value) if value in CHANNELS else None


def channel_only(channel: str | None) -> str | None:
    """'Face-to-face only', for a title or description; None for all channels."""
    return f"{CHANNELS[channel]} only" if channel else None


@dataclass(frozen=True)
class ReportQuery:
    period: Period
    now: datetime
    course: str | None = None
    channel: str | None = None  # a CompletionMethod; None for every channel

    @property
    def counts_attendees(self) -> bool:
        """Whether people with no account who attended a session count (face-to-face)."""
        return self.channel in (None, CompletionMethod.FACE_TO_FACE)


@dataclass(frozen=True)
class Headline:
    people_trained: int
    completions: int
    previous_people_trained: int
    valid_now: int
    refresher_due: int
    expired: int
