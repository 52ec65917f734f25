"""Local contacts: one file (content/contacts.yaml) that every course refers to by key.

Phone numbers, referral routes and helplines change more often than courses. They are
kept once, each with the day it was last confirmed and the page it was checked against,
and modules name them: `[[contact:KEY]]` alone on a line becomes a contact card, and
inside a sentence becomes the contact's name with its phone number. A deployment edits
this one file when a number changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from elearn.courses.problems import Problem
from elearn.dates import london_today

CONTACTS_FILE = "contacts.yaml"
REFERENCE = re.compile(r"\[\[contact:(?P<key>[^\]\s]*)\]\]")
STANDALONE = re.compile(r"^(?P<indent>[ \t]*)\[\[contact:(?P<key>[^\]\s]*)\]\][ \t]*$", re.M)
KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ROUTES = ("phone", "text", "email", "url")
FIELDS = {
    "name": "the contact's name",
    "use_for": "what to contact it for",
    "phone": "a phone number",
    "text": "a number for text messages",
    "email": "an email address",
    "url": "an https:// web address",
    "hours": "opening hours",
    "note": "a note",
    "topic": "the heading it is listed under on the contacts page",
    "confirmed": "the date the details were last confirmed",
    "source": "the https:// page they were confirmed against",
}
REQUIRED = ("name", "use_for", "confirmed", "source")


@dataclass(frozen=True)
class Contact:
    key: str
    name: str
    use_for: str
    confirmed: date
    source: str
    phone: str | None = None
    text: str | None = None
    email: str | None = None
    url: str | None = None
    hours: str | None = None
    note: str | None = None
    topic: str | None = None

    @property
    def url_shown(self) -> str | None:
        """The web address as people read it: no scheme, no www, no trailing slash."""
        if not self.url:
            return None
        return self.url.removeprefix("https://").removeprefix("www.").rstrip("/")

    @property
    def phone_href(self) -> str | None:
        if not self.phone:
            return None
        digits = re.sub(r"[^\d+]", "", self.phone)
        return f"tel:{digits}"


def load_contacts(content_dir: Path, label: str) -> tuple[dict[str, Contact], list[Problem]]:
    """The contacts in content_dir/contacts.yaml (none if there is no such file)."""
    path = Path(content_dir) / CONTACTS_FILE
    if not path.is_file():
        return {}, []
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return {}, [Problem(label, line, "contacts file is not valid YAML")]
    if not isinstance(data, dict):
        return {}, [Problem(label, 1, "contacts file must map each key to a contact")]
    lines = _key_lines(text)
    contacts: dict[str, Contact] = {}
    problems: list[Problem] = []
    for key, entry in data.items():
        line = lines.get(str(key), 1)
        found = contact_problems(key, entry)
        problems.extend(Problem(label, line, f"contact '{key}': {p}") for p in found)
        if not found:
            contacts[key] = Contact(key=key, **{k: _text(v) for k, v in entry.items()})
    return contacts, problems


def contact_problems(key: object, entry: object) -> list[str]:
    """What is wrong with one entry of the contacts file."""
    if not isinstance(key, str) or not KEY.match(key):
        return ["the key must be lowercase letters, digits and hyphens"]
    if not isinstance(entry, dict):
        return ["must be a set of 'field: value' lines"]
    problems = [
        f"unknown field '{field}' (known fields: {', '.join(FIELDS)})"
        for field in entry
        if field not in FIELDS
    ]
    problems += [f"missing {FIELDS[f]} ('{f}')" for f in REQUIRED if not entry.get(f)]
    confirmed = entry.get("confirmed")
    if confirmed is not None and not isinstance(confirmed, date):
        problems.append("'confirmed' must be a date like 2026-12-04")
    elif isinstance(confirmed, date) and confirmed > london_today():
        problems.append(f"'confirmed' date {confirmed.isoformat()} is in the future")
    for field in ("url", "source"):
        value = entry.get(field)
        if value is not None and not str(value).startswith("https://"):
            problems.append(f"'{field}' must be a full https:// address")
    if not any(entry.get(route) for route in ROUTES):
        problems.append("needs at least one way to reach it: phone, text, email or url")
    return problems


def by_topic(contacts: dict[str, Contact]) -> dict[str, list[Contact]]:
    """The contacts under their topics, each topic where its first contact is in the file."""
    topics: dict[str, list[Contact]] = {}
    for contact in contacts.values():
        topics.setdefault(contact.topic or "Other contacts", []).append(contact)
    return topics


def expand_references(text: str, contacts: dict[str, Contact]) -> str:
    """Markdown with each known `[[contact:KEY]]` written out: a card, or a name in a sentence."""

    def card(match: re.Match) -> str:
        contact = contacts.get(match["key"])
        if contact is None:
            return match[0]
        return "\n".join(match["indent"] + line for line in _card(contact).splitlines())

    def inline(match: re.Match) -> str:
        contact = contacts.get(match["key"])
        return match[0] if contact is None else _inline(contact)

    return REFERENCE.sub(inline, STANDALONE.sub(card, text))


def unknown_references(text: str, contacts: dict[str, Contact]) -> list[str]:
    return [match["key"] for match in REFERENCE.finditer(text) if match["key"] not in contacts]


def _card(contact: Contact) -> str:
    routes = [
        f"- Phone: [{contact.phone}]({contact.phone_href})" if contact.phone else "",
        f"- Text: {contact.text}" if contact.text else "",
        f"- Email: [{contact.email}](mailto:{contact.email})" if contact.email else "",
        f"- Online: [{contact.url_shown}]({contact.url})" if contact.url else "",
        f"- Hours: {contact.hours}" if contact.hours else "",
    ]
    body = [contact.use_for, "", *[route for route in routes if route]]
    if contact.note:
        body += ["", contact.note]
    body += ["", f"*Details last confirmed {_long_date(contact.confirmed)}.*"]
    title = contact.name.replace('"', "'")
    return "\n".join([f'!!! contact "{title}"', *[f"    {line}" if line else "" for line in body]])


def _inline(contact: Contact) -> str:
    href = contact.url or (f"mailto:{contact.email}" if contact.email else None)
    name = f"[{contact.name}]({href})" if href else contact.name
    number = contact.phone or (f"text {contact.text}" if contact.text else None)
    return f"{name} ({number})" if number else name


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _text(value: object) -> object:
    return value if isinstance(value, date) else str(value).strip()


def _key_lines(text: str) -> dict[str, int]:
    return {
        match[1]: text.count("\n", 0, match.start()) + 1
        for match in re.finditer(r"^([^\s#:][^:]*):", text, re.M)
    }
