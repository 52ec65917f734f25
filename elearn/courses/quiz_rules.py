"""Rules a quiz must keep so that it tests understanding, not a guesser's habits.

An outside review found that a guesser passed every quiz by choosing the longest option:
the right answer was the longest in 24 of 25 single-answer questions. These rules are
pure functions over parsed questions; the loader reports what they return.
"""

from __future__ import annotations

from collections.abc import Sequence

from elearn.courses.catalogue import Option, Question

LONGEST_KEY_LIMIT = 0.40


def key_is_longest(question: Question) -> bool:
    """The right option is at least as long as every wrong one (a tie still tells a guesser)."""
    right = [_length(option.text) for option in question.options if option.right]
    wrong = [_length(option.text) for option in question.options if not option.right]
    return bool(right and wrong) and max(right) >= max(wrong)


def key_is_shortest(question: Question) -> bool:
    """The right option is no longer than any wrong one: the same habit turned round."""
    right = [_length(option.text) for option in question.options if option.right]
    wrong = [_length(option.text) for option in question.options if not option.right]
    return bool(right and wrong) and min(right) <= min(wrong)


def longest_key_problem(questions: list[Question]) -> str | None:
    """Refuse a quiz whose right option is the longest in too many single-answer questions."""
    single = [(number, q) for number, q in enumerate(questions, 1) if not q.multiple]
    longest = [number for number, question in single if key_is_longest(question)]
    if not single or len(longest) <= LONGEST_KEY_LIMIT * len(single):
        return None
    share = round(100 * len(longest) / len(single))
    listed = ", ".join(str(number) for number in longest)
    return (
        f"the right option is the longest in {len(longest)} of {len(single)} single-answer "
        f"questions ({share}%; at most {LONGEST_KEY_LIMIT:.0%} allowed): questions {listed}. "
        "Make the wrong options as long and specific as the right one"
    )


def all_options_right(options: Sequence[Option]) -> bool:
    """A select-all question whose every option is right tests nothing."""
    return len(options) > 1 and all(option.right for option in options)


def _length(text: str) -> int:
    return len(" ".join(text.split()))
