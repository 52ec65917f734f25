"""Reads content/: front matter, modules and quizzes, validated with file and line.

`load_catalogue(path, image_url)` returns a Catalogue or raises ContentInvalid listing
every problem found, so that an author sees them all at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import yaml
from markupsafe import Markup

from elearn.courses.catalogue import Catalogue, Course, Module, Question, Source
from elearn.courses.contacts import CONTACTS_FILE, Contact, load_contacts, unknown_references
from elearn.courses.outcomes import read_outcome
from elearn.courses.problems import ContentInvalid, Document, Problem
from elearn.courses.quiz_parser import QuizParser
from elearn.courses.quiz_rules import key_place_problem, longest_key_problem
from elearn.courses.rendering import ADMONITION_TYPES, Renderer
from elearn.dates import london_today
from elearn.models.organisation import SECTORS

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MODULE_FILE = re.compile(r"^(?P<number>\d+)-(?P<slug>.+)\.md$")
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\((?P<href>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
ADMONITION = re.compile(r"^\s*!!!\s*(?P<kind>\S+)")
FENCE = re.compile(r"^\s*(```|~~~)")

COURSE_KEYS = {
    "title": str,
    "summary": str,
    "duration_minutes": int,
    "pass_mark": int,
    "version": str,
    "valid_for_months": int,
    "audience": list,
    "reviewed": date,
    "sources": list,
    "outcomes": dict,
    "owner": str,
}
COURSE_REQUIRED = (
    "title",
    "summary",
    "duration_minutes",
    "pass_mark",
    "version",
    "reviewed",
    "sources",
)
SOURCE_KEYS = {"title", "url"}
MODULE_KEYS = {"title": str, "quiz": bool, "duration_minutes": int}


class CourseReader:
    """Reads one course folder, collecting problems instead of stopping at the first."""

    def __init__(
        self,
        folder: Path,
        label_root: Path,
        image_url: Callable[[str], str],
        contacts: dict[str, Contact] | None = None,
    ) -> None:
        self.folder = folder
        self.label_root = label_root
        self.problems: list[Problem] = []
        self.contacts = contacts or {}
        self.renderer = Renderer(image_url(folder.name), self.contacts)
        self.outcome_lines: list[tuple[Document, int, str]] = []

    def problem(self, document: Document | Path, line: int, message: str) -> None:
        label = document.label if isinstance(document, Document) else self.label(document)
        self.problems.append(Problem(label, line, message))

    def label(self, path: Path) -> str:
        return _label(path, self.label_root)

    def read(self) -> Course | None:
        slug = self.folder.name
        course_file = self.folder / "course.md"
        if not SLUG.match(slug):
            self.problem(
                self.folder,
                1,
                f"course folder name '{slug}' is not a slug "
                "(lowercase letters, digits and hyphens)",
            )
        if not course_file.exists():
            self.problem(self.folder, 1, "course folder has no course.md")
            return None
        document = self.parse(course_file)
        modules = self.read_modules()
        if document is None:
            return None
        meta = self.check_meta(document, COURSE_KEYS, COURSE_REQUIRED)
        self.check_course_values(document, meta)
        if not document.body.strip():
            self.problem(document, document.body_line, "the course overview is empty")
        overview = self.render(document)
        if not modules:
            self.problem(course_file, 1, "course has no modules (files named like 01-slug.md)")
        outcomes = self.read_outcomes(document, meta, {module.slug for module in modules})
        if self.problems:
            return None
        return Course(
            slug=slug,
            title=meta["title"],
            summary=meta["summary"],
            duration_minutes=meta["duration_minutes"],
            pass_mark=meta["pass_mark"],
            version=str(meta["version"]),
            valid_for_months=meta.get("valid_for_months"),
            audience=tuple(meta.get("audience") or ()),
            reviewed=meta["reviewed"],
            sources=self.sources(meta),
            outcomes=outcomes,
            owner=meta.get("owner"),
            overview_html=overview,
            modules=tuple(modules),
        )

    def read_modules(self) -> list[Module]:
        modules: list[Module] = []
        numbers: dict[int, Path] = {}
        slugs: dict[str, Path] = {}
        for path in sorted(self.folder.glob("*.md")):
            if path.name == "course.md":
                continue
            match = MODULE_FILE.match(path.name)
            if not match or not SLUG.match(match["slug"]):
                self.problem(
                    path,
                    1,
                    "module file name must be NN-slug.md (digits, a hyphen, "
                    "lowercase letters, digits and hyphens)",
                )
                continue
            number, slug = int(match["number"]), match["slug"]
            if number in numbers:
                self.problem(
                    path, 1, f"duplicate module number {number}: also {numbers[number].name}"
                )
            if slug in slugs:
                self.problem(path, 1, f"duplicate module slug '{slug}': also {slugs[slug].name}")
            numbers.setdefault(number, path)
            slugs.setdefault(slug, path)
            module = self.read_module(path, number, slug)
            if module is not None:
                modules.append(module)
        return sorted(modules, key=lambda module: module.number)

    def read_module(self, path: Path, number: int, slug: str) -> Module | None:
        document = self.parse(path)
        if document is None:
            return None
        meta = self.check_meta(document, MODULE_KEYS, ("title",))
        is_quiz = bool(meta.get("quiz", False))
        duration = meta.get("duration_minutes")
        if duration is not None and isinstance(duration, int) and duration <= 0:
            self.problem(
                document,
                self.key_line(document, "duration_minutes"),
                "duration_minutes must be a positive whole number",
            )
        if is_quiz:
            intro, questions = self.read_quiz(document)
            html = self.renderer.render(intro) if intro.strip() else Markup("")
        else:
            questions = ()
            if not document.body.strip():
                self.problem(document, document.body_line, "module has no content")
            html = self.render(document)
        return Module(
            slug=slug,
            number=number,
            title=str(meta.get("title", "")),
            html=html,
            is_quiz=is_quiz,
            duration_minutes=duration,
            questions=tuple(questions),
        )

    # --- files and front matter -------------------------------------------------

    def parse(self, path: Path) -> Document | None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.problem(path, 1, "file is not UTF-8 text")
            return None
        lines = text.lstrip("\ufeff").splitlines()
        if not lines or lines[0].strip() != "---":
            self.problem(path, 1, "file must start with front matter between '---' lines")
            return None
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        except StopIteration:
            self.problem(path, 1, "front matter is not closed with a '---' line")
            return None
        meta_lines = lines[1:end]
        try:
            meta = yaml.safe_load("\n".join(meta_lines)) or {}
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 2 if mark is not None else 1
            reason = getattr(error, "problem", None) or "not valid YAML"
            self.problem(path, line, f"front matter is not valid YAML: {reason}")
            return None
        if not isinstance(meta, dict):
            self.problem(path, 2, "front matter must be a set of 'key: value' lines")
            return None
        body = "\n".join(lines[end + 1 :])
        return Document(path, self.label(path), meta, meta_lines, body, end + 2)

    def key_line(self, document: Document, key: str) -> int:
        pattern = re.compile(rf"^{re.escape(key)}\s*:")
        for index, line in enumerate(document.meta_lines):
            if pattern.match(line):
                return index + 2
        return 1

    def item_line(self, document: Document, key: str, item: object) -> int:
        """The line of `item:` nested under `key:`, or of `key:` itself."""
        start = self.key_line(document, key)
        pattern = re.compile(rf"^\s+['\"]?{re.escape(str(item))}['\"]?\s*:")
        for index, line in enumerate(document.meta_lines[start - 1 :], start=start):
            if pattern.match(line):
                return index + 1
        return start

    def check_meta(self, document: Document, keys: dict, required: tuple[str, ...]) -> dict:
        meta = document.meta
        for key in meta:
            if key not in keys:
                known = ", ".join(keys)
                self.problem(
                    document,
                    self.key_line(document, str(key)),
                    f"unknown key '{key}' (known keys: {known})",
                )
        for key in required:
            if meta.get(key) in (None, ""):
                self.problem(document, 1, f"missing required key '{key}'")
        for key, kind in keys.items():
            value = meta.get(key)
            if value is None:
                continue
            wrong_int = kind is int and (isinstance(value, bool) or not isinstance(value, int))
            if wrong_int or (kind is not int and not isinstance(value, kind)):
                self.problem(
                    document, self.key_line(document, key), f"'{key}' must be {_kind_name(kind)}"
                )
        return {key: value for key, value in meta.items() if key in keys}

    def check_course_values(self, document: Document, meta: dict) -> None:
        def bad(key: str, message: str) -> None:
            self.problem(document, self.key_line(document, key), message)

        pass_mark = meta.get("pass_mark")
        if isinstance(pass_mark, int) and not 1 <= pass_mark <= 100:
            bad("pass_mark", "pass_mark must be a percentage from 1 to 100")
        for key in ("duration_minutes", "valid_for_months"):
            value = meta.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value <= 0:
                bad(key, f"{key} must be a positive whole number")
        for sector in meta.get("audience") or []:
            if sector not in SECTORS:
                bad("audience", f"unknown audience '{sector}' (known: {', '.join(SECTORS)})")
        reviewed = meta.get("reviewed")
        if isinstance(reviewed, date) and reviewed > london_today():
            bad("reviewed", f"reviewed date {reviewed.isoformat()} is in the future")
        if meta.get("sources") == []:
            bad("sources", "sources must list at least one public document")
        for number, source in enumerate(meta.get("sources") or [], start=1):
            problem = source_problem(source)
            if problem:
                bad("sources", f"source {number}: {problem}")

    def read_outcomes(self, document: Document, meta: dict, modules: set[str]) -> tuple:
        """The course's outcomes; each question's exist, and each outcome is tested."""
        declared = meta.get("outcomes") or {}
        outcomes = []
        for key, value in declared.items():
            outcome, problems = read_outcome(key, value, modules)
            for problem in problems:
                self.problem(document, self.item_line(document, "outcomes", key), problem)
            if outcome is not None:
                outcomes.append(outcome)
        for quiz, line, outcome in self.outcome_lines:
            if outcome not in declared:
                self.problem(quiz, line, f"unknown outcome '{outcome}' (not in course.md)")
        tested = {outcome for _, _, outcome in self.outcome_lines}
        for outcome in declared:
            if outcome not in tested:
                self.problem(
                    document,
                    self.item_line(document, "outcomes", outcome),
                    f"outcome '{outcome}' is not tested: name it on a question's 'Outcome:' line",
                )
        return tuple(outcomes)

    def sources(self, meta: dict) -> tuple[Source, ...]:
        return tuple(Source(item["title"], item.get("url")) for item in meta["sources"])

    # --- Markdown bodies -----------------------------------------------------------

    def render(self, document: Document) -> Markup:
        self.check_body(document, document.body, document.body_line)
        return self.renderer.render(document.body)

    def check_body(self, document: Document, text: str, first_line: int) -> None:
        in_fence = False
        for offset, line in enumerate(text.splitlines()):
            number = first_line + offset
            if FENCE.match(line):
                in_fence = not in_fence
            if in_fence:
                continue
            if re.match(r"^#\s", line):
                self.problem(
                    document,
                    number,
                    "a level-1 heading ('# ') is not allowed in a "
                    "body: the title is the page's heading; use '## '",
                )
            if (admonition := ADMONITION.match(line)) and admonition[
                "kind"
            ] not in ADMONITION_TYPES:
                self.problem(
                    document,
                    number,
                    f"unknown admonition '{admonition['kind']}' "
                    f"(use one of: {', '.join(ADMONITION_TYPES)})",
                )
            for image in IMAGE.finditer(line):
                self.check_image(document, number, image["alt"], image["src"])
            for key in unknown_references(line, self.contacts):
                message = f"unknown contact '{key}': it is not in content/{CONTACTS_FILE}"
                self.problem(document, number, message)
            for link in LINK.finditer(line):
                href = link["href"]
                if not href.startswith(("https://", "http://", "mailto:", "#")):
                    self.problem(
                        document,
                        number,
                        f"link '{href}' must be a full https:// "
                        "address, a mailto: address or a #heading",
                    )

    def check_image(self, document: Document, line: int, alt: str, src: str) -> None:
        if not alt.strip():
            self.problem(document, line, f"image '{src}' has no alt text")
        if not src.startswith("images/") or ".." in src:
            self.problem(document, line, f"image '{src}' must be in the course's images/ folder")
        elif not (self.folder / src).is_file():
            self.problem(document, line, f"image '{src}' not found in {self.label(self.folder)}")

    # --- quizzes -----------------------------------------------------------------

    def read_quiz(self, document: Document) -> tuple[str, list[Question]]:
        parser = QuizParser(document, self)
        intro, questions = parser.parse()
        if not parser.headings:
            self.problem(
                document, document.body_line, "quiz has no questions (each starts with '## ')"
            )
        self.outcome_lines += [(document, line, outcome) for line, outcome in parser.outcome_lines]
        for rule in (longest_key_problem, key_place_problem):
            if problem := rule(questions):
                self.problem(document, self.key_line(document, "quiz"), problem)
        return intro, questions


def source_problem(source: object) -> str | None:
    """What is wrong with one entry of `sources`, if anything."""
    if not isinstance(source, dict):
        return "must be a mapping with a 'title' and an optional 'url'"
    unknown = set(source) - SOURCE_KEYS
    if unknown:
        return f"unknown key '{sorted(unknown)[0]}' (known keys: title, url)"
    if not isinstance(source.get("title"), str) or not source["title"].strip():
        return "needs a 'title'"
    url = source.get("url")
    if url is not None and (not isinstance(url, str) or not url.startswith("https://")):
        return "url must be a full https:// address"
    return None


def _kind_name(kind: type) -> str:
    names = {
        str: "text",
        int: "a whole number",
        bool: "true or false",
        list: "a list",
        dict: "a set of 'id: text' lines",
    }
    return names.get(kind, "a date like 2026-11-23")


def _label(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def load_catalogue(content_dir: Path, image_url: Callable[[str], str]) -> Catalogue:
    """Read every course under content_dir; raise ContentInvalid listing all problems."""
    content_dir = Path(content_dir)
    label_root = content_dir.parent
    if not content_dir.is_dir():
        raise ContentInvalid([Problem(str(content_dir), 1, "content folder not found")])
    contacts, problems = load_contacts(content_dir, _label(content_dir / CONTACTS_FILE, label_root))
    catalogue = Catalogue(contacts=contacts)
    for folder in sorted(path for path in content_dir.iterdir() if path.is_dir()):
        if folder.name.startswith("."):
            continue
        reader = CourseReader(folder, label_root, image_url, contacts)
        course = reader.read()
        problems.extend(reader.problems)
        if course is not None:
            catalogue.courses[course.slug] = course
    if problems:
        raise ContentInvalid(problems)
    return catalogue
