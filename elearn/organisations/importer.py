"""Read the list of people a manager invites to their organisation.

The list comes as an uploaded CSV file or as addresses pasted into a box. Nothing here
touches the database: a list is either accepted whole, as `Invitee`s in the order given,
or rejected with an `ImportRejected` that names every problem by line, so nobody is ever
half-invited. Cells that look like spreadsheet formulas are kept as entered; they are
neutralised when exported, not here.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import NoReturn

from email_validator import EmailNotValidError, validate_email

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
MAX_PROBLEMS = 100
COLUMNS = ("name", "email", "team")
MAX_LENGTHS = {"name": 200, "team": 120}

# A zip (so .xlsx) or an old binary .xls workbook.
WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
SAVE_AS_CSV = "(in Excel: Save as, CSV UTF-8)"
USE_COLUMNS = "use name, email and team"

# What no name or team may hold: control characters, line and paragraph separators, and
# the bidirectional controls that make text read in another order than it is stored.
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

# Pasted entries: `Name <address>`, `"Surname, Name" <address>`, `<address>` or a bare
# address. Lengths are bounded so a long line without separators cannot make it slow.
PASTED_ENTRY = re.compile(
    r'(?:"(?P<quoted>[^"]{0,200})"|(?P<name>[^\s<>",;@][^<>",;@\n]{0,200}?))?'
    r"\s*<(?P<angled>[^<>\s,;]{0,320})>"
    r"|(?P<bare>[^\s,;]+)"
)


@dataclass(frozen=True)
class Invitee:
    """A person to invite; `line` is their line in the file, or their entry when pasted;
    `repeats`, the later entries of a pasted list that gave the same address again."""

    line: int
    email: str
    name: str | None = None
    team: str | None = None
    repeats: tuple[int, ...] = ()


@dataclass(frozen=True)
class ImportProblem:
    """One reason a list was rejected; `line` is None for a problem with the whole file."""

    line: int | None
    message: str


class ImportRejected(Exception):
    """The list cannot be imported: `problems` says why, in line order, ready to show."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = _capped(sorted(problems, key=lambda problem: problem.line or 0))
        super().__init__("\n".join(problem.message for problem in self.problems))


@dataclass(frozen=True)
class _Numbering:
    """How messages point at a person: by line in a file, by entry in a pasted list."""

    label: str
    earlier: str


_LINES = _Numbering("Line", "on line")
_ENTRIES = _Numbering("Entry", "entry")


def parse_csv(data: bytes) -> list[Invitee]:
    """The people in an uploaded CSV file, in file order.

    Raises ImportRejected listing every problem found, by line (the header is line 1).
    """
    rows = _numbered_rows(_decode(data))
    _, header = next(rows, (1, []))
    header = _without_trailing_blanks(header)
    columns, problems = _read_header(header)
    if "email" not in columns:
        raise ImportRejected(problems)
    invitees, row_problems = _read_people(rows, columns, width=len(header))
    problems += row_problems
    if not invitees and not row_problems:
        problems.append(ImportProblem(None, "The file has no rows of people"))
    if problems:
        raise ImportRejected(problems)
    return invitees


