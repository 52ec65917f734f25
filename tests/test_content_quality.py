"""What the content checker asks beyond the format: quizzes a guesser cannot pass,
outcomes that are tested, contacts kept in one place, and a review cycle."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup

from elearn import create_app
from elearn.config import TestConfig
from elearn.courses.loader import ContentInvalid, load_catalogue
from elearn.courses.quiz_rules import key_place
from elearn.courses.review import due_for_review
from tests.conftest import Browser
from tests.test_content import COURSE, MODULE, image_url, write

SHORT_KEY = """\
## {n}. A colleague is worried about a visitor. What should she do?
{outcome}
A visitor has asked twice where the servers are.

- [x] Tell security
- [ ] Ask the visitor to explain why they want to know
- [ ] Write it down and decide at the end of the week

> Security can look at it now.
"""
LONG_KEY = """\
## {n}. Who should hear about it first?
{outcome}
- [ ] A friend
- [x] The organisation's safeguarding lead
- [ ] Nobody

> The lead is trained to decide.
"""


def quiz(*questions: str) -> str:
    return "---\ntitle: Quiz\nquiz: true\n---\n" + "\n".join(questions)


def numbered(templates: list[str], outcome: str = "") -> list[str]:
    return [text.format(n=n, outcome=outcome) for n, text in enumerate(templates, start=1)]


def load(tmp_path, files: dict[str, str]):
    content = write(tmp_path, {"course.md": COURSE, "01-reading.md": MODULE, **files})
    return load_catalogue(content, image_url)


def problems(tmp_path, files: dict[str, str]) -> list[str]:
    with pytest.raises(ContentInvalid) as error:
        load(tmp_path, files)
    return [str(problem) for problem in error.value.problems]


# --- the key must not give itself away ------------------------------------------


def test_quiz_whose_key_is_longest_in_most_questions_is_refused(tmp_path):
    found = problems(
        tmp_path, {"02-quiz.md": quiz(*numbered([LONG_KEY, LONG_KEY, SHORT_KEY, SHORT_KEY]))}
    )
    assert found == [
        "content/course/02-quiz.md:3: the right option is the longest in 2 of 4 single-answer "
        "questions (50%; at most 40% allowed): questions 1, 2. Make the wrong options as long "
        "and specific as the right one"
    ]


def test_quiz_at_the_limit_passes(tmp_path):
    templates = [LONG_KEY, LONG_KEY, SHORT_KEY, SHORT_KEY, SHORT_KEY]
    catalogue = load(tmp_path, {"02-quiz.md": quiz(*numbered(templates))})
    assert len(catalogue.get("course").quizzes[0].questions) == 5


def test_a_key_tied_with_the_longest_wrong_option_counts_as_longest(tmp_path):
    tied = "## Tied?\n\n- [x] Call them\n- [ ] Email him\n- [ ] Wait\n\n> Because.\n"
    found = problems(tmp_path, {"02-quiz.md": quiz(tied, SHORT_KEY.format(n=2, outcome=""))})
    assert any("longest in 1 of 2 single-answer questions (50%" in p for p in found), found


def test_option_length_ignores_runs_of_spaces(tmp_path):
    padded = "## Padded?\n\n- [x] Tell     security\n- [ ] Call a friend now\n\n> Because.\n"
    catalogue = load(tmp_path, {"02-quiz.md": quiz(padded, SHORT_KEY.format(n=2, outcome=""))})
    assert catalogue.get("course").quizzes[0].questions[0].options[0].text == "Tell     security"


SECOND_KEY = """\
## {n}. Who should she tell?
{outcome}
A visitor has asked twice where the servers are.

- [ ] Post about it on the staff social media group straight away
- [x] Tell security about it now
- [ ] Nobody

