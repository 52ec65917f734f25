"""Splits a quiz module's body into questions: heading, scenario, options, explanation."""

from __future__ import annotations

import re
from typing import Protocol

from markupsafe import Markup

from elearn.courses.catalogue import Option, Question
from elearn.courses.problems import Document
from elearn.courses.quiz_rules import all_options_right
from elearn.courses.rendering import Renderer

OPTION = re.compile(r"^[-*] \[(?P<mark>[ xX])\]\s+(?P<text>.*\S)\s*$")
OUTCOME = re.compile(r"^Outcomes?:\s*(?P<ids>.*?)\s*$")


class Reader(Protocol):
    """What the parser needs of the course reader: somewhere to report, and a renderer."""

    renderer: Renderer
    problems: list

    def problem(self, document: Document, line: int, message: str) -> None: ...

    def check_body(self, document: Document, text: str, first_line: int) -> None: ...


class QuizParser:
    """Splits a quiz body into questions: heading, scenario, options, explanation."""

    def __init__(self, document: Document, reader: Reader) -> None:
        self.document = document
        self.reader = reader
        self.headings = 0
        self.outcome_lines: list[tuple[int, str]] = []  # (line, outcome id) as written

    def parse(self) -> tuple[str, list[Question]]:
        lines = self.document.body.splitlines()
        first = self.document.body_line
        intro: list[str] = []
        blocks: list[tuple[int, str, list[tuple[int, str]]]] = []
        for offset, line in enumerate(lines):
            number = first + offset
            if line.startswith("## "):
                blocks.append((number, line[3:].strip(), []))
            elif blocks:
                blocks[-1][2].append((number, line))
            else:
                intro.append(line)
        self.reader.check_body(self.document, "\n".join(intro), first)
        self.headings = len(blocks)
        questions = [
            question
            for index, (line, text, body) in enumerate(blocks, start=1)
            if (question := self.question(index, line, text, body)) is not None
        ]
        return "\n".join(intro), questions

    def question(
        self, index: int, line: int, text: str, body: list[tuple[int, str]]
    ) -> Question | None:
        scenario: list[str] = []
        options: list[Option] = []
        explanation: list[str] = []
        problems_before = len(self.reader.problems)
        outcomes, body = self.outcomes(body)
        for number, raw in body:
            option = OPTION.match(raw.strip()) if not raw.startswith(" ") else None
            if option and not explanation:
                options.append(Option(option["text"], option["mark"] in "xX"))
            elif raw.startswith(">") and options:
                explanation.append(raw[1:].removeprefix(" "))
            elif not raw.strip():
                scenario.append(raw) if not options else None
            elif not options:
                scenario.append(raw)
            else:
                self.reader.problem(
                    self.document,
                    number,
                    f"question {index}: unexpected text "
                    "after the options; a scenario goes before the options and "
                    "the explanation is a '>' blockquote",
                )
        self.check_question(index, line, text, options, explanation)
        if scenario:
            self.reader.check_body(self.document, "\n".join(scenario), body[0][0])
        if len(self.reader.problems) > problems_before:
            return None
        render = self.reader.renderer.render
        return Question(
            id=f"q{index}",
            text=text,
            scenario_html=render("\n".join(scenario)) if "".join(scenario).strip() else Markup(""),
            options=tuple(options),
            explanation_html=render("\n".join(explanation)),
            outcomes=outcomes,
        )

    def outcomes(self, body: list[tuple[int, str]]) -> tuple[tuple[str, ...], list]:
        """The `Outcome: id, id` line that may open a question, and the body without it."""
        first = next((index for index, (_, raw) in enumerate(body) if raw.strip()), None)
        if first is None or not (match := OUTCOME.match(body[first][1])):
            return (), body
        line = body[first][0]
        ids = tuple(part.strip() for part in match["ids"].split(",") if part.strip())
        if not ids:
            self.reader.problem(self.document, line, "an 'Outcome:' line names no outcome")
        self.outcome_lines.extend((line, outcome) for outcome in ids)
        return ids, body[first + 1 :]

    def check_question(
        self, index: int, line: int, text: str, options: list[Option], explanation: list[str]
    ) -> None:
        def problem(message: str) -> None:
            self.reader.problem(self.document, line, f"question {index}: {message}")

        if not text:
            problem("the question has no text after '## '")
        if len(options) < 2:
            problem("needs at least two options ('- [x] right' or '- [ ] wrong')")
        elif not any(option.right for option in options):
            problem("has no right option: mark at least one with '- [x]'")
        texts = [option.text.casefold() for option in options]
        for duplicate in sorted({t for t in texts if texts.count(t) > 1}):
            problem(f"option '{duplicate}' appears more than once")
        if all_options_right(options):
            problem("every option is right: a 'select all' question needs a wrong option")
        if not "".join(explanation).strip():
            problem("has no explanation: add a '>' blockquote after the options")