def parse_pasted(text: str) -> list[Invitee]:
    """The people in a pasted list of addresses, separated by commas, semicolons or spaces.

    Entries are numbered from 1 and problems name them ("Entry 3: ..."). Outlook-style
    `Name <address>` entries keep the name. An address given again (copied from two
    emails, say) is one person: the entries that repeat it are in their `repeats`.
    """
    invitees: list[Invitee] = []
    problems: list[ImportProblem] = []
    first: dict[str, int] = {}  # an address's place in invitees
    for number, entry in enumerate(PASTED_ENTRY.finditer(text), start=1):
        if number > MAX_ROWS:
            _reject("Enter no more than 10,000 email addresses: upload a CSV file instead")
        email = entry["bare"] if entry["angled"] is None else entry["angled"]
        name = entry["quoted"] or entry["name"] or ""
        invitee, messages = _check_person(number, email, name, "", {}, _ENTRIES)
        if not messages and invitee.email in first:
            earlier = invitees[first[invitee.email]]
            invitees[first[invitee.email]] = replace(
                earlier, name=earlier.name or invitee.name, repeats=(*earlier.repeats, number)
            )
            continue
        _collect(invitee, messages, number, _ENTRIES, invitees, problems)
        if not messages:
            first[invitee.email] = len(invitees) - 1
    if not invitees and not problems:
        _reject("Enter at least one email address")
    if problems:
        raise ImportRejected(problems)
    return invitees


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        _reject("The file must be smaller than 2 MB")
    if data.startswith(WORKBOOK_SIGNATURES):
        _reject(f"Upload a CSV file, not an Excel workbook {SAVE_AS_CSV}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        _reject(f"The file must be saved as UTF-8 {SAVE_AS_CSV}")
    if not text.strip():
        _reject("The file is empty")
    return text


def _numbered_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on: a quoted cell can span several lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as error:
        problem = ImportProblem(start, f"Line {start}: cannot be read as CSV")
        raise ImportRejected([problem]) from error


def _delimiter(text: str) -> str:
    """Semicolon when only it appears in the header (Excel in many European locales)."""
    header = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    return ";" if ";" in header and "," not in header else ","


def _read_header(header: list[str]) -> tuple[dict[str, int], list[ImportProblem]]:
    """Where each known column is, and what is wrong with the header row."""
    columns: dict[str, int] = {}
    messages: list[str] = []
    for index, cell in enumerate(header):
        column = cell.replace("\ufeff", "").strip().lower()
        if not column:
            messages.append(f"Column {index + 1} has no name: {USE_COLUMNS}")
        elif column not in COLUMNS:
            messages.append(f"Unknown column '{cell.strip()}': {USE_COLUMNS}")
        elif column in columns:
            messages.append(f"The {column} column appears more than once")
        else:
            columns[column] = index
    if "email" not in columns:
        if any("@" in cell for cell in header):
            messages = [f"The first line must name the columns: {USE_COLUMNS}"]
        messages.append("The file must have an email column")
    return columns, [ImportProblem(1, message) for message in messages]


def _read_people(
    rows: Iterator[tuple[int, list[str]]], columns: dict[str, int], width: int
) -> tuple[list[Invitee], list[ImportProblem]]:
    invitees: list[Invitee] = []
    problems: list[ImportProblem] = []
    seen: dict[str, int] = {}
    count = 0
    for line, row in rows:
        cells = _without_trailing_blanks(row)
        if not cells:
            continue
        count += 1
        if count > MAX_ROWS:
            _reject("The file has more than 10,000 rows: split it into smaller files")
        values = dict.fromkeys(COLUMNS, "") | {
            column: cells[index] for column, index in columns.items() if index < len(cells)
        }
        invitee, messages = _check_person(
            line, values["email"], values["name"], values["team"], seen, _LINES
        )
        if len(cells) > width:
            messages.insert(0, "has more cells than the header row")
        _collect(invitee, messages, line, _LINES, invitees, problems)
    return invitees, problems


def _check_person(
    number: int, email: str, name: str, team: str, seen: dict[str, int], numbering: _Numbering
) -> tuple[Invitee, list[str]]:
    """The invitee, to be used only when the list of what is wrong with the entry is empty."""
    address, messages = _claim_email(email.strip(), number, seen, numbering)
    name, team = _tidy(name), _tidy(team)
    for column, value in (("name", name), ("team", team)):
        if value and len(value) > MAX_LENGTHS[column]:
            messages.append(f"{column} must be {MAX_LENGTHS[column]} characters or fewer")
        elif value and UNPRINTABLE.search(value):
            messages.append(f"remove the control characters from the {column}")
    return Invitee(number, address, name, team), messages


def _claim_email(
    value: str, number: int, seen: dict[str, int], numbering: _Numbering
) -> tuple[str, list[str]]:
    """The normalised address, remembered in `seen`, or "" and why it cannot be used."""
    if not value:
        return "", ["enter an email address"]
    try:
        address = validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return "", [f"'{_shortened(value)}' is not a valid email address"]
    if address in seen:
        return "", [f"{address} is already {numbering.earlier} {seen[address]}"]
    seen[address] = number
    return address, []


def _collect(
    invitee: Invitee,
    messages: list[str],
    number: int,
    numbering: _Numbering,
    invitees: list[Invitee],
    problems: list[ImportProblem],
) -> None:
    problems.extend(
        ImportProblem(number, f"{numbering.label} {number}: {message}") for message in messages
    )
    if not messages:
        invitees.append(invitee)


def _without_trailing_blanks(cells: list[str]) -> list[str]:
    """Cells stripped, minus the empty ones at the end that spreadsheets often add."""
    cells = [cell.strip() for cell in cells]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _tidy(value: str) -> str | None:
    """Whitespace runs (including line breaks from quoted cells) become single spaces."""
    return " ".join(value.split()) or None


def _shortened(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _capped(problems: list[ImportProblem]) -> list[ImportProblem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    more = len(problems) - MAX_PROBLEMS
    noun = "problem" if more == 1 else "problems"
    return [*problems[:MAX_PROBLEMS], ImportProblem(None, f"And {more} more {noun}")]


def _reject(message: str) -> NoReturn:
    raise ImportRejected([ImportProblem(None, message)])
