"""A synthetic City-scale population, inserted in bulk.

1,000 organisations across every sector (one with 5,000 members), 100,000 learners (some
in two organisations, some who left), required training, 250,000 completions over three
years (some expired, some refreshers), their certificates and credits, and 500,000 quiz
attempts. Rows go in through executemany on the DBAPI connection, in one transaction per
table; on SQLite the whole population takes well under a minute.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert

from elearn.certificates.codes import ALPHABET
from elearn.courses.standing import standing_select
from elearn.dates import add_months
from elearn.models import (
    Assignment,
    Certificate,
    Completion,
    CourseStanding,
    Membership,
    Organisation,
    QuizAttempt,
    User,
    completion_organisation,
)

SECTOR_SHARES = {
    "business": 0.55,
    "voluntary": 0.12,
    "early_years": 0.08,
    "faith": 0.08,
    "school": 0.05,
    "health": 0.03,
    "corporation_department": 0.02,
    "higher_education": 0.02,
    "further_education": 0.02,
    "police": 0.01,
    "other": 0.02,
}
# Months each completion stays valid. Earlier editions of the hate crime courses were valid
# for two years, so three years of history includes expired certificates.
COURSES = {"wrap": 36, "hate-crime": 24, "facing-facts": 24}
# SQLite's page cache while the population goes in: with its default 2 MB, the indexes of
# the big tables do not fit, and their pages are written out and read back again.
BUILD_CACHE_KIB = 512 * 1024
PASSWORD_HASH = "scrypt:32768:8:1$benchmark$" + "0" * 128  # no one signs in with it


@dataclass(frozen=True)
class Scale:
    organisations: int = 1_000
    learners: int = 100_000
    completions: int = 250_000
    attempts_per_completion: int = 2
    large_organisation: int = 5_000


@dataclass
class Population:
    organisation_ids: list[int]
    large_organisation_id: int
    large_manager_id: int
    admin_id: int
    learner_ids: list[int]
    counts: dict[str, int]


def build(engine: Engine, scale: Scale = Scale(), seed: int = 2026) -> Population:
    """Insert the population into an empty, migrated database."""
    rng = random.Random(seed)
    now = datetime.now(UTC)

    def stamp(moment: datetime) -> datetime:
        return moment

    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(f"PRAGMA cache_size = -{BUILD_CACHE_KIB}")
        organisations = _organisations(rng, scale, stamp(now))
        connection.execute(insert(Organisation), organisations)
        organisation_ids = [row["id"] for row in organisations]
        users = _users(scale, stamp(now))
        for start in range(0, len(users), 20_000):
            connection.execute(insert(User), users[start : start + 20_000])
        learner_ids = [row["id"] for row in users[1:]]
        memberships, homes = _memberships(rng, scale, organisation_ids, learner_ids, stamp, now)
        connection.execute(insert(Membership), memberships)
        connection.execute(insert(Assignment), _assignments(rng, organisation_ids, now))
        completions, credits, certificates, attempts = _learning(
            rng, scale, learner_ids, homes, stamp, now
        )
        for table, rows in (
            (Completion, completions),
            (completion_organisation, credits),
            (Certificate, certificates),
            (QuizAttempt, attempts),
        ):
            bulk_insert(connection, table, rows)
        connection.execute(
            insert(CourseStanding).from_select(
                ["user_id", "course_slug", "completed_at", "expires_at"], standing_select()
            )
        )
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA cache_size = -2000")  # SQLite's default
        else:
            _catch_up_sequences(connection)
    large = organisation_ids[0]
    manager = next(
        m["user_id"]
        for m in memberships
        if m["organisation_id"] == large and m["role"] == "manager"
    )
    return Population(
        organisation_ids=organisation_ids,
        large_organisation_id=large,
        large_manager_id=manager,
        admin_id=users[0]["id"],
        learner_ids=learner_ids,
        counts={
            "organisations": len(organisations),
            "learners": len(learner_ids),
            "memberships": len(memberships),
            "completions": len(completions),
            "certificates": len(certificates),
            "attempts": len(attempts),
        },
    )


def bulk_insert(connection, table, rows: list[dict]) -> None:
    """Insert many rows straight through the driver: on PostgreSQL with COPY, on SQLite
    with executemany and values already in the form SQLAlchemy stores (naive UTC datetimes
    as text). Either is several times faster than binding each value through SQLAlchemy's
    column types. The rows share their few JSON values, each encoded once."""
    if not rows:
        return
    table = getattr(table, "__table__", table)
    columns = list(rows[0])
    encoded: dict[int, str] = {}

    def json_of(value) -> str:
        if id(value) not in encoded:
            encoded[id(value)] = json.dumps(value)
        return encoded[id(value)]

    driver = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        names = ", ".join(columns)
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(
                    [json_of(v) if isinstance(v, list | dict) else v for v in map(row.get, columns)]
                )
        return

    def stored(value):
        if isinstance(value, datetime):
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        return json_of(value) if isinstance(value, list | dict) else value

    placeholders = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608  # nosec B608 - our own column names
    driver.executemany(statement, ([stored(row[c]) for c in columns] for row in rows))


def _catch_up_sequences(connection) -> None:
    """Rows went in with their ids given: PostgreSQL's sequences must start after them."""
    for table in ("organisation", "user_account", "completion"):
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608  # nosec B608 - our own table names
        )


