"""The base form: CSRF failures become a clear message on the form, input kept."""

from flask import g
from flask_wtf import FlaskForm

EXPIRED_MESSAGE = (
    "This page had been open too long, so nothing was saved. "
    "Check what you entered and submit again."
)


class Form(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not valid and self.meta.csrf and self.csrf_token.errors:
            self.csrf_token.errors = [EXPIRED_MESSAGE]
        return valid

    @property
    def expired(self) -> bool:
        return bool(g.get("csrf_failed"))
