"""Password rules (NCSC and GOV.UK guidance): long enough, not a common password, not the
service's own words. No composition rules, no expiry, paste allowed."""

from __future__ import annotations

import re

from flask_login import current_user
from wtforms.validators import ValidationError

# The most used passwords in published breach lists, and the words of this service, which
# people reach for first. Compared ignoring case, spaces and trailing digits or symbols.
_WORDS = """
password passw0rd p@ssword p@ssw0rd password1 password123 passwords qwerty qwertyuiop
qwerty123 qwertyui asdfghjkl asdfgh zxcvbnm 1q2w3e4r 1q2w3e4r5t 1qaz2wsx qazwsx zaq12wsx
123456 1234567 12345678 123456789 1234567890 0987654321 11111111 00000000 12121212
87654321 123123123 147258369 123qwe 123abc abc123 abcd1234 abcdefgh letmein letmein1
welcome welcome1 welcome123 iloveyou iloveyou1 sunshine princess dragon monkey football
baseball superman batman starwars trustno1 master shadow michael jennifer jordan23
liverpool arsenal chelsea tottenham manchester everton charlie freedom whatever mustang
computer internet secret changeme changeit default administrator admin123 adminadmin
letmein123 hello123 hellohello loveme lovely flower flowers summer winter autumn spring
london london123 england unitedkingdom britain football1 soccer cricket elephant butterfly
pokemon minecraft fortnite samsung iphone google facebook linkedin microsoft windows apple
ninja hunter killer master123 access access123 login login123 qwertyuiop123 passw0rd1
trustme baseball1 superstar starwars1 jessica matthew daniel thomas william oliver harry
jack charlotte amelia olivia emily sophie chloe lucy ellie hannah samantha elearn
elearning e-learning cityoflondon city-of-london cityoflondoncorporation corporation
communitysafety community safety prevent preventduty wrap workshop hatecrime facingfacts
guildhall squaremile barbican training trainingpassword
"""
COMMON = frozenset(_WORDS.split())

TRAILING = re.compile(r"[\d\W_]+$")


def normalised(password: str) -> str:
    squeezed = password.lower().replace(" ", "")
    return TRAILING.sub("", squeezed) or squeezed


def is_common(password: str, email: str | None = None) -> bool:
    """A common or guessable password: on the list, or the person's own email name."""
    candidate = normalised(password)
    if candidate in COMMON or password.lower().replace(" ", "") in COMMON:
        return True
    if email:
        local = email.lower().split("@")[0]
        if candidate in {local, local.replace(".", ""), normalised(local)}:
            return True
    return len(set(password)) < 3  # aaaaaaaa, abababab


class NotCommon:
    """WTForms validator: refuse passwords that are on the common list."""

    message = "Choose a password that is harder to guess: it is too common"

    def __call__(self, form, field) -> None:
        email = getattr(getattr(form, "email", None), "data", None)
        if email is None and current_user and current_user.is_authenticated:
            email = current_user.email
        if field.data and is_common(field.data, email):
            raise ValidationError(self.message)
