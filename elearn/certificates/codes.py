"""Verification codes: 138 random bits, in a form people can read out and type."""

from __future__ import annotations

import secrets

# 31 symbols: no 0 or O, no 1, I or L, which are misread in print and handwriting.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 28  # 28 symbols of log2(31) = 4.95 bits: 138 bits, more than the 128 required
GROUP = 4


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_code(text: str) -> str:
    """What someone typed or scanned, as stored: upper case, letters and digits only."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def display_code(code: str) -> str:
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def looks_like_code(code: str) -> bool:
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)
