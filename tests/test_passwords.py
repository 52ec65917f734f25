"""New passwords: the common-password list, the person's own name and address, the
service's words, on every way a password is chosen; and Unicode NFC, so an accent typed
either way is the same password, old hashes included."""

from __future__ import annotations

import email
import hashlib
import re
import time
import tracemalloc
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from elearn.auth import passwords
from elearn.models import Invitation, User
from tests.conftest import PASSWORD, Browser, Page

TOO_COMMON = "Choose a password that is harder to guess: it is too common"
TOO_PERSONAL = "Choose a password that does not include your name or email address"

# The outside tester's four, and 36 more of the kind people choose.
COMMON_PASSWORDS = [
    "abc12345",
    "q1w2e3r4",
    "Pa$$w0rd",
    "passwordpassword",
    "12345678",
    "password",
    "iloveyou",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "letmein1",
    "trustno1",
    "superman",
    "11111111",
    "abcd1234",
    "1q2w3e4r",
    "zaq12wsx",
    "1qaz2wsx",
    "qwertyui",
    "asdfghjk",
    "monkey12",
    "dragon12",
    "master12",
    "shadow12",
    "michael1",
    "jennifer",
    "charlie1",
    "P@ssw0rd",
    "qwe12345",
    "london12",
    "arsenal1",
    "Summer24",
    "Winter25",
    "Aa123456",
    "1234qwer",
    "qazwsx12",
    "Welcome!",
    "Password",
]

GOOD_PASSWORDS = [
    PASSWORD,
    "purple kettle orbit",
    "my cat likes warm radiators",
    "x7#kL9!mQ2",
    "Smith family holidays",  # a surname among other words is not the name alone
    "community garden party",
    "Zoë’s café in Soho at noon",
]

CAFE_NFC = unicodedata.normalize("NFC", "Crème brûlée à Noël")
CAFE_NFD = unicodedata.normalize("NFD", CAFE_NFC)


def mails(app) -> list[email.message.Message]:
    folder = Path(app.config["MAIL_DIR"])
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def link_to(app, address: str) -> str:
    """The path of the link in the newest email to this address."""
    message = [m for m in mails(app) if m["To"] == address][-1]
    body = message.get_payload(decode=True).decode()
    return re.search(r"http://localhost(/\S+)", body).group(1)


def open_link(browser: Browser, path: str) -> str:
    """Follow an emailed link to the page with the form; the address to post it to."""
    response = browser.client.get(path, follow_redirects=True)
    assert response.status_code == 200, response.status_code
    browser.last = Page(response)
    query = response.request.query_string.decode()
    return response.request.path + (f"?{query}" if query else "")


def change_password(browser: Browser, new: str, status: int = 200) -> Page:
    return browser.post(
        "/account/password",
        {"current_password": PASSWORD, "password": new, "confirm": new},
        status=status,
    )


def test_forty_common_passwords_are_refused_and_good_ones_accepted(browser, make, figures):
    browser.sign_in(make.user(email="sam.smith@example.com", full_name="Sam Smith"))
    browser.get("/account/password")
    refused = [
        password
        for password in COMMON_PASSWORDS
        if change_password(browser, password).error_summary() == [TOO_COMMON]
    ]
    assert refused == COMMON_PASSWORDS
    assert len(COMMON_PASSWORDS) == 40
    figures.append(f"common passwords: {len(refused)} of {len(COMMON_PASSWORDS)} refused")
    for password in GOOD_PASSWORDS:
        assert passwords.problem(password, "sam.smith@example.com", "Sam Smith") is None, password


def test_the_list_holds_a_hundred_thousand_passwords_read_once(figures):
    data = passwords.COMMON_PASSWORDS.read_bytes()
    readme = (passwords.COMMON_PASSWORDS.parent / "README.md").read_text()
    assert hashlib.sha256(data).hexdigest() in readme, "the note names the file it describes"
    entries = data.decode().splitlines()
    assert len(entries) == 100_000
    started = time.perf_counter()
    passwords.common_fingerprints.__wrapped__()  # as a new worker reads it
    loaded = time.perf_counter() - started
    tracemalloc.start()
    prints = passwords.common_fingerprints.__wrapped__()
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert kept < 1_000_000, "under a megabyte kept"
    assert len(prints) > 95_000  # 100,000 less those that differ only in case
    # Every entry of 8 characters or more is refused, whatever its case: a sample of them.
    long_enough = [entry for entry in entries if len(entry) >= 8]
    for entry in long_enough[::500]:
        assert passwords.problem(entry.upper()) == TOO_COMMON, entry
    started = time.perf_counter()
    for n in range(1000):
        passwords.problem(f"a long passphrase {n}", "sam@example.com", "Sam Smith")
    each = (time.perf_counter() - started) / 1000
    assert passwords.common_fingerprints.cache_info().misses <= 1, "read once per process"
    figures.append(
        f"common passwords: {len(prints):,} fingerprints, {kept / 1e6:.2f} MB kept "
        f"({peak / 1e6:.1f} MB while reading), read in {loaded * 1000:.0f} ms, "
        f"a check {each * 1e6:.0f} µs"
    )


