"""Learning outcomes: what a learner can do by the end of a course, and where it is taught.

In course.md each outcome is `id: text`, or `id:` with `text:` and `module:` (the slug of
the module that teaches it, or a list of slugs). Quiz questions name the outcomes they
test, so a learner who gets a question wrong is pointed at the module to read again.
"""

from __future__ import annotations

import re

from elearn.courses.catalogue import Outcome

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
OUTCOME_KEYS = ("text", "module")


def read_outcome(key: object, value: object, modules: set[str]) -> tuple[Outcome | None, list[str]]:
    """One outcome from course.md, or what is wrong with it."""
    if not isinstance(key, str) or not SLUG.match(key):
        return None, [f"outcome id '{key}' must be lowercase letters, digits, hyphens"]
    if isinstance(value, dict):
        unknown = [name for name in value if name not in OUTCOME_KEYS]
        if unknown:
            return None, [f"outcome '{key}': unknown key '{unknown[0]}' (known: text, module)"]
        text, taught_in = value.get("text"), value.get("module") or []
    else:
        text, taught_in = value, []
    problems = []
    if not isinstance(text, str) or not text.strip():
        problems.append(f"outcome '{key}' needs the text of what a learner can then do")
    slugs = [taught_in] if isinstance(taught_in, str) else taught_in
    if not isinstance(slugs, list) or not all(isinstance(slug, str) for slug in slugs):
        problems.append(f"outcome '{key}': module must be a module's slug or a list of them")
        slugs = []
    problems += [
        f"outcome '{key}': no module '{slug}' in this course"
        for slug in slugs
        if slug not in modules
    ]
    if problems:
        return None, problems
    return Outcome(key, text.strip(), tuple(slugs)), []
