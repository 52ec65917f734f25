"""The documents of face-to-face training: the sign-in sheet a facilitator prints for a
room with no phone signal, opened as a tagged PDF (its structure tree read with pikepdf,
its text as PDFium reads it)."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, datetime
from itertools import pairwise

import pikepdf
import pypdfium2
import pytest

from elearn.face_to_face import notifications
from elearn.face_to_face.bookings import book, cancel
from elearn.face_to_face.register import add_walk_in
from elearn.face_to_face.scheduling import SessionDetails, create_session
from elearn.face_to_face.sheet import place, sign_in_sheet_pdf, time_span
from elearn.models import TrainingSession
from elearn.web.filters import and_list as people
from tests.test_certificates import (
    assert_pdf_ua_with_real_glyphs,
    fonts_drawing,
    typesetting_log,  # noqa: F401 - a fixture
)
from tests.test_documents import page_texts, structure

COURSE = "Basics of safeguarding"
STARTS = datetime(2026, 12, 11, 10, 0, tzinfo=UTC)  # a Friday, in GMT
ENDS = datetime(2026, 12, 11, 12, 30, tzinfo=UTC)
BOOKED_ON = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # before booking closes
OFFICE_USE = "Office use: attended / partly / absent"
BOOKED_HEADERS = ["No.", "Name", "Organisation", "Signature", OFFICE_USE]
WALK_IN_HEADERS = ["No.", "Name", "Organisation", "Email address", "Signature"]
MM = 72 / 25.4  # points


@pytest.fixture(autouse=True)
def _no_emails(monkeypatch):
    """Booking and cancelling email the person; what the emails say is not what these
    tests are about."""
    for name in ("tell_booked", "tell_waiting", "tell_promoted", "tell_booking_cancelled"):
        monkeypatch.setattr(notifications, name, lambda *args, **kwargs: None)


def schedule(make, title: str | None = "For colleges", capacity: int = 60):
    """Details for a session at Guildhall run by two facilitators, and who schedules it."""
    admin = make.user(admin=True, full_name="Cass Admin")
    facilitators = [make.user(full_name=name) for name in ("Tom Reid", "Amira Khan")]
    details = SessionDetails(
        course_slug="basics",
        starts_at=STARTS,
        ends_at=ENDS,
        capacity=capacity,
        title=title,
        venue="Guildhall",
        address="Gresham Street\nLondon EC2V 7HH",
        facilitator_ids=[person.id for person in facilitators],
    )
    return details, admin


def text_of(data: bytes) -> str:
    return unicodedata.normalize("NFC", " ".join(" ".join(page_texts(data)).split()))


def rows_of(table) -> list:
    return table.all("/TBody")[0].all("/TR")


def test_sign_in_sheet_lists_everyone_booked_in_name_order_as_a_tagged_table(
    app,
    make,
    session,
    typesetting_log,  # noqa: F811
):
    choir = make.organisation("Côr Meibion Cymry Llundain")
    school = make.organisation("Zespół Szkół Polskich w Londynie")
    centre = make.organisation("مركز الجالية العربية")
    college = make.organisation("City of London College")
    learners = [
        make.user(full_name="Łukasz Wójcik", org=school),
        make.user(full_name="مريم حسن", org=centre),
        make.user(full_name="陈伟", org=college),
        make.user(full_name="Grace Hopper", org=college),
    ]
    left = make.user(full_name="Cancelled Person", org=college)
    details, admin = schedule(make)
    with app.app_context():
        training = create_session(details, admin)
        for learner in [*learners, left]:
            book(training, learner, learner, now=BOOKED_ON)
        cancel(book(training, left, left, now=BOOKED_ON), left, now=BOOKED_ON)
        add_walk_in(training, admin, name="Siân Llŷr", organisation=choir)
        data = sign_in_sheet_pdf(training, COURSE)
        reference = training.public_id

    pdf = pikepdf.open(io.BytesIO(data))
    assert pdf.Root.MarkInfo.Marked is True
    assert str(pdf.Root.Lang) == "en-GB"
    title = f"Sign-in sheet: {COURSE} – For colleges, 11 December 2026"
    assert str(pdf.docinfo.Title) == title
    assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
    with pdf.open_metadata() as xmp:
        assert xmp["dc:title"] == title
    assert_pdf_ua_with_real_glyphs(data, typesetting_log)
    width, height = pdf.pages[0].MediaBox[2], pdf.pages[0].MediaBox[3]
    assert (round(width), round(height)) == (595, 842), "A4 portrait"

    document = structure(pdf)
    assert [h.title for h in document.all("/H1")] == [COURSE]
    assert [h.title for h in document.all("/H2")] == ["People booked", "People who had not booked"]
    booked_table, walk_in_table = document.all("/Table")
    for table, headers in ((booked_table, BOOKED_HEADERS), (walk_in_table, WALK_IN_HEADERS)):
        [head] = table.all("/THead")
        assert len(head.all("/TH")) == len(headers)
        assert all(th.scope == "/Column" for th in head.all("/TH"))
        assert table.all("/TBody")[0].all("/TD")
    assert len(rows_of(booked_table)) == 5, "four booked and the walk-in; not who cancelled"
    assert len(rows_of(walk_in_table)) == 8

    text = text_of(data)
    for detail in (
        "Sign-in sheet",
        "For colleges",
        "Date: Friday 11 December 2026, 10:00am to 12:30pm",
        "Venue: Guildhall, Gresham Street, London EC2V 7HH",
        "Facilitators: Amira Khan and Tom Reid",
        " ".join(BOOKED_HEADERS),
        " ".join(WALK_IN_HEADERS),
    ):
        assert detail in text, detail
    assert "Cancelled Person" not in text
    texts = [" ".join(text.split()) for text in page_texts(data)]
    for number, page in enumerate(texts, start=1):
        assert f"Session reference: {reference} Page {number} of {len(texts)}" in page
    in_name_order = ["Grace Hopper", "Łukasz Wójcik", "Siân Llŷr", "مريم حسن", "陈伟"]
    places = [text.index(name) for name in in_name_order]
    assert places == sorted(places)
    for organisation in (choir, school, centre, college):
        assert organisation.name in text, organisation.name
    for number in range(1, 14):  # five booked, then eight blank rows numbered on
        assert f" {number} " in f" {text} "

    assert fonts_drawing(data, "مريم حسن") == {"NotoSansArabic-Regular"}
    assert fonts_drawing(data, "مركز الجالية العربية") == {"NotoSansArabic-Regular"}
    assert fonts_drawing(data, "陈伟") == {"DroidSansFallback"}
    assert fonts_drawing(data, "Siân Llŷr") == {"DejaVuSans"}
    assert fonts_drawing(data, "Łukasz Wójcik") == {"DejaVuSans"}


def test_forty_people_run_onto_more_pages_with_the_header_on_each_and_no_row_split(
    app, make, session
):
    organisation = make.organisation("St Bartholomew's Hospital Volunteers Association")
    learners = [make.user(full_name=f"Learner {n:02}", org=organisation) for n in range(40)]
    details, admin = schedule(make, title=None)
    with app.app_context():
        training = create_session(details, admin)
        for learner in learners:
            book(training, learner, learner, now=BOOKED_ON)
        data = sign_in_sheet_pdf(training, COURSE)
        reference = training.public_id

    pdf = pikepdf.open(io.BytesIO(data))
    booked_table, walk_in_table = structure(pdf).all("/Table")
    rows = rows_of(booked_table)
    assert len(rows) == 40
    assert all(len(set(row.pages)) == 1 for row in rows), "a row split across pages"
    pages = sorted(set(booked_table.pages))
    assert len(pages) >= 3
    assert len(booked_table.all("/THead")[0].all("/TH")) == 5, "a repeated header is read once"
    assert len(set(walk_in_table.pages)) == 1, "the blank rows stay together"

    texts = [" ".join(text.split()) for text in page_texts(data)]
    for page in pages:
        assert " ".join(BOOKED_HEADERS) in texts[page], f"header on page {page + 1}"
    for number, text in enumerate(texts, start=1):
        assert f"Session reference: {reference}" in text
        assert f"Page {number} of {len(texts)}" in text
    for page in pages[1:]:
        assert f"Sign-in sheet: {COURSE}, 11 December 2026 (continued)" in texts[page]
    for n in range(40):
        assert f"Learner {n:02}" in " ".join(texts)
    assert_room_to_sign(data)


def assert_room_to_sign(data: bytes) -> None:
    """Each row is at least 12 mm tall: the row numbers, set in the middle of their rows,
    are at least that far apart."""
    document = pypdfium2.PdfDocument(data)
    for index in range(len(document)):
        page = document[index].get_textpage()
        middles = set()
        for char in range(page.count_chars()):
            left, bottom, _, top = page.get_charbox(char)
            in_number_column = 12 * MM <= left <= 22 * MM and bottom > 20 * MM
            if in_number_column and page.get_text_range(char, 1).isdigit():
                middles.add((bottom + top) / 2)
        gaps = [higher - lower for lower, higher in pairwise(sorted(middles))]
        gaps = [gap for gap in gaps if gap > 1]  # not the digits of one number
        assert gaps and min(gaps) >= 12 * MM, f"rows {min(gaps) / MM:.1f} mm apart"


def test_the_same_session_and_bookings_give_the_same_bytes(app, make, session):
    learners = [make.user(full_name=name) for name in ("Ada Lovelace", "Alan Turing")]
    late = make.user(full_name="Katherine Johnson")
    details, admin = schedule(make)
    with app.app_context():
        training = create_session(details, admin)
        for learner in learners:
            book(training, learner, learner, now=BOOKED_ON)
        first = sign_in_sheet_pdf(training, COURSE)
        again = sign_in_sheet_pdf(training, COURSE)
        book(training, late, late, now=BOOKED_ON)
        changed = sign_in_sheet_pdf(training, COURSE)
    assert first == again
    assert changed != first and "Katherine Johnson" in text_of(changed)


def test_times_are_shown_in_london_time():
    summer = datetime(2026, 6, 19, 9, 0, tzinfo=UTC)  # 10am in British Summer Time
    assert time_span(summer, summer.replace(hour=11, minute=30)) == (
        "Friday 19 June 2026, 10:00am to 12:30pm"
    )
    assert time_span(STARTS, ENDS) == "Friday 11 December 2026, 10:00am to 12:30pm"
    assert time_span(datetime(2026, 12, 11, 18, 0, tzinfo=UTC), ENDS.replace(day=12)) == (
        "Friday 11 December 2026, 6:00pm to Saturday 12 December 2026, 12:30pm"
    )


def test_the_place_and_the_facilitators_read_as_a_sentence():
    online = TrainingSession(venue=None, online_url="https://meet.example.com/wrap")
    assert place(online) == "Online"
    room = TrainingSession(venue="Guildhall", address="Gresham Street,\n\n London EC2V 7HH ")
    assert place(room) == "Guildhall, Gresham Street, London EC2V 7HH"
    assert place(TrainingSession(venue="Guildhall", address=None)) == "Guildhall"
    assert people([]) == ""
    assert people(["Amira Khan"]) == "Amira Khan"
    assert people(["Amira Khan", "Sam Lee", "Tom Reid"]) == "Amira Khan, Sam Lee and Tom Reid"
