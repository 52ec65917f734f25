"""Every shipped course can be read and passed in the app, module by module."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from elearn import create_app
from elearn.config import PROJECT_DIR, TestConfig
from elearn.courses.catalogue import current_catalogue
from elearn.courses.loader import load_catalogue
from elearn.courses.quiz_rules import key_is_shortest, key_place
from elearn.models import Completion, QuizAttempt
from tests.conftest import Browser


@pytest.fixture
def shipped_app(app, tmp_path):
    config = TestConfig(tmp_path)
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    config.SQLALCHEMY_ENGINE_OPTIONS = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    config.ELEARN_CONTENT_DIR = PROJECT_DIR / "content"
    return create_app(config)


def test_each_shipped_course_can_be_completed(shipped_app, make, session):
    with shipped_app.app_context():
        courses = list(current_catalogue())
    learner = make.user()
    browser = Browser(shipped_app.test_client())
    browser.sign_in(learner)
    for course in courses:
        for module in course.modules:
            page = browser.get(f"/courses/{course.slug}/{module.slug}")
            assert page.h1 == module.title
            if not module.is_quiz:
                continue
            form = page.soup.find("form", action=lambda a: a and "/attempts/" in a)
            attempt = session.scalar(
                select(QuizAttempt).where(QuizAttempt.public_id == form["action"].split("/")[-1])
            )
            right = {
                q["id"]: [o["key"] for o in q["options"] if o["right"]] for q in attempt.questions
            }
            result = browser.post(form["action"], right)
            assert browser.get(result.response.headers["Location"]).h1 == "Your result: you passed"
        completion = session.scalar(
            select(Completion).where(
                Completion.user_id == learner.id, Completion.course_slug == course.slug
            )
        )
        assert completion is not None and completion.course_version == course.version


SHIPPED = load_catalogue(PROJECT_DIR / "content", lambda slug: f"/courses/{slug}/images")
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)")
# A UK number of 8 digits or more (0800 789 321, 020 7332 3808), or a text number (61016).
PHONE = re.compile(r"\b0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}\b|\b61016\b")


def test_the_four_courses_are_shipped():
    assert set(SHIPPED.courses) == {
        "wrap",
        "hate-crime",
        "facing-facts",
        "counter-terrorism-awareness",
    }


@pytest.mark.parametrize("slug", sorted(SHIPPED.courses))
def test_course_meets_the_content_standard(slug):
    course = SHIPPED.get(slug)
    content_modules = [module for module in course.modules if not module.is_quiz]
    assert 4 <= len(content_modules) <= 8
    assert course.pass_mark == 80
    assert course.sources and course.reviewed is not None
    assert course.owner and course.outcomes
    assert all(outcome.modules for outcome in course.outcomes), "each outcome names its module"
    [quiz] = course.quizzes
    assert quiz is course.modules[-1], "the quiz comes last"
    assert len(quiz.questions) >= 12
    scenarios = sum(question.has_scenario for question in quiz.questions)
    assert scenarios >= 0.8 * len(quiz.questions), f"{scenarios} of {len(quiz.questions)}"
    assert 3 <= sum(question.multiple for question in quiz.questions) <= 5
    single = [question for question in quiz.questions if not question.multiple]
    shortest = sum(key_is_shortest(question) for question in single)
    assert shortest <= 0.4 * len(single), f"key shortest in {shortest} of {len(single)}"
    places = Counter(key_place(question) for question in single)
    assert max(places.values()) <= 0.4 * len(single), f"key places {dict(places)}"
    for question in quiz.questions:
        assert question.outcomes, f"{question.text!r} names no outcome"
        assert BeautifulSoup(str(question.explanation_html), "html.parser").get_text().strip()
    html = " ".join(str(module.html) for module in content_modules)
    assert "<table" in html or 'class="admonition' in html


@pytest.mark.parametrize("slug", sorted(SHIPPED.courses))
def test_modules_are_short_and_name_contacts_rather_than_numbers(slug):
    """At most 900 words a module (the authors' guide); no phone number outside contacts."""
    for path in sorted((PROJECT_DIR / "content" / slug).glob("*.md")):
        body = path.read_text().split("---", 2)[2]
        if path.name != "course.md" and "quiz: true" not in path.read_text():
            assert len(body.split()) <= 900, f"{path.name}: {len(body.split())} words"
        numbers = PHONE.findall(body)
        assert not numbers, f"{path.name} writes {numbers}: name a contact instead"


@pytest.mark.parametrize("slug", sorted(SHIPPED.courses))
def test_the_overview_leaves_outcomes_and_sources_to_the_page(slug):
    overview = BeautifulSoup(str(SHIPPED.get(slug).overview_html), "html.parser")
    headings = {heading.get_text() for heading in overview.find_all("h2")}
    assert not headings & {"Sources", "What you will learn"}


def test_every_shipped_contact_is_confirmed_with_its_source():
    assert SHIPPED.contacts, "content/contacts.yaml"
    for contact in SHIPPED.contacts.values():
        assert contact.source.startswith("https://")
    used = {
        key
        for path in (PROJECT_DIR / "content").glob("*/*.md")
        for key in re.findall(r"\[\[contact:([a-z0-9-]+)\]\]", path.read_text())
    }
    assert {"cst-prevent", "prevent-referral-form", "channel-home-borough", "nhs-prevent"} <= used


@pytest.mark.parametrize("slug", sorted(SHIPPED.courses))
def test_course_images_exist_and_have_alt_text(slug):
    folder = PROJECT_DIR / "content" / slug
    images = [
        match for path in sorted(folder.glob("*.md")) for match in IMAGE.finditer(path.read_text())
    ]
    assert images, "each course has at least one diagram"
    for image in images:
        assert len(image["alt"].split()) >= 4, f"alt text too thin: {image['alt']!r}"
        assert (folder / image["src"]).is_file()
        if image["src"].endswith(".svg"):
            svg = (folder / image["src"]).read_text()
            assert "viewBox" in svg and "<script" not in svg


def test_a_failed_quiz_points_each_wrong_answer_at_the_module_that_teaches_it(
    shipped_app, make, session
):
    with shipped_app.app_context():
        course = current_catalogue().get("wrap")
    learner = make.user()
    browser = Browser(shipped_app.test_client())
    browser.sign_in(learner)
    for module in course.modules:
        page = browser.get(f"/courses/wrap/{module.slug}")
    form = page.soup.find("form", action=lambda a: a and "/attempts/" in a)
    attempt = session.scalar(
        select(QuizAttempt).where(QuizAttempt.public_id == form["action"].split("/")[-1])
    )
    wrong = {
        q["id"]: [next(o["key"] for o in q["options"] if not o["right"])] for q in attempt.questions
    }
    result = browser.post(form["action"], wrong)
    page = browser.get(result.response.headers["Location"])
    assert page.h1 == "Your result: not passed yet"
    teaching = {outcome.id: outcome.modules for outcome in course.outcomes}
    blocks = page.soup.select("section.app-answer-block")
    assert len(blocks) == len(course.quizzes[0].questions)
    for block, question in zip(blocks, course.quizzes[0].questions, strict=True):
        links = [a["href"] for a in block.select("a") if "Read again" in a.parent.get_text()]
        expected = dict.fromkeys(
            f"/courses/wrap/{slug}" for outcome in question.outcomes for slug in teaching[outcome]
        )
        assert links == list(expected), question.text
        assert not block.select(".app-answers__item--missed")
