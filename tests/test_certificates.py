"""Certificates: issue, PDF, download rights, verification, revocation, re-issue."""

from __future__ import annotations

import ctypes
import io
import logging
import re
import unicodedata
import zipfile
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pikepdf
import pypdf
import pypdfium2
import pypdfium2.raw
import pytest
import zxingcpp
from sqlalchemy import func, select

from elearn.certificates.codes import ALPHABET, display_code, new_code
from elearn.dates import add_months
from elearn.models import AuditEvent, Certificate, Completion, Membership, utcnow
from tests.conftest import Page
from tests.test_journey import answer, open_quiz, read_modules


def complete_course(browser) -> None:
    read_modules(browser)
    page, action = open_quiz(browser)
    browser.post(action, answer(page, right=True))


def certificate_of(session, user) -> Certificate:
    return session.scalars(
        select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.id.desc())
    ).first()


def pdf_text(data: bytes) -> str:
    """The text as PDFium (Chrome's PDF engine, which screen readers in browsers use) reads it."""
    return pypdfium2.PdfDocument(data)[0].get_textpage().get_text_range()


def test_completing_a_course_issues_a_certificate_with_an_unguessable_code(browser, make, session):
    learner = make.user(full_name="Grace Hopper")
    browser.sign_in(learner)
    complete_course(browser)
    certificate = certificate_of(session, learner)
    assert len(certificate.code) == 28 and set(certificate.code) <= set(ALPHABET)
    assert len(ALPHABET) == 31 and not set("01OIL") & set(ALPHABET)
    assert re.fullmatch(r"([A-Z2-9]{4}-){6}[A-Z2-9]{4}", display_code(certificate.code))
    assert (certificate.name_printed, certificate.course_version) == ("Grace Hopper", "1.0")
    completion = session.get(Completion, certificate.completion_id)
    assert certificate.expires_at == completion.expires_at
    page = browser.get("/my-training")
    links = [a["href"] for a in page.soup.select(".app-course-list a")]
    assert f"/certificates/{certificate.code}.pdf" in links


def test_certificate_pdf_says_exactly_what_was_done(app, browser, make, session):
    learner = make.user(full_name="Grace Hopper")
    browser.sign_in(learner)
    complete_course(browser)
    certificate = certificate_of(session, learner)
    response = browser.client.get(f"/certificates/{certificate.code}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="certificate-')
    assert "Grace" not in response.headers["Content-Disposition"]
    data = response.get_data()
    text = " ".join(pdf_text(data).split())
    code = display_code(certificate.code)
    completed = f"{certificate.completed_at:%-d %B %Y}"
    for expected in (
        "Certificate of completion",
        "Grace Hopper",
        "Basics of safeguarding",
        f"Edition 1.0, completed by e-learning on {completed}",
        f"Valid until {certificate.expires_at:%-d %B %Y}",
        "Issued by Community Safety Team, City of London Corporation",
        f"Verification code: {code}",
        f"http://localhost/verify/{code}",
    ):
        assert expected in text, expected
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert (
        reader.metadata.title == "Certificate of completion: Basics of safeguarding – Grace Hopper"
    )
    assert reader.metadata.author == "Community Safety Team, City of London Corporation"
    assert "Grace Hopper completed Basics of safeguarding" in reader.metadata.subject
    assert len(reader.pages) == 1
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width), round(height)) == (842, 595), "A4 landscape"
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for font in fonts.values():
        font = font.get_object()
        if "/DescendantFonts" in font:
            font = font["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in font["/FontDescriptor"], f"{font['/BaseFont']} is not embedded"
    again = browser.client.get(f"/certificates/{certificate.code}.pdf").get_data()
    assert again == data, "the same certificate always gives the same bytes"


def test_qr_code_holds_the_verification_address_and_it_verifies(
    browser, other_browser, make, session
):
    learner = make.user()
    browser.sign_in(learner)
    complete_course(browser)
    certificate = certificate_of(session, learner)
    data = browser.client.get(f"/certificates/{certificate.code}.pdf").get_data()
    image = pypdfium2.PdfDocument(data)[0].render(scale=3).to_pil()
    [barcode] = zxingcpp.read_barcodes(image)
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    assert barcode.text == f"http://localhost/verify/{display_code(certificate.code)}"
    page = other_browser.get(barcode.text.removeprefix("http://localhost"))
    assert page.h1 == "This certificate is valid"


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Łukasz Wójcik",
        "Şükrü Çağlar Iğdır",
        "Αλέξανδρος Παπαδόπουλος",
        "Анна Ковалёва",
        "محمد عبد الله",
        "陈伟",
        'Rose <b>"&amp;" O\'Neil',
    ],
)
def test_names_in_any_script_print_and_can_be_read_back(app, make, session, name):
    from elearn.certificates.pdf import certificate_pdf

    learner = make.user(full_name=name)
    completion = make.completion(learner)
    certificate = make.certificate(completion, "A" * 28, save=False, name_printed=name)
    text = pdf_text(certificate_pdf(certificate, "http://localhost/verify/x"))
    assert name in unicodedata.normalize("NFC", text), text


