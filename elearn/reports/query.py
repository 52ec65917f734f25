"""What a coverage report is asked: a period, the moment the figures are worked out, and
one course or all; and the headline figures it answers with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from elearn.reports.periods import Period


@dataclass(frozen=True)
class ReportQuery:
    period: Period
    now: datetime
    course: str | None = None


@dataclass(frozen=True)
class Headline:
    people_trained: int
    completions: int
    previous_people_trained: int
    valid_now: int
    refresher_due: int
    expired: int