def test_a_password_of_ones_own_address_or_name_is_refused(browser, make):
    user = make.user(email="hello.smith@example.com", full_name="Hélène Smith")
    browser.sign_in(user)
    browser.get("/account/password")
    for password in ("hello.smith@example.com", "hello.smith1", "HeleneSmith", "Hélène Smith 1990"):
        assert change_password(browser, password).error_summary() == [TOO_PERSONAL], password
    assert change_password(browser, "elearning2026").error_summary() == [TOO_COMMON]


def test_every_way_of_choosing_a_password_checks_it(app, browser, other_browser, make, session):
    """Accepting an invitation, an emailed account link, a reset and the create-admin
    command all refuse the person's own address and a common password."""
    org = make.organisation()
    manager = make.user(org=org, role="manager")
    browser.sign_in(manager)
    page = browser.post(
        f"/organisations/{org.id}/invitations",
        {"emails": "ada.jones@example.com", "role": "member"},
    )
    preview = browser.get(page.response.headers["Location"])
    browser.post(preview.response.request.path)
    assert session.scalar(select(Invitation.email)) == "ada.jones@example.com"
    form = open_link(other_browser, link_to(app, "ada.jones@example.com"))
    for password, name, message in (
        ("ada.jones@example.com", "Ada Jones", TOO_PERSONAL),
        ("AdaJones!", "Ada Jones", TOO_PERSONAL),
        ("Okonkwo1815", "Ada Okonkwo", TOO_PERSONAL),  # the name typed on the form
        ("abc12345", "Ada Jones", TOO_COMMON),
    ):
        page = other_browser.post(
            form, {"full_name": name, "password": password, "confirm": password}, status=200
        )
        assert page.error_summary() == [message], password

    other = Browser(app.test_client())
    other.get("/create-account")
    other.post(
        "/create-account", {"full_name": "Grace Hopper", "email": "grace@example.org"}, status=200
    )
    form = open_link(other, link_to(app, "grace@example.org"))
    for password, message in (("GraceHopper", TOO_PERSONAL), ("q1w2e3r4", TOO_COMMON)):
        page = other.post(form, {"password": password, "confirm": password}, status=200)
        assert page.error_summary() == [message], password

    make.user(email="reset.me@example.com", full_name="Rosa Parks")
    reset = Browser(app.test_client())
    reset.get("/reset-password")
    reset.post("/reset-password", {"email": "reset.me@example.com"}, status=200)
    form = open_link(reset, link_to(app, "reset.me@example.com"))
    for password, message in (("rosaparks1", TOO_PERSONAL), ("Pa$$w0rd", TOO_COMMON)):
        page = reset.post(form, {"password": password, "confirm": password}, status=200)
        assert page.error_summary() == [message], password

    runner = app.test_cli_runner()
    for password, message in (
        ("chief@example.org", TOO_PERSONAL),
        ("passwordpassword", TOO_COMMON),
    ):
        result = runner.invoke(
            args=["create-admin", "chief@example.org", "--name", "Chief", "--password", password]
        )
        assert result.exit_code == 2 and message in result.output, result.output
    assert session.scalar(select(User).where(User.email == "chief@example.org")) is None


def test_an_accent_typed_either_way_is_the_same_password(browser, other_browser, make, session):
    user = make.user()
    browser.sign_in(user)
    browser.get("/account/password")
    change_password(browser, CAFE_NFD, status=302)  # typed as letters and combining marks
    session.refresh(user)
    assert check_password_hash(user.password_hash, CAFE_NFC), "hashed in NFC"
    other_browser.sign_in(user, CAFE_NFC)  # typed with one character per accent
    other_browser.sign_out()
    other_browser.sign_in(user, CAFE_NFD)


def test_a_hash_made_before_normalising_still_works_and_is_renewed(browser, make, session):
    """A password chosen on a keyboard that gives decomposed accents was hashed as typed."""
    user = make.user()
    user.password_hash = generate_password_hash(CAFE_NFD)
    session.commit()
    browser.sign_in(user, CAFE_NFD)
    session.refresh(user)
    assert check_password_hash(user.password_hash, CAFE_NFC), "renewed in NFC"
    browser.sign_out()
    browser.sign_in(user, CAFE_NFC)


def test_a_password_too_long_says_so(browser, make):
    browser.sign_in(make.user())
    browser.get("/account/password")
    assert change_password(browser, "long words " * 12).error_summary() == [
        "Password must be 128 characters or fewer"
    ]


def test_length_is_counted_in_nfc(browser, make):
    """Seven letters typed with combining accents are still seven letters."""
    browser.sign_in(make.user())
    browser.get("/account/password")
    seven = unicodedata.normalize("NFD", "Zoë Çé!")
    assert len(seven) == 10
    assert change_password(browser, seven).error_summary() == [
        "Password must be at least 8 characters"
    ]


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("passwordpassword", "password"),
        ("P@ssw0rd1!", "password"),
        ("!!monkey2024", "monkey"),
    ],
)
def test_variants_read_a_password_as_a_guesser_would(password, expected):
    assert expected in passwords.variants(password)