> Security can look at it now.
"""


def test_quiz_whose_key_is_always_the_second_longest_is_refused(tmp_path):
    """Rewriting long keys can leave a new habit: the right option always second longest."""
    templates = [SECOND_KEY, SECOND_KEY, SECOND_KEY, SECOND_KEY, SHORT_KEY]
    found = problems(tmp_path, {"02-quiz.md": quiz(*numbered(templates))})
    assert found == [
        "content/course/02-quiz.md:3: the right option is the 2nd longest in 4 of 5 "
        "single-answer questions (80%; at most 40% at any one place): questions 1, 2, 3, 4. "
        "A guesser can learn that habit too: vary where the right option falls in length"
    ]


def test_keys_spread_across_the_length_order_pass(tmp_path):
    templates = [LONG_KEY, SECOND_KEY, SHORT_KEY, LONG_KEY, SECOND_KEY, SHORT_KEY]
    catalogue = load(tmp_path, {"02-quiz.md": quiz(*numbered(templates))})
    questions = catalogue.get("course").quizzes[0].questions
    assert [key_place(question) for question in questions] == [0, 1, 2, 0, 1, 2]


def test_a_place_held_by_too_few_questions_is_not_yet_a_habit(tmp_path):
    templates = [SECOND_KEY, SECOND_KEY, SECOND_KEY]
    catalogue = load(tmp_path, {"02-quiz.md": quiz(*numbered(templates))})
    assert len(catalogue.get("course").quizzes[0].questions) == 3


def test_select_all_questions_do_not_count_towards_the_longest_key_share(tmp_path):
    select_all = (
        "## Which are signs? Select all that apply.\n\n- [x] Praising an attack at length\n"
        "- [x] Sharing violent material with colleagues\n- [ ] Praying\n\n> Because.\n"
    )
    catalogue = load(tmp_path, {"02-quiz.md": quiz(select_all, select_all.replace("?", "!"))})
    assert all(q.multiple for q in catalogue.get("course").quizzes[0].questions)


def test_select_all_question_whose_every_option_is_right_is_refused(tmp_path):
    every = (
        "## Which apply? Select all that apply.\n\n- [x] One\n- [x] Two\n- [x] Three\n\n> All.\n"
    )
    found = problems(tmp_path, {"02-quiz.md": quiz(every)})
    assert found == [
        "content/course/02-quiz.md:5: question 1: every option is right: a 'select all' "
        "question needs a wrong option"
    ]


# --- every outcome is tested -----------------------------------------------------

OUTCOMES = COURSE.replace(
    "sources:",
    "owner: Prevent coordinator\noutcomes:\n  spot: spot a concern\n  share: share it\nsources:",
)


def test_outcomes_are_read_and_each_question_names_the_ones_it_tests(tmp_path):
    last = LONG_KEY.format(n=3, outcome="Outcomes: spot, share")
    questions = [*numbered([SHORT_KEY, SHORT_KEY], "Outcome: spot"), last]
    course = load(tmp_path, {"course.md": OUTCOMES, "02-quiz.md": quiz(*questions)}).get("course")
    assert [(o.id, o.text) for o in course.outcomes] == [
        ("spot", "spot a concern"),
        ("share", "share it"),
    ]
    assert course.owner == "Prevent coordinator"
    assert [q.outcomes for q in course.quizzes[0].questions] == [
        ("spot",),
        ("spot",),
        ("spot", "share"),
    ]
    first = course.quizzes[0].questions[0]
    assert "Outcome" not in str(first.scenario_html)
    assert first.has_scenario and not course.quizzes[0].questions[2].has_scenario


def test_an_outcome_no_question_tests_is_refused(tmp_path):
    found = problems(
        tmp_path,
        {"course.md": OUTCOMES, "02-quiz.md": quiz(*numbered([SHORT_KEY], "Outcome: spot"))},
    )
    assert found == [
        "content/course/course.md:11: outcome 'share' is not tested: name it on a "
        "question's 'Outcome:' line"
    ]


def test_a_question_naming_an_unknown_outcome_is_refused(tmp_path):
    questions = numbered([SHORT_KEY], "Outcome: spot, share, sopt")
    found = problems(tmp_path, {"course.md": OUTCOMES, "02-quiz.md": quiz(*questions)})
    assert found == ["content/course/02-quiz.md:6: unknown outcome 'sopt' (not in course.md)"]


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("  Share It: share it", "course.md:11: outcome id 'Share It' must be lowercase"),
        ("  share: ''", "course.md:11: outcome 'share' needs the text of what a learner"),
        (
            "  share:\n    text: share it\n    module: no-such",
            "outcome 'share': no module 'no-such'",
        ),
        ("  share:\n    text: share it\n    modules: [reading]", "unknown key 'modules'"),
        ("  share:\n    module: reading", "outcome 'share' needs the text"),
    ],
)
def test_each_outcome_problem_is_reported(tmp_path, outcome, expected):
    bad = OUTCOMES.replace("  share: share it", outcome)
    questions = numbered([SHORT_KEY], "Outcome: spot, share")
    found = problems(tmp_path, {"course.md": bad, "02-quiz.md": quiz(*questions)})
    assert any(expected in problem for problem in found), found


def test_an_outcome_names_the_modules_that_teach_it(tmp_path):
    taught = OUTCOMES.replace(
        "  share: share it", "  share:\n    text: share it\n    module: [reading, quiz]"
    )
    questions = numbered([SHORT_KEY], "Outcome: spot, share")
    course = load(tmp_path, {"course.md": taught, "02-quiz.md": quiz(*questions)}).get("course")
    assert [(o.id, o.text, o.modules) for o in course.outcomes] == [
        ("spot", "spot a concern", ()),
        ("share", "share it", ("reading", "quiz")),
    ]


def test_course_page_lists_what_you_will_learn(tmp_path, app):
    content = write(
        tmp_path,
        {
            "course.md": OUTCOMES,
            "01-reading.md": MODULE,
            "02-quiz.md": quiz(*numbered([SHORT_KEY], "Outcome: spot, share")),
        },
    )
    page = Browser(app_on(app, tmp_path, content).test_client()).get("/courses/course")
    heading = page.soup.find("h2", string="What you will learn")
    items = [li.get_text() for li in heading.find_next("ul").find_all("li")]
    assert items == ["spot a concern", "share it"]


# --- contacts in one place -------------------------------------------------------

CONTACTS = """\
# The contacts every course refers to.
cst-prevent:
  name: Prevent coordinator, Community Safety Team
  use_for: Advice on a concern that someone in the City may be drawn into terrorism.
  phone: "020 7332 3808"
  email: prevent@example.gov.uk
  url: https://www.cityoflondon.gov.uk/prevent
  note: Referrals go to the person's home borough.
  topic: Prevent
  confirmed: 2026-12-04
  source: https://www.cityoflondon.gov.uk/prevent

