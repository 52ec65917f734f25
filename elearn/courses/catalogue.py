"""Courses as held in memory: parsed, validated and rendered once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

from elearn.courses.contacts import Contact


@dataclass(frozen=True)
class Option:
    text: str
    right: bool


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    scenario_html: Markup
    options: tuple[Option, ...]
    explanation_html: Markup
    outcomes: tuple[str, ...] = ()

    @property
    def has_scenario(self) -> bool:
        """A situation is set out before the options."""
        return bool(str(self.scenario_html).strip())

    @property
    def multiple(self) -> bool:
        """More than one right option makes a "select all that apply" question."""
        return sum(option.right for option in self.options) > 1


@dataclass(frozen=True)
class Source:
    """A public document the course's facts come from."""

    title: str
    url: str | None = None


@dataclass(frozen=True)
class Outcome:
    """A learning outcome: what a learner can do by the end of the course."""

    id: str
    text: str
    modules: tuple[str, ...] = ()  # the slugs of the modules that teach it


@dataclass(frozen=True)
class Module:
    slug: str
    number: int
    title: str
    html: Markup
    is_quiz: bool = False
    duration_minutes: int | None = None
    questions: tuple[Question, ...] = ()


@dataclass(frozen=True)
class Course:
    slug: str
    title: str
    summary: str
    duration_minutes: int
    pass_mark: int
    version: str
    overview_html: Markup
    modules: tuple[Module, ...]
    valid_for_months: int | None = None
    audience: tuple[str, ...] = ()
    reviewed: date | None = None
    sources: tuple[Source, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    owner: str | None = None

    def module(self, slug: str) -> Module | None:
        return next((module for module in self.modules if module.slug == slug), None)

    def neighbours(self, module: Module) -> tuple[Module | None, Module | None]:
        index = self.modules.index(module)
        previous = self.modules[index - 1] if index > 0 else None
        following = self.modules[index + 1] if index + 1 < len(self.modules) else None
        return previous, following

    @property
    def quizzes(self) -> tuple[Module, ...]:
        return tuple(module for module in self.modules if module.is_quiz)


@dataclass
class Catalogue:
    """Every course, in title order, by slug."""

    courses: dict[str, Course] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)

    def __iter__(self):
        return iter(sorted(self.courses.values(), key=lambda course: course.title))

    def __len__(self) -> int:
        return len(self.courses)

    def get(self, slug: str) -> Course | None:
        return self.courses.get(slug)


CATALOGUE_KEY = "elearn.catalogue"


def current_catalogue() -> Catalogue:
    """The catalogue the running app loaded at start-up."""
    from flask import current_app

    return current_app.extensions[CATALOGUE_KEY]
