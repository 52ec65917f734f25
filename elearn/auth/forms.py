"""Account forms, rendered with GOV.UK Frontend widgets."""

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from elearn.auth.passwords import NotCommon, nfc
from elearn.web.forms import Form, GovEmailInput, PlainName

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


def in_nfc(value: str | None) -> str | None:
    """New passwords are counted, checked and hashed in Unicode NFC (auth/passwords.py)."""
    return nfc(value) if isinstance(value, str) else value


def email_field(label: str = "Email address") -> EmailField:
    return EmailField(
        label,
        widget=GovEmailInput(),
        validators=[
            InputRequired(message="Enter your email address"),
            Email(
                message="Enter an email address in the correct format, like name@example.com",
                check_deliverability=False,
            ),
            Length(max=320, message="Email address must be 320 characters or fewer"),
        ],
    )


def new_password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        filters=[in_nfc],
        description=f"Use at least {MIN_PASSWORD_LENGTH} characters. A few unrelated words "
        "make a strong password that is easy to remember.",
        validators=[
            InputRequired(message="Enter a new password" if "New" in label else "Enter a password"),
            # What each message asks matches the hint: at least so many characters.
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=f"Password must be at least {MIN_PASSWORD_LENGTH} characters",
            ),
            Length(
                max=MAX_PASSWORD_LENGTH,
                message=f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer",
            ),
            NotCommon(),
        ],
    )


def confirm_field(label: str = "Confirm new password") -> PasswordField:
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        filters=[in_nfc],
        validators=[
            InputRequired(message=f"{label.replace('Confirm', 'Type')} again"),
            EqualTo("password", message="Passwords do not match"),
        ],
    )


class SignInForm(Form):
    email = email_field()
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),  # as typed: User.check_password tries its forms
        validators=[InputRequired(message="Enter your password")],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ResetRequestForm(Form):
    email = email_field()
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


class ResetPasswordForm(Form):
    password = new_password_field("New password")
    confirm = confirm_field()
    submit = SubmitField("Save new password", widget=GovSubmitInput())


class ChangePasswordForm(Form):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your current password")],
    )
    password = new_password_field("New password")
    confirm = confirm_field()
    submit = SubmitField("Change password", widget=GovSubmitInput())


class NameForm(Form):
    full_name = StringField(
        "Full name",
        widget=GovTextInput(),
        description="As you want it printed on certificates. Certificates you already have "
        "keep the name they were issued with; you can ask for them to be re-issued.",
        validators=[
            InputRequired(message="Enter your full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
            PlainName(),
        ],
    )
    submit = SubmitField("Save name", widget=GovSubmitInput())


class CodeForm(Form):
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        description="The 6-digit code it shows for Community Safety e-learning.",
        validators=[InputRequired(message="Enter the 6-digit code")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())