def _organisations(rng: random.Random, scale: Scale, now) -> list[dict]:
    sectors = rng.choices(
        list(SECTOR_SHARES), weights=list(SECTOR_SHARES.values()), k=scale.organisations
    )
    sectors[0] = "business"
    return [
        {
            "id": index + 1,
            "name": f"Bench organisation {index + 1:04}" if index else "Bench Mega Corp",
            "sector": sector,
            "status": "approved",
            "headcount": None,
            "join_code_enabled": False,
            "created_at": now,
        }
        for index, sector in enumerate(sectors)
    ]


def _users(scale: Scale, now) -> list[dict]:
    admin = {
        "id": 1,
        "email": "bench.admin@example.org",
        "full_name": "Bench Admin",
        "password_hash": PASSWORD_HASH,
        "active": True,
        "is_cst_admin": True,
        "session_version": 1,
        "created_at": now,
        "updated_at": now,
    }
    return [admin] + [
        {
            "id": number + 2,
            "email": f"learner{number}@bench.example",
            "full_name": f"Learner {number}",
            "password_hash": PASSWORD_HASH,
            "active": True,
            "is_cst_admin": False,
            "session_version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for number in range(scale.learners)
    ]


def _memberships(rng, scale, organisation_ids, learner_ids, stamp, now):
    """Everyone in one organisation (5,000 in the first), 5% in a second, 3% who left."""
    rows, homes = [], {}
    others = organisation_ids[1:]
    for index, user_id in enumerate(learner_ids):
        home = organisation_ids[0] if index < scale.large_organisation else rng.choice(others)
        homes[user_id] = [home]
        left = stamp(now - timedelta(days=rng.randint(1, 700))) if rng.random() < 0.03 else None
        role = "manager" if index % 500 == 0 else "member"
        team = f"Team {rng.randint(1, 12)}"
        rows.append(
            {
                "user_id": user_id,
                "organisation_id": home,
                "role": role,
                "team": team,
                "joined_at": stamp(now - timedelta(days=900)),
                "left_at": left,
            }
        )
        if rng.random() < 0.05:
            second = rng.choice(
                [o for o in (rng.choice(others), rng.choice(others)) if o != home] or [others[0]]
            )
            if second != home:
                homes[user_id].append(second)
                rows.append(
                    {
                        "user_id": user_id,
                        "organisation_id": second,
                        "role": "member",
                        "team": None,
                        "joined_at": stamp(now - timedelta(days=400)),
                        "left_at": None,
                    }
                )
    return rows, homes


def _assignments(rng, organisation_ids, now) -> list[dict]:
    rows = []
    for organisation_id in organisation_ids:
        rows.append(
            {
                "organisation_id": organisation_id,
                "course_slug": "wrap",
                "team": "",
                "due_on": (now + timedelta(days=rng.randint(-200, 200))).date(),
            }
        )
        if rng.random() < 0.3:
            rows.append(
                {
                    "organisation_id": organisation_id,
                    "course_slug": "hate-crime",
                    "team": "",
                    "due_on": (now + timedelta(days=rng.randint(-200, 200))).date(),
                }
            )
    return rows


SNAPSHOT = [
    {
        "id": "q1",
        "text": "Benchmark question",
        "multiple": False,
        "options": [],
        "scenario_html": "",
        "explanation_html": "",
    }
]


NO_ANSWERS: dict = {}


def _learning(rng, scale, learner_ids, homes, stamp, now):
    completions, credits, certificates, attempts = [], [], [], []
    sequences: dict[tuple[int, str], int] = {}
    three_years = 3 * 365 * 24 * 3600
    for completion_id in range(1, scale.completions + 1):
        user_id = rng.choice(learner_ids)
        course = rng.choices(list(COURSES), weights=(5, 3, 2))[0]
        sequence = sequences[(user_id, course)] = sequences.get((user_id, course), 0) + 1
        completed = now - timedelta(seconds=rng.randint(0, three_years))
        expires = add_months(completed, COURSES[course])
        method = "e-learning" if rng.random() < 0.95 else "external"
        completions.append(
            {
                "id": completion_id,
                "user_id": user_id,
                "course_slug": course,
                "course_version": "2026.1",
                "sequence": sequence,
                "completed_at": stamp(completed),
                "expires_at": stamp(expires),
                "method": method,
            }
        )
        for organisation_id in homes[user_id]:
            credits.append({"completion_id": completion_id, "organisation_id": organisation_id})
        if method == "e-learning":
            certificates.append(
                {
                    "code": "".join(rng.choices(ALPHABET, k=28)),
                    "completion_id": completion_id,
                    "user_id": user_id,
                    "name_printed": f"Learner {user_id}",
                    "course_slug": course,
                    "course_title": course,
                    "course_version": "2026.1",
                    "method": method,
                    "issuer": "Community Safety Team, City of London Corporation",
                    "completed_at": stamp(completed),
                    "expires_at": stamp(expires),
                    "issued_at": stamp(completed),
                }
            )
        for attempt in range(scale.attempts_per_completion):
            passed = attempt == scale.attempts_per_completion - 1
            attempts.append(
                {
                    "public_id": f"{rng.getrandbits(128):032x}",
                    "user_id": user_id,
                    "course_slug": course,
                    "module_slug": "knowledge-check",
                    "course_version": "2026.1",
                    "status": "submitted",
                    "questions": SNAPSHOT,
                    "answers": NO_ANSWERS,
                    "correct_count": 12 if passed else 6,
                    "question_count": 12,
                    "score": 100 if passed else 50,
                    "pass_mark": 80,
                    "passed": passed,
                    "started_at": stamp(completed - timedelta(minutes=20 - attempt)),
                    "submitted_at": stamp(completed - timedelta(minutes=10 - attempt)),
                }
            )
    return completions, credits, certificates, attempts
