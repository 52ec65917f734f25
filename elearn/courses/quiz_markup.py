"""A quiz question's HTML: GOV.UK Frontend's radios or checkboxes markup, written here.

The quiz page is the one every learner waits on. Rendering its sixty-odd options through
govuk-frontend-wtf's widgets (a Jinja macro per option, each indenting its output) took
90% of its time, and a Jinja macro of our own or `Markup.format` still most of it. This
writes the same markup with f-strings, every value from the attempt passed through
`escape` (the scenario is HTML the course renderer has already cleaned).
"""

from __future__ import annotations

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
