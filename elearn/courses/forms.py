"""The quiz form for an attempt: a field for each question it showed."""

from __future__ import annotations

from functools import lru_cache

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import RadioField, SelectMultipleField, SubmitField

from elearn.web.forms import Form


class QuizForm(Form):
    submit = SubmitField("Submit answers", widget=GovSubmitInput())

    def question_fields(self):
        return [field for field in self if field.name.startswith("q")]


def quiz_form(questions: list[dict], formdata=None) -> QuizForm:
    """A form with one radio group or checkbox group per question. Its fields are checked
    against the attempt by grading (elearn/courses/grading.py) and drawn by
    quiz_markup.py, so a form class serves every attempt with the same questions."""
    form_class = _form_class(
        tuple((question["id"], question["multiple"]) for question in questions)
    )
    return form_class(formdata=formdata) if formdata is not None else form_class()


@lru_cache(maxsize=256)
def _form_class(questions: tuple[tuple[str, bool], ...]) -> type[QuizForm]:
    class AttemptForm(QuizForm):
        pass

    for question_id, multiple in questions:
        if multiple:
            field = SelectMultipleField(question_id, choices=[], validate_choice=False)
        else:
            field = RadioField(question_id, choices=[], validate_choice=False)
        setattr(AttemptForm, question_id, field)
    return AttemptForm
