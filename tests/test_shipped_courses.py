"""Every shipped course can be read and passed in the app, module by module."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from elearn import create_app
from elearn.config import PROJECT_DIR, TestConfig
from elearn.courses.catalogue import current_catalogue
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
