"""The quiz form, built for one attempt from the questions it showed."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
)
from wtforms import RadioField, SelectChoice, SelectMultipleField, SubmitField

from elearn.forms import Form


class QuizForm(Form):
    submit = SubmitField("Submit answers", widget=GovSubmitInput())

    def question_fields(self):
        return [field for field in self if field.name.startswith("q")]


def quiz_form(questions: list[dict], formdata=None) -> QuizForm:
    """A form with one radio group or checkbox group per question, options in shown order."""

    class AttemptForm(QuizForm):
        pass

    for question in questions:
        choices = [SelectChoice(option["key"], option["text"]) for option in question["options"]]
        if question["multiple"]:
            field = SelectMultipleField(
                question["text"],
                choices=choices,
                validate_choice=False,
                widget=GovCheckboxesInput(),
            )
        else:
            field = RadioField(
                question["text"], choices=choices, validate_choice=False, widget=GovRadioInput()
            )
        setattr(AttemptForm, question["id"], field)
    return AttemptForm(formdata=formdata) if formdata is not None else AttemptForm()
