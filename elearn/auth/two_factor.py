"""Time-based one-time codes (TOTP, RFC 6238) as a second step at sign-in.

A six-digit code can be guessed given enough tries, so wrong codes are counted per
account, in the database (whatever the state of the rate-limit storage): a pending
sign-in ends after `CODES_PER_SIGN_IN` wrong codes and must start again from the
password, and the account's codes then wait 1, 2, 4 ... up to 60 minutes, doubling with
each sign-in ended so. A right code clears the count.
"""

from __future__ import annotations

import hmac
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
import segno
from sqlalchemy import and_, or_, select, update

from elearn import audit
from elearn.extensions import db
from elearn.models import User, utcnow

ISSUER = "Community Safety e-learning"
WRONG = "Enter the code your app shows now"
USED = "That code has been used: enter the next code your app shows"
TOO_MANY = "You entered a wrong code too many times. Wait {wait}, then sign in again"
WAITING = "You entered a wrong code too many times. Wait {wait}, then enter the code your app shows"
AGAIN = "You entered a wrong code too many times. Sign in again"

CODES_PER_SIGN_IN = 3
LONGEST_CODE_WAIT = timedelta(minutes=60)
PENDING_LIFETIME = 10 * 60  # seconds from the right password to the code


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, user: User) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The set-up QR code as a PNG data URI (the CSP allows data: images only)."""
    return segno.make(uri, error="m").png_data_uri(scale=5, border=4)


def matching_step(secret: str | None, code: str) -> int | None:
    """The 30-second time step whose code this is: now, or one either side for a phone
    clock that drifts; None when it is none of them."""
    digits = "".join(ch for ch in code if ch.isdigit())
    if not secret or len(digits) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now(UTC))
    for step in (now, now - 1, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def redeem(user: User, code: str) -> str | None:
    """Accept the user's code once; None when accepted, else the message to show.

    A code is refused once its time step, or a later one, has been accepted (RFC 6238,
    section 5.2), so a code seen over someone's shoulder cannot be used again. The
    conditional UPDATE makes two submissions of the same code count once.
    """
    step = matching_step(user.totp_secret, code)
    if step is None:
        return WRONG
    accepted = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return None if accepted.rowcount == 1 else USED


# --- wrong codes at sign-in ------------------------------------------------------------


def pending_sign_in(user: User, next_path: str | None) -> dict:
    """What the session keeps between the right password and the code: who, where to go
    after, when it began, and the account's count of wrong codes then."""
    return {
        "user": user.get_id(),
        "next": next_path,
        "started": int(time.time()),
        "codes": user.failed_codes or 0,
    }


def pending_is_live(pending: dict, user: User) -> bool:
    """Still usable: begun in the last ten minutes, and with wrong codes to spare (a copy
    of an older session cookie does not bring its tries back)."""
    started, codes = pending.get("started"), pending.get("codes")
    if not isinstance(started, int) or not isinstance(codes, int):
        return False
    used = (user.failed_codes or 0) - codes
    return time.time() - started < PENDING_LIFETIME and 0 <= used < CODES_PER_SIGN_IN


@dataclass(frozen=True)
class CodeOutcome:
    """A code tried at sign-in: accepted, or the message to show and whether the pending
    sign-in has ended (then it starts again from the password)."""

    accepted: bool = False
    message: str | None = None
    ended: bool = False


def _wait_words(until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def try_code(user: User, pending: dict, code: str) -> CodeOutcome:
    """Try a code for a pending sign-in (the caller commits).

    Each try first takes one of the pending sign-in's wrong codes in a conditional UPDATE,
    so however many arrive at once, no more than `CODES_PER_SIGN_IN` are ever checked."""
    now = utcnow()
    start = pending["codes"]
    taken = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            User.failed_codes >= start,
            User.failed_codes < start + CODES_PER_SIGN_IN,
            or_(User.codes_blocked_until.is_(None), User.codes_blocked_until <= now),
        )
        .values(failed_codes=User.failed_codes + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return _refused_untried(user, now)
    problem = redeem(user, code)
    if problem is None:
        db.session.execute(
            update(User)
            .where(User.id == user.id)
            .values(failed_codes=0, codes_blocked_until=None)
            .execution_options(synchronize_session=False)
        )
        return CodeOutcome(accepted=True)
    failed = db.session.scalar(select(User.failed_codes).where(User.id == user.id))
    audit.record("two_factor_code_wrong", user, {"wrong_codes": failed}, actor_id=user.id)
    if failed - start < CODES_PER_SIGN_IN:
        return CodeOutcome(message=problem)
    return _end(user, failed, now)


def _end(user: User, failed: int, now: datetime) -> CodeOutcome:
    rounds = failed // CODES_PER_SIGN_IN
    until = now + min(timedelta(minutes=2 ** min(rounds - 1, 6)), LONGEST_CODE_WAIT)
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(codes_blocked_until=until)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "two_factor_sign_in_ended",
        user,
        {"wrong_codes": failed, "codes_wait_until": until.isoformat()},
        actor_id=user.id,
    )
    return CodeOutcome(message=TOO_MANY.format(wait=_wait_words(until, now)), ended=True)


def _refused_untried(user: User, now: datetime) -> CodeOutcome:
    """No try left: the account's codes are waiting, or this pending sign-in has used its
    wrong codes (then it ends)."""
    blocked_until = db.session.scalar(
        select(User.codes_blocked_until).where(
            and_(User.id == user.id, User.codes_blocked_until > now)
        )
    )
    if blocked_until is not None:
        return CodeOutcome(message=WAITING.format(wait=_wait_words(blocked_until, now)))
    return CodeOutcome(message=AGAIN, ended=True)
