"""A short summary of the figures in plain English, for a committee paper."""

from __future__ import annotations

from elearn.models import CompletionMethod
from elearn.reports.periods import Period
from elearn.reports.query import Headline
from elearn.web.filters import counted


def change(current: int, previous: int) -> str:
    if previous == 0:
        return "with none in the previous period"
    percent = round(100 * (current - previous) / previous)
    if percent == 0:
        return "the same as the previous period"
    return f"{'up' if percent > 0 else 'down'} {abs(percent)}% on the previous period"


# What people completed, in a sentence, for a report of one channel.
TRAINING = {
    CompletionMethod.E_LEARNING: "e-learning",
    CompletionMethod.FACE_TO_FACE: "face-to-face training",
    CompletionMethod.EXTERNAL: "training elsewhere",
}


def people(count: int) -> str:
    return counted(count, "person", "people")


def summary(
    headline: Headline, courses: list[dict], period: Period, channel: str | None = None
) -> list[str]:
    training = TRAINING.get(channel, "training")
    sentences = [
        f"{people(headline.people_trained)} completed {training} between "
        f"{period.describe().replace(' to ', ' and ')}, "
        f"{change(headline.people_trained, headline.previous_people_trained)}."
    ]
    for row in courses:
        if row["people_trained"] or row["previous_people_trained"]:
            sentences.append(
                f"{people(row['people_trained'])} completed {row['title']}, "
                f"{change(row['people_trained'], row['previous_people_trained'])}."
            )
    sentences.append(
        f"{headline.valid_now:,} completions are valid now, {headline.refresher_due:,} are due a "
        f"refresher within 30 days and {headline.expired:,} have expired."
    )
    covered = [row for row in courses if row["coverage"] is not None]
    for row in covered:
        sentences.append(
            f"Where organisations require {row['title']}, {row['coverage']:.1f}% of the members "
            f"who must take it have a valid completion ({row['trained_of_required']:,} of "
            f"{row['required_of']:,})."
        )
    return sentences
