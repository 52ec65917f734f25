"""Secrets people type or click: invitation tokens and join codes."""

from __future__ import annotations

import hashlib
import secrets

# No 0/O, 1/I/L: a code read out or copied from a slide should not be mistyped.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8


def new_token() -> tuple[str, str]:
    """A URL-safe token (sent, never stored) and its hash (stored)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def unusable_token_hash() -> str:
    """A hash whose token no one holds: an invitation's link is made when it is sent."""
    return new_token()[1]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(text: str) -> str:
    """What someone typed, as stored: upper case, without spaces or hyphens."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def display_join_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"