def test_bengali_name_is_shaped_with_an_embedded_bengali_font(app, make, session):
    from elearn.certificates.pdf import certificate_pdf

    learner = make.user(full_name="সৌমিত্র চট্টোপাধ্যায়")
    completion = make.completion(learner)
    certificate = make.certificate(completion, "B" * 28, save=False)
    data = certificate_pdf(certificate, "http://localhost/v")
    reader = pypdf.PdfReader(io.BytesIO(data))
    names = [f.get_object()["/BaseFont"] for f in reader.pages[0]["/Resources"]["/Font"].values()]
    assert any("Bengali" in str(name) for name in names), names
    assert "সৌমিত্র চট্টোপাধ্যায়" in pdf_text(data)


# A name in each script London's people write their names in, and the font (its PostScript
# name) that should draw it: the bold face, as the name is bold, but for Droid Sans Fallback
# and Noto Emoji, which have one face. Hebrew is in DejaVu Sans.
LONDON_NAMES = {
    "Korean": ("김민준", "NotoSansCJKkr-Bold"),
    "Hindi": ("प्रिया शर्मा", "NotoSansDevanagari-Bold"),
    "Tamil": ("தமிழ்செல்வி", "NotoSansTamil-Bold"),
    "Thai": ("สมชาย", "NotoSansThai-Bold"),
    "Punjabi": ("ਗੁਰਪ੍ਰੀਤ", "NotoSansGurmukhi-Bold"),
    "Gujarati": ("ભાવના", "NotoSansGujarati-Bold"),
    "Amharic": ("አበበ", "NotoSansEthiopic-Bold"),
    "Sinhala": ("සුනිල්", "NotoSansSinhala-Bold"),
    "Malayalam": ("അനിൽ കുമാൾ", "NotoSansMalayalam-Bold"),
    "Telugu": ("శ్రీనివాస్", "NotoSansTelugu-Bold"),
    "Hebrew": ("יעל כהן", "DejaVuSans-Bold"),
    "Arabic": ("فاطمة الزهراء", "NotoSansArabic-Bold"),
    "Urdu": ("عائشہ فاطمہ", "NotoSansArabic-Bold"),
    "Chinese": ("王芳", "DroidSansFallback"),
    "emoji": ("🌟", "NotoEmoji-Regular"),
    "emoji sequence": ("👩🏽\u200d💻", "NotoEmoji-Regular"),
}


