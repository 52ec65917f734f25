"""Grading on the server: single answers, select-all-that-apply, partial selections."""

from __future__ import annotations

import random

import pytest

from elearn.courses.catalogue import Module, Option, Question
from elearn.courses.grading import AnswersRejected, check_answers, grade, snapshot_questions

QUESTIONS = [
    {
        "id": "q1",
        "text": "Single",
        "multiple": False,
        "options": [
            {"key": "a", "text": "A", "right": True},
            {"key": "b", "text": "B", "right": False},
        ],
    },
    {
        "id": "q2",
        "text": "Multiple",
        "multiple": True,
        "options": [
            {"key": "c", "text": "C", "right": True},
            {"key": "d", "text": "D", "right": True},
            {"key": "e", "text": "E", "right": False},
        ],
    },
    {
        "id": "q3",
        "text": "Single again",
        "multiple": False,
        "options": [
            {"key": "f", "text": "F", "right": False},
            {"key": "g", "text": "G", "right": True},
        ],
    },
]


@pytest.mark.parametrize(
    ("answers", "correct", "score"),
    [
        ({"q1": ["a"], "q2": ["c", "d"], "q3": ["g"]}, {"q1": True, "q2": True, "q3": True}, 100),
        ({"q1": ["b"], "q2": ["c", "d"], "q3": ["g"]}, {"q1": False, "q2": True, "q3": True}, 66),
        # A partial selection of a multiple-answer question is wrong...
        ({"q1": ["a"], "q2": ["c"], "q3": ["g"]}, {"q1": True, "q2": False, "q3": True}, 66),
        # ...and so is every right option plus a wrong one.
        (
            {"q1": ["a"], "q2": ["c", "d", "e"], "q3": ["f"]},
            {"q1": True, "q2": False, "q3": False},
            33,
        ),
        ({"q1": ["b"], "q2": ["e"], "q3": ["f"]}, {"q1": False, "q2": False, "q3": False}, 0),
    ],
)
def test_grade_marks_each_question_and_scores_rounded_down(answers, correct, score):
    result = grade(QUESTIONS, answers, pass_mark=80)
    assert result.correct == correct
    assert result.score == score
    assert result.correct_count == sum(correct.values())
    assert result.question_count == 3


def test_pass_mark_is_compared_exactly_not_after_rounding():
    two_of_three = {"q1": ["a"], "q2": ["c", "d"], "q3": ["f"]}
    assert grade(QUESTIONS, two_of_three, pass_mark=66).passed is True
    assert grade(QUESTIONS, two_of_three, pass_mark=67).passed is False  # 66.67% < 67%
    assert grade(QUESTIONS, {"q1": ["a"], "q2": ["c", "d"], "q3": ["g"]}, 100).passed is True


def test_order_of_chosen_options_does_not_matter():
    assert grade(QUESTIONS, {"q1": ["a"], "q2": ["d", "c"], "q3": ["g"]}, 80).score == 100


def test_check_answers_reports_every_unanswered_question():
    with pytest.raises(AnswersRejected) as rejected:
        check_answers(QUESTIONS, {"q2": ["c"]})
    assert rejected.value.problems == {
        "q1": "Select an answer to question 1",
        "q3": "Select an answer to question 3",
    }
    assert rejected.value.tampered is False


@pytest.mark.parametrize(
    "chosen",
    [
        {"q1": ["zzz"], "q2": ["c"], "q3": ["g"]},  # not an option at all
        {"q1": ["c"], "q2": ["c"], "q3": ["g"]},  # another question's option
        {"q1": ["a", "b"], "q2": ["c"], "q3": ["g"]},  # two answers to a single-answer question
        {"q1": ["a"], "q2": ["c"], "q3": ["g"], "q4": ["a"]},  # a question not asked
    ],
)
def test_check_answers_rejects_tampered_submissions(chosen):
    with pytest.raises(AnswersRejected) as rejected:
        check_answers(QUESTIONS, chosen)
    assert rejected.value.tampered is True


def test_check_answers_ignores_repeated_values():
    assert check_answers(QUESTIONS, {"q1": ["a", "a"], "q2": ["c"], "q3": ["g"]})["q1"] == ["a"]


def test_snapshot_shuffles_options_with_random_keys_and_keeps_the_questions():
    module = Module(
        slug="quiz",
        number=1,
        title="Quiz",
        html="",
        is_quiz=True,
        questions=(
            Question(
                id="q1",
                text="Pick",
                scenario_html="",
                explanation_html="<p>Because</p>",
                options=tuple(Option(str(n), n == 0) for n in range(6)),
            ),
        ),
    )
    orders = set()
    for seed in range(10):
        snapshot = snapshot_questions(module, random.Random(seed))
        orders.add(tuple(option["text"] for option in snapshot[0]["options"]))
    assert len(orders) > 1
    question = snapshot[0]
    assert question["text"] == "Pick"
    assert question["explanation_html"] == "<p>Because</p>"
    assert sorted(o["text"] for o in question["options"]) == [str(n) for n in range(6)]
    assert [o["right"] for o in question["options"] if o["text"] == "0"] == [True]
    keys = [o["key"] for o in question["options"]]
    assert len(set(keys)) == 6 and all(len(key) == 8 for key in keys)
