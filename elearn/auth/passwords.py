"""Password rules (NCSC, GOV.UK and ASVS 5.0): long enough, not a common password, not the
person's own name or email address, not the service's own words. No composition rules,
no expiry, paste allowed.

Every password is put in Unicode NFC (`nfc`) before it is checked or hashed, so an
accent typed as one character and one typed as a letter and a combining mark (as some
keyboards and pasted text give it) are the same password.

The common passwords are the 100,000 most used (data/README.md says where from), read
once per process into a sorted array of 64-bit fingerprints: 0.8 MB, looked up by
bisection.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from array import array
from bisect import bisect_left
from functools import cache
from hashlib import blake2b
from pathlib import Path
from typing import NamedTuple

from flask_login import current_user
from wtforms.validators import ValidationError

COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt"

TOO_COMMON = "Choose a password that is harder to guess: it is too common"
TOO_PERSONAL = "Choose a password that does not include your name or email address"

# The words of this service, which people reach for first: refused alone, with a few
# digits or symbols, or as most of a password.
SERVICE_WORDS = frozenset(
    {
        *("elearn", "elearning", "e-learning", "training", "trainingpassword", "workshop"),
        *("cityoflondon", "city-of-london", "cityoflondoncorporation", "corporation"),
        *("communitysafety", "community", "safety", "prevent", "preventduty", "wrap"),
        *("hatecrime", "facingfacts", "counterterrorism"),
        *("guildhall", "squaremile", "barbican"),
    }
)
# Common in London, and not always in a list drawn from elsewhere.
LOCAL_WORDS = frozenset(
    {
        *("london", "england", "unitedkingdom", "britain", "qwertyuiop123", "passw0rd1"),
        *("arsenal", "chelsea", "tottenham", "liverpool", "manchester", "everton"),
        *("westham", "fulham", "millwall", "crystalpalace", "brentford"),
    }
)

EDGES = re.compile(r"^[\W\d_]{0,5}(.*?)[\W\d_]{0,5}$", re.S)  # a few digits or symbols
NOT_LETTERS = re.compile(r"[\W\d_]+")
LOOK_ALIKES = (  # Pa$$w0rd is password; 1 may be an i or an l
    str.maketrans("0134@5$7+!|", "oieaasstti" + "l"),
    str.maketrans("0134@5$7+!|", "oleaasstti" + "l"),
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def squeezed(text: str) -> str:
    """Compared as people type it: NFC, without case or spaces."""
    return "".join(nfc(text).casefold().split())


def _fingerprint(word: str) -> int:
    return int.from_bytes(blake2b(word.encode(), digest_size=8).digest(), "big")


@cache
def common_fingerprints() -> array:
    """The common passwords (and this service's words), read once per process."""
    words = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    prints = {_fingerprint(squeezed(word)) for word in words if word.strip()}
    prints.update(_fingerprint(word) for word in SERVICE_WORDS | LOCAL_WORDS)
    return array("Q", sorted(prints))


def on_common_list(word: str) -> bool:
    prints = common_fingerprints()
    wanted = _fingerprint(word)
    at = bisect_left(prints, wanted)
    return at < len(prints) and prints[at] == wanted


def _repeated(word: str) -> str | None:
    """The part a word repeats (passwordpassword: password), if it is only that."""
    for size in range(1, len(word) // 2 + 1):
        if len(word) % size == 0 and word[:size] * (len(word) // size) == word:
            return word[:size]
    return None


def variants(password: str) -> set[str]:
    """The forms of a password a guesser tries first: as it is, repeated part, without a
    few digits or symbols at either end, and with look-alike characters read as letters."""
    word = squeezed(password)
    forms = {word, _repeated(word) or word}
    for form in list(forms):
        core = EDGES.match(form).group(1)
        for base in (form, core):
            forms.add(base)
            forms.update(base.translate(table) for table in LOOK_ALIKES)
    forms.discard("")
    return forms


ROWS = ("1234567890-=", "qwertyuiop[]", "asdfghjkl;'#", "zxcvbnm,./", "abcdefghijklmnopqrstuvwxyz")
NEIGHBOURS = frozenset(
    pair for row in ROWS for a, b in itertools.pairwise(row) for pair in (a + b, b + a)
)


def runs(word: str) -> int:
    """How many runs along a keyboard row or the alphabet, or of one character, a word is
    made of: qwe12345 is 2, q1w2e3r4 is 8."""
    if not word:
        return 0
    return 1 + sum(1 for a, b in itertools.pairwise(word) if a != b and a + b not in NEIGHBOURS)


def is_common(password: str) -> bool:
    """On the list of common passwords in any of its `variants`, nearly one character, or
    no more than three runs along the keyboard or the alphabet (asdf1234!)."""
    word = squeezed(password)
    if len(set(word)) < 3 or runs(word) <= 3:  # aaaaaaaa, abababab, qwe12345
        return True
    return any(on_common_list(form) for form in variants(password))


def owner_words(email: str | None, name: str | None) -> set[str]:
    """The words of a person's own email address and name that a guesser tries."""
    words: set[str] = set()
    if email:
        address = squeezed(email)
        local, _, domain = address.partition("@")
        words.update({address, local, local.replace(".", "")})
        words.update(part for part in re.split(r"[._+-]", local) if len(part) >= 3)
        label = domain.split(".")[0]
        if len(label) >= 4:
            words.add(label)
    if name:
        parts = re.findall(r"\w+", nfc(name).casefold())
        words.add("".join(parts))
        words.update(part for part in parts if len(part) >= 3)
    words.discard("")
    return words


def made_of(password: str, words: set[str]) -> bool:
    """Whether the password is mostly these words: what is left once they are taken out
    is fewer than 4 letters, or a common password itself."""
    for form in {squeezed(password), *(squeezed(password).translate(t) for t in LOOK_ALIKES)}:
        rest = form
        for word in sorted(words, key=len, reverse=True):
            rest = rest.replace(word, "")
        if rest == form:
            continue
        if len(NOT_LETTERS.sub("", rest)) < 4 or is_common(rest):
            return True
    return False


def problem(password: str, email: str | None = None, name: str | None = None) -> str | None:
    """Why this would be a poor new password for this person, in words to show; None if
    it will do. Length is the form's to check."""
    if is_common(password) or made_of(password, {w for w in SERVICE_WORDS if len(w) >= 5}):
        return TOO_COMMON
    if made_of(password, owner_words(email, name) | SERVICE_WORDS):
        return TOO_PERSONAL
    return None


class PasswordOwner(NamedTuple):
    """Whose new password a form checks, when the form has no field saying so."""

    email: str | None = None
    name: str | None = None


def _owner(form) -> PasswordOwner:
    """The person a new password is for: what the view set as `form.password_owner`,
    else the form's own email and name fields, else whoever is signed in."""
    given = getattr(form, "password_owner", None) or PasswordOwner()
    email = given.email or getattr(getattr(form, "email", None), "data", None)
    name = given.name or getattr(getattr(form, "full_name", None), "data", None)
    if current_user and current_user.is_authenticated:
        email = email or current_user.email
        name = name or current_user.full_name
    return PasswordOwner(email, name)


class NotCommon:
    """WTForms validator: refuse a common password, or one made of the person's own name
    or email address, or of this service's words."""

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        owner = _owner(form)
        message = problem(field.data, owner.email, owner.name)
        if message:
            raise ValidationError(message)
