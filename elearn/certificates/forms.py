"""Forms for verifying and revoking certificates, and recording training done elsewhere."""

from __future__ import annotations

from flask_wtf.file import FileField, FileSize
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovFileInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from elearn.certificates.codes import normalise_code
from elearn.certificates.external import REASON_MAX, ExternalRefused, evidence_type
from elearn.web.forms import DayMonthYearField, Form, QueryForm

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024


class VerifyForm(QueryForm):
    """A GET form: looking a code up changes nothing, so it needs no CSRF token."""

    code = StringField(
        "Verification code",
        widget=GovTextInput(),
        description="It is printed on the certificate, in groups of four letters and "
        "numbers, for example ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2-3456.",
        validators=[InputRequired(message="Enter the verification code")],
    )
    submit = SubmitField("Check certificate", widget=GovSubmitInput())

    def validate_code(self, field: StringField) -> None:
        if not normalise_code(field.data or ""):
            raise ValidationError("Enter the verification code: letters and numbers")


class RevokeForm(Form):
    reason = TextAreaField(
        "Why is it being revoked?",
        widget=GovTextArea(),
        description="Recorded in the audit log. People who check the code see that it was "
        "revoked, not why.",
        validators=[
            InputRequired(message="Enter why the certificate is being revoked"),
            Length(max=500, message="Reason must be 500 characters or fewer"),
        ],
    )
    submit = SubmitField("Revoke certificate", widget=GovSubmitInput())


class ExternalTrainingForm(Form):
    course = SelectField(
        "Which of our courses does it match?",
        widget=GovSelect(),
        validators=[InputRequired(message="Select the course it matches")],
    )
    provider = StringField(
        "Who provided the training?",
        widget=GovTextInput(),
        description="For example, the Home Office Prevent e-learning, or your university.",
        validators=[InputRequired(message="Enter who provided the training"), Length(max=200)],
    )
    course_name = StringField(
        "Name of the course",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the name of the course"), Length(max=200)],
    )
    completed_on = DayMonthYearField(
        "When did you complete it?",
        message="Enter a real date, for example 27 3 2026",
        widget=GovDateInput(),
        description="For example, 27 3 2026",
        validators=[InputRequired(message="Enter the date you completed it")],
    )
    reference = StringField(
        "Certificate number or reference (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=200)],
    )
    evidence = FileField(
        "Upload your certificate (optional)",
        widget=GovFileInput(),
        description="A PDF, PNG or JPEG file, smaller than 5 MB.",
        validators=[
            FileSize(max_size=EVIDENCE_MAX_BYTES, message="The file must be smaller than 5 MB")
        ],
    )
    submit = SubmitField("Send for checking", widget=GovSubmitInput())

    def validate_evidence(self, field: FileField) -> None:
        """The file's type from its first bytes, checked with the other answers: a
        learner is told everything wrong at once."""
        if not field.data:
            return
        start = field.data.stream.read(8)
        field.data.stream.seek(0)
        try:
            evidence_type(start)
        except ExternalRefused as refused:
            raise ValidationError(str(refused)) from refused

    def ask_for_the_file_again(self) -> None:
        """Browsers cannot keep a chosen file when a form is shown again: a learner who
        chose one is asked to choose it again, in the error summary with the rest."""
        upload = self.evidence.data
        if upload and upload.filename and not self.evidence.errors:
            self.evidence.errors = [
                f"Choose your file again ({upload.filename[-60:]}): it could not be kept "
                "while you correct the other answers"
            ]


class DecisionForm(Form):
    """Accept (the page says first what it records) or reject, with a reason: two forms
    on one page, each with its own button, each saying which it is."""

    decision = HiddenField(
        validators=[
            AnyOf(("accept", "reject"), message="Choose whether you accept or reject it"),
        ],
    )
    reason = TextAreaField(
        "Why are you rejecting it?",
        widget=GovTextArea(),
        description="The learner reads this in an email and on their certificates page. "
        "Say what would make it acceptable, for example a certificate showing the date "
        f"({REASON_MAX} characters at most).",
        validators=[
            Length(max=REASON_MAX, message=f"Reason must be {REASON_MAX} characters or fewer")
        ],
    )

    def validate_reason(self, field: TextAreaField) -> None:
        if self.decision.data == "reject" and not (field.data or "").strip():
            raise ValidationError("Enter why you are rejecting it: the learner will read it")

    @property
    def accept(self) -> bool:
        return self.decision.data == "accept"