def fonts_drawing(data: bytes, text: str) -> set[str]:
    """The fonts PDFium says draw the letters of `text` (where it first appears), without
    their subset prefixes. Fails if the text does not read back."""
    pages = [page.get_textpage() for page in pypdfium2.PdfDocument(data)]
    found = [(page, page.get_text_range()) for page in pages if text in page.get_text_range()]
    assert found, f"{text} is not in the text"
    page, whole = found[0]
    # PDFium counts UTF-16 code units.
    start = len(whole[: whole.index(text)].encode("utf-16-le")) // 2
    fonts = set()
    for index in range(start, start + len(text.encode("utf-16-le")) // 2):
        size = pypdfium2.raw.FPDFText_GetFontInfo(page, index, None, 0, None)
        buffer = ctypes.create_string_buffer(size)
        pypdfium2.raw.FPDFText_GetFontInfo(page, index, buffer, size, None)
        if buffer.value:  # a space Typst leaves to the layout has no font
            fonts.add(buffer.value.decode().partition("+")[2])
    return fonts


def glyphs_drawn(data: bytes) -> dict[str, set[int]]:
    """The glyph ids each font draws on every page, read from the text operators. Typst
    embeds every font as a Type0 font with Identity-H, so each two bytes of a string are one
    glyph; glyph 0 is .notdef, the empty box drawn for a character the font lacks."""
    drawn = defaultdict(set)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            fonts, font = page.Resources.Font, None
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) == "Tf":
                    font = fonts[operands[0]]
                    assert font.Encoding == "/Identity-H"
                elif str(operator) in ("Tj", "TJ"):
                    shown = operands[0] if str(operator) == "TJ" else [operands[0]]
                    for part in (bytes(p) for p in shown if isinstance(p, pikepdf.String)):
                        ids = (int.from_bytes(part[i : i + 2]) for i in range(0, len(part), 2))
                        drawn[str(font.BaseFont)].update(ids)
    return dict(drawn)


@pytest.fixture
def typesetting_log(caplog, monkeypatch):
    """What typesetting logs. elearn's loggers do not pass their records up to pytest's, and
    the migrations the tests run (logging's fileConfig) switch off loggers made before them."""
    logger = logging.getLogger("elearn.documents.typesetting")
    monkeypatch.setattr(logger, "disabled", False)
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)


def assert_pdf_ua_with_real_glyphs(data: bytes, typesetting_log) -> None:
    """The document claims PDF/UA-1, nothing was logged about a missing glyph, and no
    font draws its .notdef glyph."""
    with pikepdf.open(io.BytesIO(data)) as pdf, pdf.open_metadata() as xmp:
        assert xmp["pdfuaid:part"] == "1"
    assert not typesetting_log.records
    boxes = [font for font, ids in glyphs_drawn(data).items() if 0 in ids]
    assert not boxes, f"{boxes} draw an empty box"


@pytest.mark.parametrize(("name", "font"), LONDON_NAMES.values(), ids=LONDON_NAMES)
def test_a_name_in_each_of_london_s_scripts_is_drawn_in_its_own_font_and_reads_back(
    app, make, session, typesetting_log, name, font
):
    from elearn.certificates.pdf import certificate_pdf

    learner = make.user(full_name=name)
    certificate = make.certificate(make.completion(learner), "D" * 28, save=False)
    data = certificate_pdf(certificate, "http://localhost/v")
    assert_pdf_ua_with_real_glyphs(data, typesetting_log)
    assert name in unicodedata.normalize("NFC", pdf_text(data))
    # Every letter in the script's own font, bold like the rest of the name, so that no
    # word is set partly in one font and partly in another (its letters then unjoined).
    assert fonts_drawing(data, name) == {font}


@pytest.mark.parametrize("name", ["יעל כהן", "فاطمة الزهراء", "عائشہ فاطمہ"])
def test_a_right_to_left_name_runs_from_right_to_left(app, make, session, name):
    from elearn.certificates.pdf import certificate_pdf

    learner = make.user(full_name=name)
    certificate = make.certificate(make.completion(learner), "E" * 28, save=False)
    page = pypdfium2.PdfDocument(certificate_pdf(certificate, "http://localhost/v"))[0]
    text = page.get_textpage()
    start = text.get_text_range().index(name)
    first_left, *_ = text.get_charbox(start)
    _, _, last_right, _ = text.get_charbox(start + len(name) - 1)
    assert first_left > last_right, "the first letter is at the right, the last at the left"


