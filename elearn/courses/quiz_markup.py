"""A quiz question's HTML (GOV.UK Frontend's radios or checkboxes markup) and a result's
answers, written here.

The quiz page and its result are the ones every learner waits on. Rendering the quiz's
sixty-odd options through govuk-frontend-wtf's widgets (a Jinja macro per option, each
indenting its output) took 90% of its time, and a Jinja macro of our own or
`Markup.format` still most of it; the result's answers through Jinja made it 2.2 times the
module page. This writes the same markup with f-strings, every value from the attempt
passed through `escape` (the scenario and explanations are HTML the course renderer has
already cleaned).
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape

SELECT_ALL = "Select all that apply"


def questions_html(questions: list[dict], form=None) -> Markup:
    """Every question of an attempt, in order; a submitted `form` (the WTForms quiz form)
    gives what was chosen and the errors to show."""
    count = len(questions)
    parts = []
    for number, question in enumerate(questions, start=1):
        field = form[question["id"]] if form is not None else None
        chosen = (field.data if question["multiple"] else [field.data]) if field else None
        error = field.errors[0] if field and field.errors else None
        parts.append(question_html(question, number, count, set(chosen or ()), error))
    return Markup("\n".join(parts))  # noqa: S704  # nosec B704 - each part escaped


def question_html(
    question: dict, number: int, count: int, chosen: set[str], error: str | None
) -> str:
    """One question, as a fieldset with what was `chosen` checked and its `error` shown."""
    multiple = question["multiple"]
    kind, input_type = ("checkboxes", "checkbox") if multiple else ("radios", "radio")
    name = escape(question["id"])
    select_all = multiple and SELECT_ALL not in question["text"]
    hint = question["scenario_html"]  # nosec B704 - Markdown rendered and cleaned by nh3
    if select_all:
        hint += '<p class="govuk-body">Select all that apply.</p>'
    described = ([f"{name}-hint"] if hint else []) + ([f"{name}-error"] if error else [])
    html = [
        f'<div class="govuk-form-group{" govuk-form-group--error" if error else ""}">',
        '<fieldset class="govuk-fieldset"'
        + (f' aria-describedby="{" ".join(described)}">' if described else ">"),
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">'
        f'<span class="govuk-caption-m">Question {number} of {count}</span> '
        f"{escape(question['text'])}</legend>",
    ]
    if hint:
        html.append(f'<div id="{name}-hint" class="govuk-hint">{hint}</div>')
    if error:
        html.append(
            f'<p id="{name}-error" class="govuk-error-message">'
            f'<span class="govuk-visually-hidden">Error:</span> {escape(error)}</p>'
        )
    html.append(f'<div class="govuk-{kind} app-quiz__question" data-module="govuk-{kind}">')
    for index, option in enumerate(question["options"], start=1):
        item_id = name if index == 1 else f"{name}-{index}"
        checked = " checked" if option["key"] in chosen else ""
        html.append(
            f'<div class="govuk-{kind}__item">'
            f'<input class="govuk-{kind}__input" id="{item_id}" name="{name}" '
            f'type="{input_type}" value="{escape(option["key"])}"{checked}>'
            f'<label class="govuk-label govuk-{kind}__label" for="{item_id}">'
            f"{escape(option['text'])}</label></div>"
        )
    html.append("</div></fieldset></div>")
    return "\n".join(html)


SELECT_ALL_RULE = (
    'In a "select all that apply" question, every right option must be chosen, and no wrong one.'
)


def answers_html(
    questions: list[dict],
    answers: dict[str, list[str]],
    feedback,
    module_url: Callable[[str], str],
    course_url: str,
) -> Markup:
    """A submitted attempt's questions with what was chosen: with the right answers and
    their explanations when `feedback.reveal`, otherwise which were not right and the
    modules (`module_url(slug)`) to read again."""
    parts = []
    for number, question in enumerate(questions, start=1):
        name = escape(question["id"])
        chosen = set(answers.get(question["id"], []))
        correct = feedback.correct[question["id"]]
        explanation = (
            '<div class="app-prose app-answer-block__explanation">'
            f"{question['explanation_html']}</div>"  # nosec B704 - cleaned by nh3
        )
        html = [
            f'<section class="app-answer-block" aria-labelledby="{name}-heading">',
            f'<h3 class="govuk-heading-s" id="{name}-heading"><span class="govuk-caption-m">'
            f"Question {number}</span> {escape(question['text'])}</h3>",
            '<p class="govuk-body"><strong class="govuk-tag govuk-tag--green">Right</strong></p>'
            if correct
            else '<p class="govuk-body"><strong class="govuk-tag govuk-tag--red">Not right'
            "</strong></p>",
            '<ul class="app-answers">',
        ]
        if feedback.reveal:
            for option in question["options"]:
                picked, right = option["key"] in chosen, option["right"]
                modifier, label = (
                    ("right", "Your answer, right:")
                    if picked and right
                    else ("wrong", "Your answer, not right:")
                    if picked
                    else ("missed", "Right answer, not chosen:")
                    if right
                    else (None, None)
                )
                html.append(
                    f'<li class="app-answers__item app-answers__item--{modifier}">'
                    f'<span class="app-answers__label">{label}</span> {escape(option["text"])}</li>'
                    if modifier
                    else f'<li class="app-answers__item">{escape(option["text"])}</li>'
                )
            html += ["</ul>", explanation]
        else:
            right = " app-answers__item--right" if correct else ""
            html += [
                f'<li class="app-answers__item{right}"><span class="app-answers__label">'
                f"Your answer:</span> {escape(option['text'])}</li>"
                for option in question["options"]
                if option["key"] in chosen
            ]
            html.append("</ul>")
            if not correct and question["multiple"]:
                html.append(f'<p class="govuk-body">{escape(SELECT_ALL_RULE)}</p>')
            modules = feedback.read_again.get(question["id"])
            if correct:
                html.append(explanation)
            elif modules:
                links = ", ".join(
                    f'<a class="govuk-link" href="{escape(module_url(m.slug))}">'
                    f"{escape(m.title)}</a>"
                    for m in modules
                )
                html.append(f'<p class="govuk-body">Read again: {links}</p>')
            else:
                html.append(
                    '<p class="govuk-body">Read the course again before your next attempt: '
                    f'<a class="govuk-link" href="{escape(course_url)}">course contents</a>.</p>'
                )
        html.append("</section>")
        parts.append("\n".join(html))
    return Markup("\n".join(parts))  # noqa: S704  # nosec B704 - each part escaped