btp:
  name: British Transport Police
  use_for: Reporting something on a train or at a station.
  text: "61016"
  confirmed: 2026-12-01
  source: https://www.btp.police.uk/
"""


def with_contacts(tmp_path, body: str, contacts: str = CONTACTS):
    (tmp_path / "content").mkdir(parents=True, exist_ok=True)
    (tmp_path / "content" / "contacts.yaml").write_text(contacts)
    return load(tmp_path, {"01-reading.md": MODULE.replace("Some text.", body)})


def test_a_contact_on_its_own_line_is_a_card_with_its_confirmed_date(tmp_path):
    catalogue = with_contacts(tmp_path, "Talk to them first.\n\n[[contact:cst-prevent]]\n")
    soup = BeautifulSoup(str(catalogue.get("course").modules[0].html), "html.parser")
    card = soup.select_one("div.admonition.contact")
    assert card.select_one(".admonition-title").get_text() == (
        "Prevent coordinator, Community Safety Team"
    )
    links = {a.get_text(): a["href"] for a in card.find_all("a")}
    assert links == {
        "020 7332 3808": "tel:02073323808",
        "prevent@example.gov.uk": "mailto:prevent@example.gov.uk",
        "cityoflondon.gov.uk/prevent": "https://www.cityoflondon.gov.uk/prevent",
    }
    text = card.get_text(" ", strip=True)
    assert "Referrals go to the person's home borough." in text
    assert text.endswith("Details last confirmed 4 December 2026.")
    assert set(catalogue.contacts) == {"cst-prevent", "btp"}


def test_a_contact_inside_a_sentence_is_its_name_and_number(tmp_path):
    body = "Call [[contact:cst-prevent]] or text [[contact:btp]] now."
    catalogue = with_contacts(tmp_path, body)
    paragraph = BeautifulSoup(str(catalogue.get("course").modules[0].html), "html.parser").p
    assert paragraph.get_text() == (
        "Call Prevent coordinator, Community Safety Team (020 7332 3808) or text "
        "British Transport Police (text 61016) now."
    )
    assert paragraph.a["href"] == "https://www.cityoflondon.gov.uk/prevent"


def test_a_reference_to_a_missing_contact_is_refused_with_its_line(tmp_path):
    with pytest.raises(ContentInvalid) as error:
        with_contacts(tmp_path, "Call [[contact:city-police]] or [[contact:btp]].")
    assert [str(p) for p in error.value.problems] == [
        "content/course/01-reading.md:6: unknown contact 'city-police': it is not in "
        "content/contacts.yaml"
    ]


def test_a_reference_with_no_contacts_file_is_refused(tmp_path):
    found = problems(tmp_path, {"01-reading.md": MODULE.replace("Some text.", "[[contact:x]]")})
    assert found == [
        "content/course/01-reading.md:6: unknown contact 'x': it is not in content/contacts.yaml"
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("  confirmed: 2026-12-01\n", ""), "contact 'btp': missing the date"),
        (("  confirmed: 2026-12-01", "  confirmed: last week"), "'confirmed' must be a date"),
        (("  confirmed: 2026-12-01", "  confirmed: 2999-01-01"), "is in the future"),
        (('  text: "61016"\n', ""), "needs at least one way to reach it"),
        (("https://www.btp", "http://www.btp"), "'source' must be a full https:// address"),
        (("  text:", "  fax: 1\n  text:"), "unknown field 'fax'"),
        (("btp:", "BTP:"), "the key must be lowercase"),
    ],
)
def test_each_contact_problem_is_reported_with_its_line(tmp_path, change, expected):
    contacts = CONTACTS.replace(*change)
    with pytest.raises(ContentInvalid) as error:
        with_contacts(tmp_path, "Text.", contacts)
    found = [str(p) for p in error.value.problems]
    assert len(found) == 1 and found[0].startswith("content/contacts.yaml:13: "), found
    assert expected in found[0]


# --- the review cycle ------------------------------------------------------------


def stale_content(tmp_path, reviewed: date, confirmed: date):
    course = OUTCOMES.replace("reviewed: 2026-01-10", f"reviewed: {reviewed.isoformat()}")
    (tmp_path / "content").mkdir(parents=True, exist_ok=True)
    contacts = CONTACTS.replace("confirmed: 2026-12-01", f"confirmed: {confirmed.isoformat()}")
    (tmp_path / "content" / "contacts.yaml").write_text(contacts)
    return write(
        tmp_path,
        {
            "course.md": course,
            "01-reading.md": MODULE,
            "02-quiz.md": quiz(*numbered([SHORT_KEY], "Outcome: spot, share")),
        },
    )


def test_courses_and_contacts_are_due_twelve_months_after_they_were_checked(tmp_path):
    content = stale_content(tmp_path, date(2025, 12, 4), date(2025, 12, 5))
    catalogue = load_catalogue(content, image_url)
    due = due_for_review(catalogue, date(2026, 12, 4))
    assert [(i.kind, i.key, i.checked, i.due, i.tell) for i in due] == [
        ("course", "course", date(2025, 12, 4), date(2026, 12, 4), "Prevent coordinator")
    ]
    due = due_for_review(catalogue, date(2026, 12, 5))
    assert [(i.kind, i.key) for i in due] == [("course", "course"), ("contact", "btp")]
    assert due_for_review(catalogue, date(2026, 12, 3)) == []


def test_content_check_due_lists_what_is_due_and_who_to_tell(tmp_path, app):
    content = stale_content(tmp_path, date(2025, 1, 31), date.today())
    result = app.test_cli_runner().invoke(args=["content", "check", "--due", str(content)])
    assert result.exit_code == 0, result.output
    assert (
        "Due for review (1):\n  course course: A course. Last checked 2025-01-31, "
        "due 2026-01-31. Tell Prevent coordinator.\n"
    ) in result.output
    fresh = stale_content(tmp_path, date.today(), date.today())
    result = app.test_cli_runner().invoke(args=["content", "check", "--due", str(fresh)])
    assert "Nothing is due for review" in result.output


def app_on(app, tmp_path, content):
    config = TestConfig(tmp_path / "instance")
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    config.SQLALCHEMY_ENGINE_OPTIONS = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    config.ELEARN_CONTENT_DIR = content
    return create_app(config)


def test_cst_admins_see_what_is_due_on_the_dashboard_and_learners_an_honest_date(
    tmp_path, app, make, session
):
    old = date.today() - timedelta(days=400)
    stale_app = app_on(app, tmp_path, stale_content(tmp_path, old, old))
    admin = Browser(stale_app.test_client())
    admin.sign_in(make.user(admin=True))
    banner = admin.get("/reports").soup.select_one(".govuk-notification-banner")
    text = banner.get_text(" ", strip=True)
    assert "2 items are due for review" in text
    assert (
        "Course: A course, last checked" in text and "Who checks it: Prevent coordinator." in text
    )
    assert "Contact: British Transport Police" in text
    learner = Browser(stale_app.test_client())
    learner.sign_in(make.user())
    page = learner.get("/courses/course")
    assert "(due for review since" in page.text()
    assert "so check anything you act on against the documents below" in page.text()


def test_a_course_within_its_review_period_shows_no_notice(tmp_path, app, make, session):
    fresh_app = app_on(app, tmp_path, stale_content(tmp_path, date.today(), date.today()))
    admin = Browser(fresh_app.test_client())
    admin.sign_in(make.user(admin=True))
    assert admin.get("/reports").soup.select_one(".govuk-notification-banner") is None
    assert "due for review" not in admin.get("/courses/course").text()


def test_the_contacts_page_lists_every_contact_with_its_confirmed_date(tmp_path, app):
    (tmp_path / "content").mkdir(parents=True, exist_ok=True)
    (tmp_path / "content" / "contacts.yaml").write_text(CONTACTS)
    content = write(tmp_path, {"course.md": COURSE, "01-reading.md": MODULE})
    page = Browser(app_on(app, tmp_path, content).test_client()).get("/contacts")
    cards = page.soup.select(".govuk-summary-card")
    titles = [card.select_one(".govuk-summary-card__title").get_text(strip=True) for card in cards]
    assert titles == ["Prevent coordinator, Community Safety Team", "British Transport Police"]
    rows = {
        row.dt.get_text(strip=True): row.dd.get_text(" ", strip=True)
        for row in cards[0].select(".govuk-summary-list__row")
    }
    assert rows["Phone"] == "020 7332 3808"
    assert rows["Details confirmed"] == "4 December 2026"
    assert cards[0].select_one("a[href='tel:02073323808']") is not None
    headings = [h2.get_text() for h2 in page.soup.select("main h2.govuk-heading-m")]
    assert headings == ["Prevent", "Other contacts"]
    assert [a["href"] for a in page.soup.select("nav a")][-2:] == ["#topic-1", "#topic-2"]
    assert "call 999" in page.text()


def test_the_privacy_and_accessibility_pages_give_the_team_s_contact(tmp_path, app):
    (tmp_path / "content").mkdir(parents=True, exist_ok=True)
    team = CONTACTS.replace("cst-prevent:", "cst:")
    (tmp_path / "content" / "contacts.yaml").write_text(team)
    content = write(tmp_path, {"course.md": COURSE, "01-reading.md": MODULE})
    client = Browser(app_on(app, tmp_path, content).test_client())
    for path in ("/privacy", "/accessibility"):
        inset = client.get(path).soup.select_one(".govuk-inset-text")
        assert inset.select_one("a[href='tel:02073323808']") is not None, path
        assert "prevent@example.gov.uk" in inset.get_text()