@pytest.mark.parametrize(
    ("completed", "months", "expires"),
    [
        (datetime(2025, 1, 31, 10, tzinfo=UTC), 1, datetime(2025, 2, 28, 10, tzinfo=UTC)),
        (datetime(2024, 1, 31, 10, tzinfo=UTC), 1, datetime(2024, 2, 29, 10, tzinfo=UTC)),
        (datetime(2026, 8, 31, 10, tzinfo=UTC), 36, datetime(2029, 8, 31, 10, tzinfo=UTC)),
        (datetime(2024, 2, 29, 10, tzinfo=UTC), 12, datetime(2025, 2, 28, 10, tzinfo=UTC)),
        (datetime(2026, 11, 30, 10, tzinfo=UTC), 3, datetime(2027, 2, 28, 10, tzinfo=UTC)),
    ],
)
def test_expiry_dates_across_month_ends(completed, months, expires):
    assert add_months(completed, months) == expires


ROLES = {
    "owner": 200,
    "other_learner": 404,
    "manager_of_learners_organisation": 200,
    "manager_of_another_organisation": 404,
    "cst_admin": 200,
}


@pytest.mark.parametrize(("role", "status"), ROLES.items())
def test_who_may_download_a_certificate(app, browser, make, session, role, status):
    from tests.conftest import Browser

    org, other_org = make.organisation(), make.organisation()
    learner = make.user(org=org)
    certificate_code = None
    browser.sign_in(learner)
    complete_course(browser)
    certificate_code = certificate_of(session, learner).code
    people = {
        "owner": learner,
        "other_learner": make.user(org=org),
        "manager_of_learners_organisation": make.user(org=org, role="manager"),
        "manager_of_another_organisation": make.user(org=other_org, role="manager"),
        "cst_admin": make.user(admin=True),
    }
    viewer = Browser(app.test_client())
    viewer.sign_in(people[role])
    response = viewer.client.get(f"/certificates/{certificate_code}.pdf")
    assert response.status_code == status


@pytest.mark.parametrize("status", ["pending", "declined", "deactivated"])
def test_a_manager_of_an_organisation_not_approved_cannot_download(
    app, browser, make, session, status
):
    """A manager manages only while their organisation is approved: a learner who is
    also a member of a pending, declined or deactivated organisation keeps their
    certificate from its manager (this one was let through before)."""
    from tests.conftest import Browser

    org = make.organisation(status=status)
    learner = make.user(org=make.organisation())
    session.add(Membership(user_id=learner.id, organisation_id=org.id))
    session.commit()
    manager = make.user(org=org, role="manager")
    browser.sign_in(learner)
    complete_course(browser)
    code = certificate_of(session, learner).code
    viewer = Browser(app.test_client())
    viewer.sign_in(manager)
    assert viewer.client.get(f"/certificates/{code}.pdf").status_code == 404
    org.status = "approved"
    session.commit()
    assert viewer.client.get(f"/certificates/{code}.pdf").status_code == 200


def test_visitor_cannot_download_a_certificate(browser, make, session):
    learner = make.user()
    browser.sign_in(learner)
    complete_course(browser)
    code = certificate_of(session, learner).code
    browser.sign_out()
    assert browser.client.get(f"/certificates/{code}.pdf").status_code == 302


