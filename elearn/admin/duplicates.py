"""Is a registration a second one of an organisation already known?

A request to register is compared with every other organisation (approved, pending,
declined or deactivated) in two ways, and flagged for CST to check before approving:

- its name: the same once case, punctuation, "&"/"and", a leading "The" and legal
  endings (Ltd, Limited, PLC, LLP...) are set aside, or similar: difflib's ratio of the
  two names so normalised is at least SIMILAR_NAMES. Only names that share a word with
  it are compared, and of its words only those few organisations use (at most
  COMMON_WORD of them: "London" or "Trust" alone would bring in hundreds), unless all of
  its words are common, when a name must have them all;
- its contact's email domain: the same as another organisation's contact, one of its
  email domains (those whose verified addresses join it automatically) or one of its
  managers'. Webmail domains (gmail.com, outlook.com...) say nothing about who someone
  works for, so they are never compared.

Pure functions over plain values: the view loads what is compared in one query each.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

SIMILAR_NAMES = 0.85
COMMON_WORD = 20
LEGAL_ENDINGS = {
    "ltd",
    "limited",
    "plc",
    "llp",
    "lp",
    "inc",
    "incorporated",
    "co",
    "company",
    "corp",
    "corporation",
    "cic",
    "uk",
}
WEBMAIL = {
    "aol.com",
    "btinternet.com",
    "gmail.com",
    "googlemail.com",
    "hotmail.co.uk",
    "hotmail.com",
    "icloud.com",
    "live.co.uk",
    "live.com",
    "me.com",
    "msn.com",
    "outlook.com",
    "proton.me",
    "protonmail.com",
    "sky.com",
    "talktalk.net",
    "virginmedia.com",
    "yahoo.co.uk",
    "yahoo.com",
}


@dataclass(frozen=True)
class Known:
    """An organisation a registration is compared with, and its email domains."""

    id: int
    name: str
    status: str
    domains: frozenset[str] = frozenset()


@dataclass
class Match:
    """Another organisation a registration may duplicate, and why."""

    id: int
    name: str
    status: str
    reasons: list[str] = field(default_factory=list)


@lru_cache(maxsize=16384)
def name_key(name: str) -> str:
    """A name as compared: "The Cheapside Coffee Co. Ltd" -> "cheapside coffee".

    Remembered: every organisation's name is compared on every view of the tasks page."""
    words = re.sub(r"[^\w\s]", " ", name.lower().replace("&", " and ")).split()
    if words and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in LEGAL_ENDINGS:
        words.pop()
    return " ".join(words)


def email_domain(email: str | None) -> str | None:
    """The domain of an address (or a domain itself), unless it is a webmail one."""
    domain = (email or "").rpartition("@")[2].strip().lower()
    return domain if domain and domain not in WEBMAIL else None


def possible_duplicates(
    registrations: Iterable[Known], known: Iterable[Known]
) -> dict[int, list[Match]]:
    """For each registration, the other organisations it may be a second registration of."""
    known = list(known)
    by_key: dict[str, list[Known]] = defaultdict(list)
    by_word: dict[str, list[Known]] = defaultdict(list)
    by_domain: dict[str, list[Known]] = defaultdict(list)
    for other in known:
        key = name_key(other.name)
        by_key[key].append(other)
        for word in set(key.split()):
            by_word[word].append(other)
        for domain in other.domains:
            by_domain[domain].append(other)
    return {
        registration.id: _matches(registration, by_key, by_word, by_domain)
        for registration in registrations
    }


def _matches(registration: Known, by_key, by_word, by_domain) -> list[Match]:
    found: dict[int, Match] = {}

    def add(other: Known, reason: str) -> None:
        if other.id == registration.id:
            return
        match = found.setdefault(other.id, Match(other.id, other.name, other.status))
        if reason not in match.reasons:
            match.reasons.append(reason)

    key = name_key(registration.name)
    for other in by_key.get(key, ()):
        add(other, "the same name")
    for other in _sharing_words(key, by_word):
        if other.id not in found and similar(key, name_key(other.name)):
            add(other, "a similar name")
    for domain in sorted(registration.domains):
        for other in by_domain.get(domain, ()):
            add(other, f"the same email domain ({domain})")
    return sorted(found.values(), key=lambda match: (match.name.lower(), match.id))


def _sharing_words(key: str, by_word) -> list[Known]:
    """The organisations whose names share this name's distinctive words, or all of its
    words when none is distinctive."""
    postings = [by_word.get(word, []) for word in set(key.split())]
    rare = [posting for posting in postings if len(posting) <= COMMON_WORD]
    if rare:
        return list({other.id: other for posting in rare for other in posting}.values())
    if not postings:
        return []
    common = set.intersection(*({other.id for other in posting} for posting in postings))
    return [other for other in min(postings, key=len) if other.id in common]


def similar(key: str, other: str) -> bool:
    matcher = SequenceMatcher(None, key, other)
    return (
        matcher.real_quick_ratio() >= SIMILAR_NAMES
        and matcher.quick_ratio() >= SIMILAR_NAMES
        and matcher.ratio() >= SIMILAR_NAMES
    )
