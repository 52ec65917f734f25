"""The emails elearn wrote to files in development, read back to be shown: the newest
listed, one found by its name (never a path outside the folder), its text in linked lines.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from pathlib import Path

from elearn.mail import FILE_NAME, STAMP_FORMAT

log = logging.getLogger(__name__)

NEWEST = 50
# A web address in a plain-text email, not ending on the punctuation after it.
LINK = re.compile(r"https?://[^\s<>\"]*[^\s<>\".,;:!?)]")


@dataclass(frozen=True)
class Written:
    """An email file as listed: its name, when it was written, to whom and about what."""

    name: str
    written_at: datetime
    to: str
    subject: str


@dataclass(frozen=True)
class Segment:
    """A run of a line of the body: plain text, or a web address to link."""

    text: str
    link: bool = False


@dataclass(frozen=True)
class Shown:
    """One email as shown: its headers and its text in paragraphs of linked lines."""

    written: Written
    sender: str
    paragraphs: list[list[list[Segment]]]


def newest(folder: Path, limit: int = NEWEST) -> list[Written]:
    """The newest emails in the folder, newest first (their names sort by time)."""
    if not folder.is_dir():
        return []
    names = sorted(
        (
            entry.name
            for entry in os.scandir(folder)
            if FILE_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)
        ),
        reverse=True,
    )
    listed = []
    for name in names[:limit]:
        try:
            headers = BytesHeaderParser().parsebytes((folder / name).read_bytes())
        except FileNotFoundError:
            continue  # deleted since the folder was read: nothing to list
        listed.append(_written(name, headers))
    return listed


def find(folder: Path, name: str) -> Path | None:
    """The email file of that name directly inside the folder, or None: never a path
    elsewhere, whatever the name holds (.., slashes, a link out of the folder)."""
    if not FILE_NAME.fullmatch(name):
        return None
    try:
        path = (folder / name).resolve(strict=True)
    except OSError:
        return None
    if path.parent != folder.resolve() or not path.is_file():
        return None
    return path


def show(path: Path) -> Shown:
    message = message_from_bytes(path.read_bytes())
    return Shown(
        written=_written(path.name, message),
        sender=_header(message, "From"),
        paragraphs=paragraphs(text_body(message)),
    )


def text_body(message: Message) -> str:
    """The plain-text part, decoded from its transfer encoding and charset."""
    part = next((p for p in message.walk() if p.get_content_type() == "text/plain"), None)
    if part is None:
        return ""
    payload = part.get_payload(decode=True) or b""
    return payload.decode(part.get_content_charset() or "utf-8", errors="replace")


def paragraphs(text: str) -> list[list[list[Segment]]]:
    """Paragraphs (split at blank lines) of lines, each line in linked segments."""
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").strip())
    return [[linked(line) for line in block.split("\n")] for block in blocks if block.strip()]


def linked(line: str) -> list[Segment]:
    segments, start = [], 0
    for match in LINK.finditer(line):
        if match.start() > start:
            segments.append(Segment(line[start : match.start()]))
        segments.append(Segment(match.group(), link=True))
        start = match.end()
    if start < len(line) or not segments:
        segments.append(Segment(line[start:]))
    return segments


def _written(name: str, message: Message) -> Written:
    stamp = FILE_NAME.fullmatch(name).group("stamp")
    return Written(
        name=name,
        written_at=datetime.strptime(stamp, STAMP_FORMAT).replace(tzinfo=UTC),
        to=_header(message, "To"),
        subject=_header(message, "Subject"),
    )


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    if value is None:
        return ""
    try:
        return str(make_header(decode_header(str(value))))
    except (HeaderParseError, UnicodeDecodeError, LookupError):
        log.warning("undecodable %s header kept as written: %r", name, value)
        return str(value)
