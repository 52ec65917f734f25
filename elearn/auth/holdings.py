"""The words of elearn's declaration of personal data (elearn/auth/personal_data.py), and
how it is applied: finding a person's rows, exporting them and erasing them.

A `Holding` is a set of rows of one table that hold a person's data, found one way (their
certificates, the invitations sent to their address, the notes that mention them). Each
of its `Field`s says how one column is exported and how it is erased, so that the export
and the erasure are made from the same declaration and cannot drift apart.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, delete, false, or_, select, update

from elearn.extensions import db

REMOVED = "(removed)"

# value, row, person -> a new value (erasure) or what the download shows (export)
Rule = Callable[[Any, Any, "Person"], Any]


@dataclass(frozen=True)
class Person:
    """Who is being exported or erased: their account's id, the addresses and names they
    are known by anywhere in elearn, and the audit subjects ("certificate", "12") that
    are theirs."""

    id: int
    emails: frozenset[str]
    names: frozenset[str]
    subjects: dict[str, frozenset[str]] = field(default_factory=dict, hash=False)

    @cached_property
    def _pattern(self) -> re.Pattern | None:
        terms = sorted(self.emails | self.names, key=len, reverse=True)
        if not terms:
            return None
        alternatives = "|".join(re.escape(term) for term in terms)
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def mentions(self, column, emails_only: bool = False) -> ColumnElement[bool]:
        """Rows whose text or JSON column may mention the person, narrowed in SQL (as
        stored: JSON escapes letters beyond ASCII); `scrub` then decides."""
        terms = self.emails if emails_only else self.emails | self.names
        stored = cast(column, Text)
        forms = {form for term in terms for form in (term, json.dumps(term)[1:-1])}
        return or_(false(), *(stored.ilike(f"%{_like(form)}%", escape="\\") for form in forms))

    def owns(self, subject_type: str | None, subject_id: str | None) -> bool:
        return subject_id in self.subjects.get(subject_type or "", ())

    def scrub(self, value: Any) -> Any:
        """The value with each mention of the person's names and addresses replaced by
        (removed): text, or the strings anywhere in JSON."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self._pattern.sub(REMOVED, value)
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: self.scrub(item) for key, item in value.items()}
        return value


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- how a column is exported ------------------------------------------------------------


def plain(value: Any) -> Any:
    """As stored; dates and times as ISO 8601."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def as_is(value, row, person) -> Any:
    return plain(value)


def secret(value, row, person) -> str | None:
    """A password hash or a two-step secret: whether one is held, never the thing."""
    return "held, not shown" if value else None


def file(value, row, person) -> str | None:
    """An uploaded file, as base64 (its name and type are their own columns)."""
    return base64.b64encode(value).decode("ascii") if value is not None else None


def described(text: str) -> Rule:
    """For a column whose content is exported elsewhere: says where."""
    return lambda value, row, person: text


# --- how a column is erased ---------------------------------------------------------------


@dataclass(frozen=True)
class Erase:
    how: str  # in words, for the documentation and the reader of the declaration
    value: Rule | None = None  # the new value; None: the column is kept as it is
    constant: bool = False  # the same new value for every row: one UPDATE does them all


KEEP = Erase("kept: anonymous once the account is")
CLEAR = Erase("cleared", lambda *_: None, constant=True)
SCRUB = Erase("their names and addresses removed", lambda value, row, person: person.scrub(value))


def replaced_by(new: Any) -> Erase:
    return Erase(f"replaced by {new!r}", lambda *_: new, constant=True)


def erased_by(how: str, rule: Rule) -> Erase:
    return Erase(how, rule)


@dataclass(frozen=True)
class Field:
    export: Rule
    erase: Erase


KEPT = Field(as_is, KEEP)


@dataclass(frozen=True)
class Holding:
    """Rows of one table that hold a person's data, found one way."""

    section: str  # its name in the download
    model: type
    find: Callable[[Person], ColumnElement[bool]]
    fields: dict[str, Field]
    about: str  # what these rows are, in the person's words, for the download
    delete_rows: bool = False  # erasure deletes the rows found (fields then say "deleted")
    single: bool = False  # one row at most: the download shows an object, not a list
    also: dict[str, Callable[[Any], Any]] = field(default_factory=dict)  # shown beside the
    # fields: facts about the row that are nobody's personal data (an organisation's name)

    @property
    def table(self) -> str:
        return self.model.__table__.name

    def rows(self, person: Person):
        key = self.model.__mapper__.primary_key
        return db.session.scalars(select(self.model).where(self.find(person)).order_by(*key))

    def export(self, person: Person) -> list[dict] | dict | None:
        shown = [self._shown(row, person) for row in self.rows(person)]
        if self.single:
            return shown[0] if shown else None
        return shown

    def _shown(self, row, person: Person) -> dict:
        fields = {
            name: f.export(getattr(row, name), row, person) for name, f in self.fields.items()
        }
        return fields | {name: plain(rule(row)) for name, rule in self.also.items()}

    def erase(self, person: Person) -> None:
        """Erase the rows found, in the caller's transaction."""
        if self.delete_rows:
            db.session.execute(
                delete(self.model)
                .where(self.find(person))
                .execution_options(synchronize_session=False)
            )
            return
        changing = {name: f.erase for name, f in self.fields.items() if f.erase.value is not None}
        if not changing:
            return
        if all(erase.constant for erase in changing.values()):
            db.session.execute(
                update(self.model)
                .where(self.find(person))
                .values({name: erase.value(None, None, person) for name, erase in changing.items()})
                .execution_options(synchronize_session=False)
            )
            return
        for row in self.rows(person):
            for name, erase in changing.items():
                old = getattr(row, name)
                new = erase.value(old, row, person)
                if new != old:
                    setattr(row, name, new)
        db.session.flush()
