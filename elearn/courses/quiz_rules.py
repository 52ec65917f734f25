"""Rules a quiz must keep so that it tests understanding, not a guesser's habits.

An outside review found that a guesser passed every quiz by choosing the longest option:
the right answer was the longest in 24 of 25 single-answer questions. Rewriting the options
can swap one habit for another (the right answer always the second shortest), so the key
must not sit at any one place in the length order too often. These rules are pure
functions over parsed questions; the loader reports what they return.
"""

from __future__ import annotations

from collections.abc import Sequence

from elearn.courses.catalogue import Option, Question

LONGEST_KEY_LIMIT = 0.40
# Fewer questions than this at one place is not yet a habit a guesser could learn.
KEY_PLACE_MINIMUM = 4


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


def key_place(question: Question) -> int:
    """How many wrong options are longer than the right one: 0 when the right option is
    the longest (a tie counts as longest, as in `key_is_longest`), 1 when it is the second
    longest, and so on."""
    right = max(_length(option.text) for option in question.options if option.right)
    return sum(_length(option.text) > right for option in question.options if not option.right)


def key_place_problem(questions: list[Question]) -> str | None:
    """Refuse a quiz whose right option sits at the same place in the length order (second
    longest, third longest...) in too many single-answer questions. The longest place is
    `longest_key_problem`'s."""
    single = [(number, q) for number, q in enumerate(questions, 1) if not q.multiple]
    places: dict[int, list[int]] = {}
    for number, question in single:
        places.setdefault(key_place(question), []).append(number)
    for place, numbers in sorted(places.items()):
        too_many = len(numbers) > LONGEST_KEY_LIMIT * len(single)
        if place == 0 or len(numbers) < KEY_PLACE_MINIMUM or not too_many:
            continue
        share = round(100 * len(numbers) / len(single))
        listed = ", ".join(str(number) for number in numbers)
        return (
            f"the right option is the {_ordinal(place + 1)} longest in {len(numbers)} of "
            f"{len(single)} single-answer questions ({share}%; at most "
            f"{LONGEST_KEY_LIMIT:.0%} at any one place): questions {listed}. A guesser can "
            "learn that habit too: vary where the right option falls in length"
        )
    return None


def all_options_right(options: Sequence[Option]) -> bool:
    """A select-all question whose every option is right tests nothing."""
    return len(options) > 1 and all(option.right for option in options)


def _ordinal(number: int) -> str:
    suffixes = {1: "st", 2: "nd", 3: "rd"}
    suffix = "th" if 10 <= number % 100 <= 20 else suffixes.get(number % 10, "th")
    return f"{number}{suffix}"


def _length(text: str) -> int:
    return len(" ".join(text.split()))