def test_verify_form_accepts_any_spacing_and_case(browser, other_browser, make, session):
    learner = make.user(full_name="Ada Lovelace")
    browser.sign_in(learner)
    complete_course(browser)
    code = certificate_of(session, learner).code
    other_browser.get("/verify")
    response = other_browser.client.get(f"/verify?code={code.lower()[:10]}+{code.lower()[10:]}")
    assert response.headers["Location"] == f"/verify/{display_code(code)}"
    page = other_browser.get(f"/verify/{display_code(code)}")
    assert page.h1 == "This certificate is valid"
    text = page.text()
    assert "Ada Lovelace" in text and "Basics of safeguarding (edition 1.0)" in text
    assert learner.email not in text, "nothing else about the person"


def test_unknown_or_altered_code_says_so_without_hints(browser, make, session):
    learner = make.user()
    browser.sign_in(learner)
    complete_course(browser)
    code = certificate_of(session, learner).code
    altered = ("B" if code[5] != "B" else "C").join((code[:5], code[6:]))
    for attempt in (display_code(altered), "NOT-A-CODE", code[:-1]):
        page = browser.get(f"/verify/{attempt}", status=404)
        assert page.h1 == "No certificate has this code"
        assert code not in page.text()


def test_verification_is_rate_limited(browser, session):
    statuses = [browser.client.get(f"/verify/GUESS{n}").status_code for n in range(31)]
    assert statuses == [404] * 30 + [429]


def test_cst_revokes_with_a_reason_and_verification_says_revoked(
    app, browser, other_browser, make, session
):
    learner = make.user()
    browser.sign_in(learner)
    complete_course(browser)
    code = certificate_of(session, learner).code
    browser.get(f"/certificates/{code}/revoke", status=403)
    other_browser.sign_in(make.user(admin=True))
    other_browser.get(f"/certificates/{code}/revoke")
    page = other_browser.post(f"/certificates/{code}/revoke", {"reason": ""}, status=200)
    assert page.error_summary() == ["Enter why the certificate is being revoked"]
    other_browser.post(f"/certificates/{code}/revoke", {"reason": "Issued in error"})
    page = browser.get(f"/verify/{display_code(code)}")
    assert page.h1 == "This certificate has been revoked"
    assert "Issued in error" not in page.text()
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate_revoked"))
    assert event.detail == {"reason": "Issued in error"}


def test_name_change_keeps_old_certificates_and_reissue_points_old_code_to_new(
    browser, make, session
):
    learner = make.user(full_name="Jo Smith")
    browser.sign_in(learner)
    complete_course(browser)
    old = certificate_of(session, learner)
    browser.get("/account")
    browser.post("/account", {"full_name": "Jo Smith-Jones"})
    session.refresh(old)
    assert old.name_printed == "Jo Smith"
    page = browser.get("/certificates")
    assert "Re-issue with the name Jo Smith-Jones" in page.text()
    browser.post(f"/certificates/{old.code}/reissue")
    new = certificate_of(session, learner)
    assert (new.name_printed, new.completion_id) == ("Jo Smith-Jones", old.completion_id)
    response = browser.client.get(f"/verify/{display_code(old.code)}")
    assert response.headers["Location"] == f"/verify/{display_code(new.code)}"
    assert "Jo Smith-Jones" in browser.get(response.headers["Location"]).text()
    actions = session.scalars(select(AuditEvent.action)).all()
    assert {"name_changed", "certificate_reissued"} <= set(actions)


def test_another_learner_cannot_reissue(browser, other_browser, make, session):
    learner = make.user()
    browser.sign_in(learner)
    complete_course(browser)
    code = certificate_of(session, learner).code
    other_browser.sign_in(make.user())
    other_browser.get("/certificates")
    other_browser.post(f"/certificates/{code}/reissue", status=404)


