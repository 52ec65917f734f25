"""The learner's journey through a course: My training, modules in order, quiz, completion."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from elearn.models import Certificate, Completion, ModuleView, QuizAttempt, utcnow
from tests.conftest import Page

COURSE = "/courses/basics"


def open_quiz(browser):
    page = browser.get(f"{COURSE}/check")
    form = page.soup.find("form", action=lambda a: a and "/attempts/" in a)
    return page, form["action"]


def options_of(page, question: int) -> dict[str, str]:
    """Option text -> value for question N (1-based) as shown on the quiz page."""
    inputs = page.soup.select(f"input[name=q{question}]")
    return {
        " ".join(page.soup.find("label", attrs={"for": tag["id"]}).get_text().split()): tag["value"]
        for tag in inputs
    }


def answer(page, right: bool) -> dict[str, list[str]]:
    q1 = options_of(page, 1)
    q2 = options_of(page, 2)
    if right:
        return {"q1": [q1["Blue"]], "q2": [q2["Apple"], q2["Pear"]]}
    return {"q1": [q1["Green"]], "q2": [q2["Apple"]]}


def read_modules(browser):
    browser.get(f"{COURSE}/welcome")
    browser.get(f"{COURSE}/next-steps")


def test_my_training_lists_courses_with_status_and_progress(browser, make):
    learner = make.user()
    browser.sign_in(learner)
    page = browser.get("/my-training")
    assert page.h1 == "My training"
    item = page.soup.select_one(".app-course-list__item")
    assert "Basics of safeguarding" in item.get_text()
    assert item.select_one(".govuk-tag").get_text(strip=True) == "Not started"
    bar = item.select_one("progress")
    assert bar["value"] == "0"
    assert "0 of 3 parts done" in item.get_text()


def test_visitor_is_sent_to_sign_in_for_my_training_and_modules(browser, session):
    for path in ("/my-training", f"{COURSE}/welcome", f"{COURSE}/check"):
        page = browser.get(path, status=302)
        assert "/sign-in?next=" in page.response.headers["Location"]


def test_visitor_sees_catalogue_and_course_overview(browser, session):
    page = browser.get("/courses")
    assert "Basics of safeguarding" in page.text()
    page = browser.get(COURSE)
    assert page.h1 == "Basics of safeguarding"
    assert "This course has two reading parts" in page.text()
    assert "Last reviewed: 15 January 2026" in page.text()
    sources = page.soup.select(".app-sources li")
    assert [li.get_text(strip=True) for li in sources] == [
        "A safeguarding guide",
        "A leaflet with no web address",
    ]
    assert sources[0].a["href"] == "https://www.gov.uk/"
    assert not page.soup.select(".govuk-task-list__link"), "modules must not link for visitors"


def test_modules_open_in_order_and_learner_resumes(browser, make, session):
    learner = make.user()
    browser.sign_in(learner)
    # The second module is not open before the first has been read.
    page = browser.get(f"{COURSE}/next-steps", status=302)
    assert page.response.headers["Location"].endswith(COURSE)
    assert "Finish ‘Welcome’" in browser.get(COURSE).text()

    page = browser.get(f"{COURSE}/welcome")
    assert page.h1 == "Welcome"
    nav = page.soup.select_one(".app-module-nav")
    assert nav.select_one("[rel=next]")["href"] == f"{COURSE}/next-steps"
    assert nav.select_one("[rel=prev]") is None

    page = browser.get(COURSE)
    assert "1 of 3 parts done" in page.text()
    assert page.soup.select_one(".govuk-button")["href"] == f"{COURSE}/next-steps"
    page = browser.get("/my-training")
    assert page.soup.select_one(".govuk-tag").get_text(strip=True) == "In progress"
    assert f"{COURSE}/next-steps" in [a["href"] for a in page.soup.select(".app-course-list a")]

    page = browser.get(f"{COURSE}/next-steps")
    assert page.soup.select_one(".app-module-nav [rel=prev]")["href"] == f"{COURSE}/welcome"
    views = session.scalar(select(func.count()).select_from(ModuleView))
    assert views == 2


def test_quiz_opens_only_after_the_modules_before_it(browser, make):
    browser.sign_in(make.user())
    browser.get(f"{COURSE}/welcome")
    assert browser.get(f"{COURSE}/check", status=302)
    browser.get(f"{COURSE}/next-steps")
    page, _ = open_quiz(browser)
    assert page.h1 == "Check your understanding"


def test_quiz_renders_radios_for_single_and_checkboxes_for_multiple_answers(browser, make):
    browser.sign_in(make.user())
    read_modules(browser)
    page, _ = open_quiz(browser)
    fieldsets = page.soup.select("fieldset.govuk-fieldset")
    assert len(fieldsets) == 2
    assert "What colour is the sky" in fieldsets[0].legend.get_text()
    assert {tag["type"] for tag in page.soup.select("input[name=q1]")} == {"radio"}
    assert {tag["type"] for tag in page.soup.select("input[name=q2]")} == {"checkbox"}
    assert "Select all that apply." in fieldsets[1].get_text()
    assert "A grocer asks you" in fieldsets[1].get_text()


def test_options_are_shuffled_per_attempt_and_kept_on_reload(browser, make, session):
    learner = make.user()
    browser.sign_in(learner)
    read_modules(browser)
    first, action = open_quiz(browser)
    again, same_action = open_quiz(browser)
    assert action == same_action, "reloading the quiz keeps the same attempt"
    assert options_of(first, 1) == options_of(again, 1)
    orders = set()
    for _ in range(12):
        page, action = open_quiz(browser)
        orders.add(tuple(options_of(page, 1)))
        browser.post(action, answer(page, right=False))
    assert len(orders) > 1, "option order never changed across 12 attempts"


def test_fail_then_pass_records_completion_with_version_and_expiry(browser, make, session):
    org = make.organisation("Bank of Examples")
    learner = make.user(org=org)
    browser.sign_in(learner)
    read_modules(browser)

    page, action = open_quiz(browser)
    result = browser.post(action, answer(page, right=False))
    page = browser.get(result.response.headers["Location"])
    assert page.h1 == "Your result: not passed yet"
    assert "You scored 0% (0 of 2 right)" in page.text()
    # Which answers were wrong, but not the right ones: the retry must not be trivial.
    assert "Rayleigh scattering" not in page.text() and "Blue" not in page.text()
    assert not page.soup.select(".app-answers__item--missed")
    assert not page.soup.select(".app-answers__item--wrong, .app-answers__item--right")
    chosen = [" ".join(li.get_text().split()) for li in page.soup.select(".app-answers__item")]
    assert chosen == ["Your answer: Green", "Your answer: Apple"]
    assert "every right option must be chosen, and no wrong one" in page.text()
    assert "shown once you pass, or after 3 attempts that do not pass" in page.text()
    assert session.scalar(select(func.count()).select_from(Completion)) == 0

    page, action = open_quiz(browser)
    result = browser.post(action, answer(page, right=True))
    page = browser.get(result.response.headers["Location"])
    assert page.h1 == "Your result: you passed"
    assert "You have completed Basics of safeguarding" in page.text()
    assert "It is blue because of Rayleigh scattering." in page.text(), "explanations once passed"
    [certificate] = session.scalars(select(Certificate)).all()
    [download] = [a for a in page.soup.select("a.govuk-button") if "certificate" in a.get_text()]
    assert download.get_text(strip=True) == "Download your certificate (PDF)"
    assert download["href"] == f"/certificates/{certificate.code}.pdf"
    assert browser.client.get(download["href"]).mimetype == "application/pdf"

    completion = session.scalars(select(Completion)).one()
    assert completion.user_id == learner.id
    assert completion.course_version == "1.0"
    assert completion.method == "e-learning"
    assert completion.sequence == 1
    assert (utcnow() - completion.completed_at) < timedelta(minutes=1)
    months_later = completion.completed_at.replace(year=completion.completed_at.year + 1)
    assert completion.expires_at == months_later
    assert [o.name for o in completion.organisations] == ["Bank of Examples"]

    page = browser.get("/my-training")
    assert page.soup.select_one(".govuk-tag").get_text(strip=True) == "Completed"
    assert "3 of 3 parts done" in page.text()


def test_the_right_answers_are_shown_after_the_attempts_cst_sets(app, browser, make):
    browser.sign_in(make.user())
    read_modules(browser)
    for attempt in (1, 2, 3):
        page, action = open_quiz(browser)
        result = browser.post(action, answer(page, right=False))
        location = result.response.headers["Location"]
        page = browser.get(location)
        shown = "Rayleigh scattering" in page.text()
        assert shown is (attempt == 3), f"attempt {attempt}"
    assert page.soup.select(".app-answers__item--missed")
    app.config["QUIZ_ANSWERS_AFTER"] = 0  # only once passed
    try:
        assert "Rayleigh scattering" not in browser.get(location).text()
    finally:
        app.config["QUIZ_ANSWERS_AFTER"] = 3


def test_attempt_is_stored_with_snapshot_of_questions_options_and_answers(browser, make, session):
    browser.sign_in(make.user())
    read_modules(browser)
    page, action = open_quiz(browser)
    chosen = answer(page, right=True)
    browser.post(action, chosen)
    attempt = session.scalars(select(QuizAttempt)).one()
    assert attempt.status == "submitted"
    assert attempt.course_version == "1.0"
    assert [q["text"] for q in attempt.questions] == [
        "What colour is the sky on a clear day?",
        "Which of these are fruit? Select all that apply.",
    ]
    shown = [option["text"] for option in attempt.questions[0]["options"]]
    assert shown == list(options_of(page, 1)), "the snapshot keeps the order shown"
    assert attempt.answers == chosen
    assert (attempt.score, attempt.correct_count, attempt.passed) == (100, 2, True)


def test_double_submission_is_recorded_once(browser, make, session):
    browser.sign_in(make.user())
    read_modules(browser)
    page, action = open_quiz(browser)
    wrong = answer(page, right=False)
    browser.post(action, wrong)
    replay = browser.post(action, answer(page, right=True))
    assert replay.response.headers["Location"].endswith(action.split("/attempts/")[1])
    attempts = session.scalars(select(QuizAttempt)).all()
    assert len(attempts) == 1
    assert attempts[0].answers == wrong, "the first submission counts, the replay changes nothing"
    assert attempts[0].passed is False
    page = browser.get(replay.response.headers["Location"])
    assert "already submitted" in page.text()


def test_missing_answer_is_reported_and_choices_kept(browser, make, session):
    browser.sign_in(make.user())
    read_modules(browser)
    page, action = open_quiz(browser)
    q2 = options_of(page, 2)
    page = browser.post(action, {"q2": [q2["Apple"]]}, status=400)
    assert page.error_summary() == ["Select an answer to question 1"]
    assert page.soup.select_one(".govuk-error-summary a")["href"] == "#q1"
    assert page.soup.find("input", {"value": q2["Apple"]}).has_attr("checked")
    attempt = session.scalars(select(QuizAttempt)).one()
    assert attempt.status == "open"


def test_tampered_or_unknown_option_is_rejected_with_a_message(browser, make, session):
    browser.sign_in(make.user())
    read_modules(browser)
    page, action = open_quiz(browser)
    right = answer(page, right=True)
    for tampered in (
        {**right, "q1": ["not-an-option"]},
        {**right, "q1": right["q2"][:1]},  # an option of another question
        {**right, "q1": list(options_of(page, 1).values())},  # two answers to a single
        {**right, "q9": ["x"]},
    ):
        page = browser.post(action, tampered, status=400)
        assert page.error_summary(), "a clear message is shown"
        assert "not one of its options" in page.text() or "do not match" in page.text()
    assert session.scalars(select(QuizAttempt)).one().status == "open"


def test_learner_cannot_read_or_submit_another_learners_attempt(
    browser, other_browser, make, session
):
    browser.sign_in(make.user())
    read_modules(browser)
    page, action = open_quiz(browser)
    chosen = answer(page, right=True)

    other_browser.sign_in(make.user())
    other_browser.get("/my-training")
    other_browser.post(action, chosen, status=404)
    other_browser.get(action, status=404)
    assert session.scalars(select(QuizAttempt)).one().status == "open"

    browser.post(action, chosen)
    other_browser.get(action, status=404)
    browser.get(action)


def test_stale_form_keeps_answers_and_says_so(browser, make, session):
    browser.sign_in(make.user())
    read_modules(browser)
    page, action = open_quiz(browser)
    chosen = answer(page, right=True)
    page = browser.post(action, {**chosen, "csrf_token": "stale"}, status=400)
    assert "nothing was saved" in page.text()
    for value in chosen["q2"]:
        assert page.soup.find("input", {"value": value}).has_attr("checked")
    assert session.scalars(select(QuizAttempt)).one().status == "open"


def test_expired_completion_shows_expired_and_course_opens_again(browser, make, session):
    learner = make.user()
    make.completion(
        learner,
        completed_at=utcnow() - timedelta(days=400),
        expires_at=utcnow() - timedelta(days=35),
    )
    browser.sign_in(learner)
    page = browser.get("/my-training")
    assert page.soup.select_one(".govuk-tag").get_text(strip=True) == "Expired"
    assert "0 of 3 parts done" in page.text()
    browser.get(f"{COURSE}/welcome")
    assert browser.get("/my-training").soup.select_one(".govuk-tag").get_text(strip=True) == (
        "In progress"
    )


def test_completed_learner_can_review_any_module(browser, make, session):
    learner = make.user()
    make.completion(learner, expires_at=None)
    browser.sign_in(learner)
    assert browser.get(f"{COURSE}/next-steps").h1 == "Next steps"


def test_unknown_course_or_module_is_not_found(browser, make):
    browser.sign_in(make.user())
    browser.get("/courses/nope", status=404)
    browser.get(f"{COURSE}/nope", status=404)
    browser.get(f"{COURSE}/check/attempts/0123", status=404)


def test_course_images_are_served_and_paths_cannot_escape(browser, session):
    response = browser.client.get(f"{COURSE}/images/steps.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert browser.client.get(f"{COURSE}/images/../course.md").status_code == 404


def test_odd_pages_a_newcomer_meets_answer_plainly(browser, make):
    """A visitor's course page offers sign-in first; /sign-out typed in shows a button;
    an unknown certificate code is kept for mending; a quiz says how many questions."""
    page = browser.get("/courses/basics")
    button = page.soup.select_one("main a.govuk-button")
    assert button.get_text(strip=True) == "Sign in to start this course"
    hints = [h.get_text(strip=True) for h in page.soup.select(".govuk-task-list__hint")]
    assert hints[-1] == "2 questions"
    page = Page(browser.client.get("/verify/ABCD-EFGH-JKMN"))
    assert page.response.status_code == 404
    assert page.soup.select_one("input#code")["value"] == "ABCD-EFGH-JKMN"
    browser.sign_in(make.user())
    page = browser.get("/sign-out")
    assert page.h1 == "Sign out"
    browser.post("/sign-out")
    assert browser.get("/my-training", status=302)
