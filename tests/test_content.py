"""The course loader: the format, every kind of content error, rendering and sanitising."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from elearn import create_app
from elearn.config import PROJECT_DIR, TestConfig
from elearn.courses.loader import ContentInvalid, load_catalogue

COURSE = """\
---
title: A course
summary: One line.
duration_minutes: 20
pass_mark: 80
version: "2026.1"
reviewed: 2026-01-10
sources:
  - title: A public guide
    url: https://www.gov.uk/
---
The overview.
"""
MODULE = """\
---
title: Reading
---
## A section

Some text.
"""
QUIZ = """\
---
title: Quiz
quiz: true
---
## Question one?

- [x] Right
- [ ] Wrong answer

> Because.
"""


def image_url(slug: str) -> str:
    return f"/courses/{slug}/images"


def write(root: Path, files: dict[str, str], slug: str = "course") -> Path:
    folder = root / "content" / slug
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root / "content"


def problems(root: Path, files: dict[str, str]) -> list[str]:
    content = write(root, {"course.md": COURSE, "01-reading.md": MODULE, **files})
    with pytest.raises(ContentInvalid) as error:
        load_catalogue(content, image_url)
    return [str(problem) for problem in error.value.problems]


def test_valid_course_loads_with_modules_in_order_and_quiz_parsed(tmp_path):
    content = write(tmp_path, {"course.md": COURSE, "02-quiz.md": QUIZ, "01-reading.md": MODULE})
    course = load_catalogue(content, image_url).get("course")
    assert (course.title, course.pass_mark, course.version) == ("A course", 80, "2026.1")
    assert course.valid_for_months is None
    assert course.reviewed.isoformat() == "2026-01-10"
    assert [(s.title, s.url) for s in course.sources] == [("A public guide", "https://www.gov.uk/")]
    assert [m.slug for m in course.modules] == ["reading", "quiz"]
    quiz = course.module("quiz")
    assert quiz.is_quiz and len(quiz.questions) == 1
    question = quiz.questions[0]
    assert question.text == "Question one?"
    assert [(o.text, o.right) for o in question.options] == [
        ("Right", True),
        ("Wrong answer", False),
    ]
    assert question.multiple is False
    assert str(question.explanation_html) == "<p>Because.</p>"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"course.md": COURSE.replace("title: A course\n", "")},
            "content/course/course.md:1: missing required key 'title'",
        ),
        (
            {"course.md": COURSE.replace("pass_mark: 80\n", "pass_mark: 80\ncolour: red\n")},
            "content/course/course.md:6: unknown key 'colour' (known keys: title, summary, "
            "duration_minutes, pass_mark, version, valid_for_months, audience, reviewed, "
            "sources, outcomes, owner)",
        ),
        (
            {"course.md": COURSE.replace("pass_mark: 80", "pass_mark: 120")},
            "content/course/course.md:5: pass_mark must be a percentage from 1 to 100",
        ),
        (
            {"course.md": COURSE.replace("duration_minutes: 20", "duration_minutes: soon")},
            "content/course/course.md:4: 'duration_minutes' must be a whole number",
        ),
        (
            {
                "course.md": COURSE.replace(
                    'version: "2026.1"', 'version: "2026.1"\naudience: [banks]'
                )
            },
            "content/course/course.md:7: unknown audience 'banks'",
        ),
        (
            {"course.md": COURSE.replace("summary: One line.", "summary: [unclosed")},
            "content/course/course.md:4: front matter is not valid YAML",
        ),
        (
            {"course.md": COURSE.replace("The overview.\n", "")},
            "content/course/course.md:12: the course overview is empty",
        ),
        (
            {"02-quiz.md": QUIZ.replace("- [x] Right", "- [ ] Right")},
            "content/course/02-quiz.md:5: question 1: has no right option: mark at least one "
            "with '- [x]'",
        ),
        (
            {"02-quiz.md": QUIZ.replace("- [x] Right\n- [ ] Wrong answer\n", "")},
            "content/course/02-quiz.md:5: question 1: needs at least two options",
        ),
        (
            {"02-quiz.md": QUIZ.replace("> Because.\n", "")},
            "content/course/02-quiz.md:5: question 1: has no explanation",
        ),
        (
            {"02-quiz.md": QUIZ.replace("- [ ] Wrong answer", "- [ ] right")},
            "content/course/02-quiz.md:5: question 1: option 'right' appears more than once",
        ),
        (
            {"02-quiz.md": QUIZ + "\nA stray paragraph.\n"},
            "content/course/02-quiz.md:12: question 1: unexpected text after the options",
        ),
        (
            {"02-quiz.md": "---\ntitle: Quiz\nquiz: true\n---\nNo questions here.\n"},
            "content/course/02-quiz.md:5: quiz has no questions",
        ),
        (
            {"02-more.md": MODULE + "\n![A chart](images/missing.png)\n"},
            "content/course/02-more.md:8: image 'images/missing.png' not found in content/course",
        ),
        (
            {"02-more.md": MODULE + "\n![](images/chart.png)\n", "images/chart.png": "png"},
            "content/course/02-more.md:8: image 'images/chart.png' has no alt text",
        ),
        (
            {"02-more.md": MODULE + "\n![A chart](../../secret.png)\n"},
            "content/course/02-more.md:8: image '../../secret.png' must be in the course's "
            "images/ folder",
        ),
        (
            {"02-reading.md": MODULE},
            "content/course/02-reading.md:1: duplicate module slug 'reading': also 01-reading.md",
        ),
        (
            {"01-other.md": MODULE},
            "content/course/01-reading.md:1: duplicate module number 1: also 01-other.md",
        ),
        (
            {"notes.md": MODULE},
            "content/course/notes.md:1: module file name must be NN-slug.md",
        ),
        (
            {"02-more.md": MODULE.replace("title: Reading", "name: Reading")},
            "content/course/02-more.md:2: unknown key 'name' (known keys: title, quiz, "
            "duration_minutes)",
        ),
        (
            {"02-more.md": MODULE.replace("title: Reading", "title: Reading\nquiz: maybe")},
            "content/course/02-more.md:3: 'quiz' must be true or false",
        ),
        (
            {"02-more.md": MODULE + "\n# A big heading\n"},
            "content/course/02-more.md:8: a level-1 heading ('# ') is not allowed",
        ),
        (
            {"02-more.md": MODULE + '\n!!! danger "Careful"\n    Text.\n'},
            "content/course/02-more.md:8: unknown admonition 'danger'",
        ),
        (
            {"02-more.md": MODULE + "\n[Click](javascript:alert(1))\n"},
            "content/course/02-more.md:8: link 'javascript:alert(1' must be a full https://",
        ),
        (
            {"02-more.md": "title: no front matter\n"},
            "content/course/02-more.md:1: file must start with front matter between '---' lines",
        ),
        (
            {"02-more.md": "---\ntitle: Never closed\n"},
            "content/course/02-more.md:1: front matter is not closed with a '---' line",
        ),
        (
            {"02-more.md": "---\ntitle: Empty\n---\n"},
            "content/course/02-more.md:4: module has no content",
        ),
    ],
)
def test_each_content_error_is_reported_with_file_and_line(tmp_path, files, expected):
    found = problems(tmp_path, files)
    assert any(problem.startswith(expected) for problem in found), found


def test_every_problem_is_listed_not_just_the_first(tmp_path):
    found = problems(
        tmp_path,
        {
            "02-quiz.md": QUIZ.replace("- [x] Right", "- [ ] Right"),
            "03-more.md": MODULE + "\n# Big\n",
            "course.md": COURSE.replace("title: A course\n", ""),
        },
    )
    assert len(found) == 3


def test_folder_without_course_md_and_bad_folder_name(tmp_path):
    (tmp_path / "content" / "Bad Name").mkdir(parents=True)
    with pytest.raises(ContentInvalid) as error:
        load_catalogue(tmp_path / "content", image_url)
    assert [str(p) for p in error.value.problems] == [
        "content/Bad Name:1: course folder name 'Bad Name' is not a slug (lowercase letters, "
        "digits and hyphens)",
        "content/Bad Name:1: course folder has no course.md",
    ]


def render(tmp_path: Path, body: str) -> BeautifulSoup:
    module = MODULE.replace("## A section\n\nSome text.\n", body)
    images = {"images/a.png": "x", "images/steps.svg": "<svg/>"}
    content = write(tmp_path, {"course.md": COURSE, "01-reading.md": module, **images})
    course = load_catalogue(content, image_url).get("course")
    return BeautifulSoup(str(course.modules[0].html), "html.parser")


def test_markdown_renders_tables_anchors_admonitions_and_images(tmp_path):
    soup = render(
        tmp_path,
        "## Who to call\n\n| Route | When |\n| :-- | --: |\n| 999 | Danger |\n\n"
        '!!! warning "Act now"\n    If someone is in danger, call 999.\n\n'
        "![A map of the City](images/a.png)\n",
    )
    assert soup.h2["id"] == "who-to-call"
    wrapper = soup.select_one("div.app-table-scroll")
    assert wrapper["role"] == "region" and wrapper["tabindex"] == "0"
    assert [td.get_text() for td in wrapper.table.select("td")] == ["999", "Danger"]
    assert wrapper.table.th.get("align") == "left"
    assert soup.find(style=True) is None
    admonition = soup.select_one("div.admonition.warning")
    assert admonition.select_one("p.admonition-title").get_text() == "Act now"
    assert soup.img["src"] == "/courses/course/images/a.png"
    assert soup.img["alt"] == "A map of the City"


def test_a_diagram_scrolls_in_its_own_region_and_a_photo_does_not(tmp_path):
    """An SVG diagram keeps a readable width on a phone and scrolls sideways, as a wide
    table does; other images scale to the column."""
    soup = render(
        tmp_path, "![Notice, check, share](images/steps.svg)\n\n![A street](images/a.png)\n"
    )
    regions = soup.select(".app-diagram-scroll")
    assert len(regions) == 1 and regions[0]["role"] == "region"
    assert regions[0]["tabindex"] == "0" and "diagram" in regions[0]["data-hint"]
    assert regions[0].img["src"] == "/courses/course/images/steps.svg"
    assert soup.find("img", alt="A street").parent.name == "p"


def test_script_and_event_handlers_never_reach_the_page(tmp_path):
    soup = render(
        tmp_path,
        'Hello <script>alert("x")</script> world.\n\n'
        '<img src="x" onerror="alert(1)">\n\n'
        '<a href="https://example.org" onclick="steal()">link</a>\n\n'
        '<p style="color:red" class="evil">styled</p>\n\n'
        "<iframe src='https://evil.example'></iframe>\n",
    )
    html = str(soup)
    for forbidden in ("<script", "alert(", "onerror", "onclick", "style=", "evil", "<iframe"):
        assert forbidden not in html, forbidden
    assert soup.a["href"] == "https://example.org"
    assert soup.a["rel"] == ["noopener", "noreferrer"]
    assert "Hello" in soup.get_text() and "world." in soup.get_text()


def test_text_that_looks_like_markup_is_kept_as_text(tmp_path):
    soup = render(tmp_path, "If x < y and a & b, then `<b>` is code.\n")
    assert soup.p.get_text() == "If x < y and a & b, then <b> is code."


def test_shipped_content_is_valid():
    catalogue = load_catalogue(PROJECT_DIR / "content", image_url)
    assert "wrap" in catalogue.courses
    wrap = catalogue.get("wrap")
    assert wrap.quizzes and all(len(quiz.questions) >= 10 for quiz in wrap.quizzes)
    assert 4 <= len([m for m in wrap.modules if not m.is_quiz]) <= 8


def test_app_refuses_to_start_on_invalid_content(tmp_path):
    content = write(tmp_path, {"course.md": COURSE.replace("title: A course\n", "")})
    config = TestConfig(tmp_path / "instance")
    config.ELEARN_CONTENT_DIR = content
    with pytest.raises(ContentInvalid) as error:
        create_app(config)
    assert "course.md:1: missing required key 'title'" in str(error.value)


def test_content_check_command_lists_problems_and_exits_non_zero(app, tmp_path):
    content = write(tmp_path, {"course.md": COURSE.replace("pass_mark: 80", "pass_mark: 0")})
    result = app.test_cli_runner().invoke(args=["content", "check", str(content)])
    assert result.exit_code == 1
    assert "course.md:5: pass_mark must be a percentage from 1 to 100" in result.output
    assert "course has no modules" in result.output


def test_content_check_command_passes_on_valid_content(app):
    result = app.test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "Content is valid: 1 course, 3 modules, 2 quiz questions." in result.output
    result = app.test_cli_runner().invoke(args=["content", "check", str(PROJECT_DIR / "content")])
    assert result.exit_code == 0, result.output
    assert "wrap (version" in result.output


def test_wsgi_entry_point_refuses_to_start_with_the_same_messages(tmp_path):
    content = write(tmp_path, {"course.md": COURSE.replace("title: A course\n", "")})
    environment = {
        **os.environ,
        "ELEARN_CONTENT_DIR": str(content),
        "ELEARN_INSTANCE_DIR": str(tmp_path / "instance"),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import app"],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "elearn will not start: the course content has problems." in result.stderr
    assert "content/course/course.md:1: missing required key 'title'" in result.stderr


def test_the_example_in_the_authors_guide_is_valid(tmp_path):
    guide = (PROJECT_DIR / "docs" / "content-format.md").read_text()
    example = guide.split("## A short complete example", 1)[1]
    files = dict(re.findall(r"`content/example/([\w./-]+)`:\s*\n\n```\n(.*?)```", example, re.S))
    assert set(files) == {"course.md", "01-introduction.md", "02-quiz.md"}
    folder = tmp_path / "content" / "example"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "talk-to-lead.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    for name, text in files.items():
        (folder / name).write_text(text)
    course = load_catalogue(tmp_path / "content", image_url).get("example")
    assert [module.slug for module in course.modules] == ["introduction", "quiz"]