def test_manager_downloads_all_members_certificates_as_a_zip(
    app, browser, other_browser, make, session
):
    org = make.organisation()
    manager = make.user(org=org, role="manager")
    learners = [make.user(org=org) for _ in range(2)]
    for learner in learners:
        from tests.conftest import Browser

        learner_browser = Browser(app.test_client())
        learner_browser.sign_in(learner)
        complete_course(learner_browser)
    other_browser.sign_in(manager)
    response = other_browser.client.get(f"/organisations/{org.id}/certificates.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = archive.namelist()
    assert len(names) == 2 and all(name.endswith(".pdf") for name in names)
    assert archive.read(names[0]).startswith(b"%PDF")
    outsider = make.user(org=make.organisation(), role="manager")
    browser.sign_in(outsider)
    assert browser.client.get(f"/organisations/{org.id}/certificates.zip").status_code == 403


def certified_members(make, org, count: int) -> None:
    for number in range(count):
        member = make.user(org=org, full_name=f"Member {number}")
        make.certificate(make.completion(member), new_code())


def test_a_large_organisation_s_zip_is_prepared_by_a_task(
    app, browser, other_browser, make, session, monkeypatch, task_queue
):
    from elearn.certificates import archives
    from elearn.models import CertificateArchive, CertificateArchiveChunk

    monkeypatch.setitem(app.config, "CERTIFICATE_ZIP_DIRECT_LIMIT", 2)
    monkeypatch.setattr(archives, "CHUNK", 1000)  # kept in many chunks, as a large zip is
    org = make.organisation()
    certified_members(make, org, 3)
    manager = make.user(org=org, role="manager")
    browser.sign_in(manager)
    members = f"/organisations/{org.id}/members"
    archive_page = f"/organisations/{org.id}/certificates/archive"
    assert browser.get(members).soup.find("a", string="Download everyone's certificates (zip)")
    response = browser.client.get(f"/organisations/{org.id}/certificates.zip")
    assert response.status_code == 302 and response.location.endswith(archive_page)
    page = browser.get(archive_page)
    assert "Your members hold 3 current certificates" in page.text()
    assert not page.soup.find("a", string=re.compile("Download the zip"))

    browser.post(archive_page)
    assert "Your zip is being prepared" in browser.get(archive_page).text()
    browser.post(archive_page)  # asked again while the first is queued: nothing new
    page = browser.get(archive_page)
    assert "already being prepared" in page.text()
    assert "Preparing your zip: 0 of 3 certificates so far" in page.text()
    assert not page.soup.find("button", string=re.compile("Prepare"))
    assert len(task_queue) == 1
    assert task_queue.run() == 1
    assert session.scalar(select(func.count()).select_from(CertificateArchive)) == 1
    page = browser.get(archive_page)
    assert "Your zip is ready" in page.text()
    link = page.soup.find("a", string=re.compile("Download the zip of 3 certificates"))
    download = browser.client.get(link["href"])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert download.headers["Cache-Control"] == "private, no-store"
    data = download.get_data()
    assert int(download.headers["Content-Length"]) == len(data)
    assert session.scalar(select(func.count()).select_from(CertificateArchiveChunk)) > 8
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert len(archive.namelist()) == 3
    assert all(archive.read(name).startswith(b"%PDF") for name in archive.namelist())

    outsider = make.user(org=make.organisation(), role="manager")
    other_browser.sign_in(outsider)
    assert other_browser.client.get(archive_page).status_code == 403
    assert other_browser.client.get(link["href"]).status_code == 403
    other_browser.post(archive_page, status=403)
    other_browser.sign_out()
    other_browser.sign_in(make.user(org=org))
    assert other_browser.client.get(link["href"]).status_code == 403


def test_a_zip_a_stopped_consumer_left_unfinished_is_prepared_when_one_starts(
    app, browser, make, session, monkeypatch
):
    from elearn import tasks
    from elearn.models import ArchiveStatus, CertificateArchive, CertificateArchiveChunk

    monkeypatch.setitem(app.config, "CERTIFICATE_ZIP_DIRECT_LIMIT", 0)
    org = make.organisation()
    certified_members(make, org, 2)
    manager = make.user(org=org, role="manager")
    unfinished = CertificateArchive(
        organisation_id=org.id, requested_by_id=manager.id, certificates=2, done=1
    )
    session.add(unfinished)
    session.flush()
    session.add(CertificateArchiveChunk(archive_id=unfinished.id, number=0, data=b"half a zip"))
    session.commit()
    browser.sign_in(manager)
    archive_page = f"/organisations/{org.id}/certificates/archive"
    assert "Preparing your zip: 1 of 2" in browser.get(archive_page).text()
    assert browser.client.get(f"{archive_page}/{unfinished.id}.zip").status_code == 302
    browser.post(archive_page)
    assert "already being prepared" in browser.get(archive_page).text()

    with app.app_context():
        tasks.resume()  # what a consumer does when it starts
    session.expire_all()
    assert session.get(CertificateArchive, unfinished.id).status == ArchiveStatus.READY
    assert session.scalar(select(func.count()).select_from(CertificateArchive)) == 1
    download = browser.client.get(f"{archive_page}/{unfinished.id}.zip")
    assert len(zipfile.ZipFile(io.BytesIO(download.get_data())).namelist()) == 2


def test_one_archive_is_prepared_by_one_task_at_a_time(app, make, session, monkeypatch):
    """A copy of the task queued twice (a consumer started again while the first waited)
    leaves one preparing alone, and one prepared alone."""
    from elearn import tasks
    from elearn.certificates import archives
    from elearn.models import ArchiveStatus, CertificateArchive, CertificateArchiveChunk

    org = make.organisation()
    certified_members(make, org, 1)
    archive = CertificateArchive(
        organisation_id=org.id, requested_by_id=make.user(org=org, role="manager").id
    )
    session.add(archive)
    session.commit()
    chunks = select(func.count()).select_from(CertificateArchiveChunk)
    with app.app_context(), tasks.huey.lock_task(archives._lock_name(archive.id)):
        archives.prepare_archive(archive.id)  # another task holds it
    session.expire_all()
    assert session.get(CertificateArchive, archive.id).status == ArchiveStatus.PREPARING
    assert session.scalar(chunks) == 0

    with app.app_context():
        archives.prepare_archive(archive.id)
    session.expire_all()
    ready = session.get(CertificateArchive, archive.id)
    assert ready.status == ArchiveStatus.READY and ready.done == 1
    kept = session.scalar(chunks)
    finished = ready.finished_at
    with app.app_context():
        archives.prepare_archive(archive.id)  # a copy queued earlier: nothing to do
    session.expire_all()
    assert session.get(CertificateArchive, archive.id).finished_at == finished
    assert session.scalar(chunks) == kept


def test_a_preparation_that_fails_is_reported_and_keeps_nothing(
    app, browser, make, session, monkeypatch
):
    from elearn.certificates import archives
    from elearn.extensions import db
    from elearn.models import ArchiveStatus, CertificateArchive, CertificateArchiveChunk

    monkeypatch.setitem(app.config, "CERTIFICATE_ZIP_DIRECT_LIMIT", 0)
    org = make.organisation()
    certified_members(make, org, 2)
    browser.sign_in(make.user(org=org, role="manager"))

    monkeypatch.setattr(archives, "CHUNK", 1000)
    kept_when_it_failed, keep = [], archives._keep

    def failing_keep(archive_id, made):  # the disk fails after some chunks are kept
        class Failing:
            reads = 0

            def read(self, size):
                self.reads += 1
                if self.reads > 10:
                    count = select(func.count()).select_from(CertificateArchiveChunk)
                    kept_when_it_failed.append(db.session.scalar(count))
                    raise OSError("disk full")
                return made.read(size)

        keep(archive_id, Failing())

    monkeypatch.setattr(archives, "_keep", failing_keep)
    browser.post(f"/organisations/{org.id}/certificates/archive")
    archive = session.scalar(select(CertificateArchive))
    assert archive.status == ArchiveStatus.FAILED
    assert kept_when_it_failed and kept_when_it_failed[0] >= 8
    assert session.scalar(select(func.count()).select_from(CertificateArchiveChunk)) == 0
    page = browser.get(f"/organisations/{org.id}/certificates/archive")
    assert "could not be finished" in page.text() and "Prepare the zip" in page.text()


def test_a_zip_is_kept_for_a_day(app, browser, make, session):
    from elearn.models import ArchiveStatus, CertificateArchive, CertificateArchiveChunk

    org = make.organisation()
    manager = make.user(org=org, role="manager")

    def archive(age: timedelta) -> CertificateArchive:
        kept = CertificateArchive(
            organisation_id=org.id,
            requested_by_id=manager.id,
            requested_at=utcnow() - age,
            status=ArchiveStatus.READY,
            size=3,
        )
        session.add(kept)
        session.flush()
        session.add(CertificateArchiveChunk(archive_id=kept.id, number=0, data=b"zip"))
        session.commit()
        return kept

    no_longer_offered = archive(timedelta(days=1, minutes=1))
    old = archive(timedelta(days=1, minutes=61))
    browser.sign_in(manager)
    assert (
        "Your zip is ready"
        not in browser.get(f"/organisations/{org.id}/certificates/archive").text()
    )
    for kept in (no_longer_offered, old):
        download = f"/organisations/{org.id}/certificates/archive/{kept.id}.zip"
        assert browser.client.get(download).status_code == 404

    output = app.test_cli_runner().invoke(args=["retention", "apply"]).output
    assert "Deleted 1 certificate zips over a day old" in output
    # the one just past its day is kept an hour more, for a download that had begun
    assert session.scalars(select(CertificateArchive.id)).all() == [no_longer_offered.id]
    chunks = select(CertificateArchiveChunk.archive_id)
    assert session.scalars(chunks).all() == [no_longer_offered.id]


def test_refresher_due_then_retaking_issues_a_new_certificate_and_keeps_history(
    browser, make, session
):
    learner = make.user()
    now = utcnow()
    first = make.completion(
        learner, completed_at=now - timedelta(days=355), expires_at=now + timedelta(days=10)
    )
    make.certificate(first, "C" * 28, name_printed="Old")
    browser.sign_in(learner)
    page = browser.get("/my-training")
    assert page.soup.select_one(".govuk-tag").get_text(strip=True) == "Refresher due"
    assert "Start the refresher" in page.text()
    complete_course(browser)
    completions = session.scalars(select(Completion).order_by(Completion.sequence)).all()
    assert [c.sequence for c in completions] == [1, 2]
    certificates = session.scalars(select(Certificate).order_by(Certificate.id)).all()
    assert len(certificates) == 2
    assert certificates[1].completion_id == completions[1].id
    assert (
        browser.get("/my-training").soup.select_one(".govuk-tag").get_text(strip=True)
        == "Completed"
    )
    rows = browser.get("/certificates").soup.select("tbody tr")
    assert len(rows) == 2, "every earlier certificate stays in the history"


@pytest.mark.parametrize(
    "query",
    ["?code=", "?code=&x=1", "?x=1", "?code=%00", "?code=---", "?code=%E2%80%8B", "?code=a&code=b"],
)
def test_the_verify_page_answers_odd_input_with_a_normal_page(browser, query):
    response = browser.client.get("/verify" + query)
    if "%00" in query:  # a control character is refused before any view, with a reason
        assert response.status_code == 400 and b"control characters" in response.data
        return
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        page = Page(response)
        page.check()
        if "code=" in query:
            assert page.error_summary() == [
                "Enter the verification code"
                if query.startswith("?code=&") or query == "?code="
                else "Enter the verification code: letters and numbers"
            ]
    else:
        assert browser.client.get(response.headers["Location"]).status_code in (200, 404)
