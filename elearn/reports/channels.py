"""Training by channel: for the period, people trained and completions per channel
(e-learning, face-to-face, done elsewhere), per course and over every course, as one
statement; attendees with no account count as face-to-face (attendees.py)."""

from __future__ import annotations

from sqlalchemy import distinct, func, literal, select, union_all

from elearn.extensions import db
from elearn.models import Completion, CompletionMethod
from elearn.reports import attendees
from elearn.reports.aggregates import TOTAL
from elearn.reports.query import CHANNELS, ReportQuery


def by_channel(query: ReportQuery) -> dict[tuple[str, str], tuple[int, int]]:
    """(people trained, completions) by (course, channel), and by (TOTAL, channel) over
    every course (each person once per channel)."""
    period = query.period
    dated = (
        Completion.completed_at >= period.starts_at,
        Completion.completed_at < period.ends_before,
        *((Completion.course_slug == query.course,) if query.course else ()),
        *((Completion.method == query.channel,) if query.channel else ()),
    )
    people, done = func.count(distinct(Completion.user_id)), func.count()
    arms = [
        select(Completion.course_slug, Completion.method, people, done)
        .where(*dated)
        .group_by(Completion.course_slug, Completion.method),
        select(literal(TOTAL), Completion.method, people, done)
        .where(*dated)
        .group_by(Completion.method),
    ]
    if query.counts_attendees:
        attended = func.count(distinct(attendees.person()))
        face_to_face = literal(str(CompletionMethod.FACE_TO_FACE))
        arms += [
            attendees.attendees(query, period)
            .add_columns(attendees.course, face_to_face, attended, func.count())
            .group_by(attendees.course),
            attendees.attendees(query, period).add_columns(
                literal(TOTAL), face_to_face, attended, func.count()
            ),
        ]
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    for course, channel, trained, completions in db.session.execute(union_all(*arms)):
        if not completions:  # the attendees' total arm when there are none
            continue
        before = counts.get((course, channel), (0, 0))
        counts[(course, channel)] = (before[0] + trained, before[1] + completions)
    return counts


def channel_rows(query: ReportQuery, counts: dict[tuple[str, str], tuple[int, int]]):
    """The table's rows: each course with any training in the period, then every course
    together ("course" TOTAL), each with a row per channel shown (the query's, or all)."""
    channels = [query.channel] if query.channel else list(CHANNELS)
    courses = sorted({course for course, _ in counts if course != TOTAL})
    rows = []
    for course in [*courses, TOTAL] if courses else []:
        for channel in channels:
            trained, completions = counts.get((course, channel), (0, 0))
            rows.append(
                {
                    "course": course,
                    "channel": channel,
                    "channel_name": CHANNELS[channel],
                    "people_trained": trained,
                    "completions": completions,
                }
            )
    return rows
