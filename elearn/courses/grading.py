"""Quiz attempts as data: the snapshot shown to the learner and its grading.

Pure functions, no database: the snapshot is what gets stored with an attempt, so an
attempt can always be re-read and re-graded exactly as it was asked.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from elearn.courses.catalogue import Module


def snapshot_questions(module: Module, rng: random.Random | None = None) -> list[dict]:
    """The questions as this attempt will show them: options shuffled, keys random."""
    rng = rng or random.SystemRandom()
    questions = []
    for question in module.questions:
        options = [
            {"key": secrets.token_hex(4), "text": option.text, "right": option.right}
            for option in question.options
        ]
        rng.shuffle(options)
        questions.append(
            {
                "id": question.id,
                "text": question.text,
                "multiple": question.multiple,
                "scenario_html": str(question.scenario_html),
                "explanation_html": str(question.explanation_html),
                "options": options,
            }
        )
    return questions


class AnswersRejected(Exception):
    """A submission that cannot be graded: missing, unknown or tampered answers."""

    def __init__(self, problems: dict[str, str], tampered: bool = False) -> None:
        self.problems = problems
        self.tampered = tampered
        super().__init__("; ".join(problems.values()))


def check_answers(questions: list[dict], chosen: dict[str, list[str]]) -> dict[str, list[str]]:
    """Answers keyed by question id, each a list of option keys shown in this attempt.

    Raises AnswersRejected naming each question that is unanswered, has an option that
    was not shown, or has several answers to a single-answer question.
    """
    problems: dict[str, str] = {}
    tampered = False
    answers: dict[str, list[str]] = {}
    for number, question in enumerate(questions, start=1):
        keys = {option["key"] for option in question["options"]}
        values = list(dict.fromkeys(chosen.get(question["id"], [])))
        if not values:
            verb = "Select at least one answer" if question["multiple"] else "Select an answer"
            problems[question["id"]] = f"{verb} to question {number}"
        elif not set(values) <= keys or (len(values) > 1 and not question["multiple"]):
            tampered = True
            problems[question["id"]] = (
                f"The answer sent for question {number} is not one of its options. "
                "Choose again and submit."
            )
        else:
            answers[question["id"]] = values
    unknown = set(chosen) - {question["id"] for question in questions}
    if unknown:
        tampered = True
        problems["_unknown"] = "The answers sent do not match this quiz. Choose again and submit."
    if problems:
        raise AnswersRejected(problems, tampered)
    return answers


@dataclass(frozen=True)
class Grade:
    correct_count: int
    question_count: int
    score: int  # percent, rounded down
    passed: bool
    correct: dict[str, bool]


def grade(questions: list[dict], answers: dict[str, list[str]], pass_mark: int) -> Grade:
    """Right only when exactly the right options are chosen (a partial selection is wrong)."""
    correct = {}
    for question in questions:
        right = {option["key"] for option in question["options"] if option["right"]}
        correct[question["id"]] = set(answers.get(question["id"], [])) == right
    count = sum(correct.values())
    total = len(questions)
    return Grade(
        correct_count=count,
        question_count=total,
        score=(count * 100) // total if total else 0,
        passed=total > 0 and count * 100 >= pass_mark * total,
        correct=correct,
    )
