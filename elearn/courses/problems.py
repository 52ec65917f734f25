"""Content problems, reported with file and line, and the files they are found in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentInvalid(Exception):
    """The content has problems; the app must not serve half a course."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class Document:
    """A Markdown file split into its front matter and body."""

    path: Path
    label: str
    meta: dict
    meta_lines: list[str]
    body: str
    body_line: int  # the file line of the body's first line
