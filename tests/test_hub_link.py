"""Reporting through a partner's reporting link without an account, the receipt that
follows the report, and what keeps a leaked link from doing harm (docs/hub.md,
"Reporting by link")."""

from __future__ import annotations

import io
import logging
import threading
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from elearn.models import (
    AuditEvent,
    Finding,
    FindingEvent,
    FindingPhoto,
    FindingStatus,
    Membership,
    OrganisationStatus,
    utcnow,
)
from tests.conftest import Page
from tests.test_hub import answers, jpeg
from tests.test_hub import report as report_signed_in

TOKEN = "k3Y-partner-link-token-0123456789abcdefghij"  # 43 characters, like token_urlsafe(32)


@pytest.fixture
def partner(make):
    return make.organisation("Cheapside Traders", hub_link_token=TOKEN)


def link(token: str = TOKEN) -> str:
    return f"/hub/report/{token}"


def send(browser, data: dict, photos=(), status=302, token: str = TOKEN, csrf=True):
    """Open the link's form and send it, as a visitor's browser does."""
    page = browser.get(link(token))
    form = {**data, "form_id": page.soup.find("input", {"name": "form_id"})["value"]}
    if csrf:
        form["csrf_token"] = page.csrf_token()
    if photos:
        form["photos"] = [(io.BytesIO(content), name) for name, content in photos]
    response = browser.client.post(link(token), data=form, content_type="multipart/form-data")
    if response.status_code != status:
        problems = Page(response).error_summary()
        raise AssertionError(f"POST link: {response.status_code}, expected {status}: {problems}")
    if status != 302:
        Page(response).check()
    return response, form


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- reporting ---------------------------------------------------------------------------


def test_a_visitor_reports_through_a_partner_s_link_with_a_photo(app, browser, partner, session):
    page = browser.get(link())
    assert page.h1 == "Report something you have seen"
    assert "Reporting for Cheapside Traders" in page.text()
    assert page.soup.find("input", {"name": "photos"}) is not None
    assert "Other partners will not see that it was reported for Cheapside Traders" in page.text()
    policy = page.response.headers["Permissions-Policy"]
    assert "geolocation=(self)" in policy, "the form may offer 'Use my location'"

    response, _ = send(
        browser,
        answers(latitude="51.5142", longitude="-0.0931", anonymous="y"),
        photos=[("IMG_0001.jpg", jpeg(1200, 800))],
    )
    finding = session.scalar(select(Finding))
    assert finding.reporter_id is None
    assert finding.organisation_id == partner.id
    assert (finding.latitude, finding.longitude, finding.anonymous) == (51.5142, -0.0931, True)
    assert count(session, FindingPhoto) == 1
    assert response.headers["Location"] == f"{link()}/{finding.public_id}"
    event = session.scalar(select(FindingEvent))
    assert (event.step, event.actor_id) == ("reported", None)
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "finding_reported"))
    assert audit.actor_id is None and audit.subject_id == str(finding.id)

    receipt = browser.get(response.headers["Location"])
    text = receipt.text()
    assert "Thank you. Your report has been sent" in text
    assert f"Your reference {finding.id}" in text
    assert "Keep this page's address to follow it" in text
    assert "ends or replaces the reporting link you used for Cheapside Traders" in text
    assert "Status: Received" in text
    assert receipt.soup.find("img") is None, "no photos on a receipt"


def test_a_link_report_by_someone_signed_in_is_still_no_one_s(browser, partner, make, session):
    browser.sign_in(make.user())
    send(browser, answers())
    finding = session.scalar(select(Finding))
    assert (finding.reporter_id, finding.organisation_id) == (None, partner.id)
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "finding_reported"))
    assert audit.actor_id is None


def test_the_same_form_sent_twice_is_one_finding(browser, partner, session):
    first, form = send(browser, answers())
    again = browser.client.post(link(), data=form, content_type="multipart/form-data")
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert count(session, Finding) == 1
    send(browser, answers(place="Another place"))
    assert count(session, Finding) == 2


def test_a_link_that_does_not_work_is_not_found_and_stores_nothing(
    browser, other_browser, partner, make, session
):
    def refused(token: str) -> None:
        page = browser.get(link(token), status=404)
        assert page.h1 == "This link does not work"
        assert "Ask whoever gave it to you for a new one" in page.text()
        response = browser.client.post(link(token), data=answers())
        assert response.status_code == 404

    refused("made-up-token")
    refused("x" * 200)

    cst = other_browser
    cst.sign_in(make.user(admin=True))
    cst.get("/hub/partners")
    cst.post(f"/hub/partners/{partner.id}/new-link", {"back": "partners"})
    session.refresh(partner)
    new_token = partner.hub_link_token
    assert new_token != TOKEN
    refused(TOKEN)  # a new link ends the old one
    browser.get(link(new_token))

    cst.post(f"/hub/partners/{partner.id}/end-link", {"back": "partners"})
    refused(new_token)

    deactivated = make.organisation(
        "Gone Ltd", hub_link_token="gone" * 10, status=OrganisationStatus.DEACTIVATED
    )
    refused(deactivated.hub_link_token)
    assert count(session, Finding) == 0


# --- the receipt -------------------------------------------------------------------------


def test_the_receipt_shows_the_status_in_plain_words_and_not_cst_s_work(browser, partner, session):
    response, _ = send(browser, answers())
    finding = session.scalar(select(Finding))
    finding.status = FindingStatus.WITH_POLICE
    finding.police_reference = "CAD 4321/05DEC"
    finding.close_reason = "CST's own note"
    session.add(
        FindingEvent(finding_id=finding.id, step="police", reference="CAD 4321/05DEC", note="n")
    )
    session.commit()
    text = browser.get(response.headers["Location"]).text()
    assert "Status: Passed to the police" in text
    assert "A swastika and the words '<b>out</b>'" in text, "what was reported, as written"
    assert "CAD 4321" not in text and "CST's own note" not in text


def test_a_receipt_is_only_for_that_link_s_own_reports(
    browser, other_browser, partner, make, session
):
    response, _ = send(browser, answers())
    finding = session.scalar(select(Finding))
    other = make.organisation("Other Partner", hub_link_token="other" * 8)
    browser.get(f"{link(other.hub_link_token)}/{finding.public_id}", status=404)
    browser.get(f"{link()}/{'0' * 32}", status=404)

    member = make.user(org=partner)
    other_browser.sign_in(member)
    report_signed_in(other_browser, answers(place="Signed-in report"))
    theirs = session.scalar(select(Finding).where(Finding.reporter_id == member.id))
    assert theirs.organisation_id == partner.id
    browser.get(f"{link()}/{theirs.public_id}", status=404)
    theirs.reporter_id = None  # as erasure and retention leave it: still not a link's
    session.commit()
    browser.get(f"{link()}/{theirs.public_id}", status=404)
    assert session.get(Finding, finding.id).by_link and not theirs.by_link

    partner.hub_link_token = None  # CST ends the link: its receipts stop too
    session.commit()
    page = browser.get(response.headers["Location"], status=404)
    assert page.h1 == "This link does not work"


# --- signed-in reporters' organisation -----------------------------------------------------


def test_a_signed_in_member_s_report_records_their_organisation(browser, make, session):
    pending = make.organisation("Pending", status=OrganisationStatus.PENDING)
    first = make.organisation("First Ltd")
    second = make.organisation("Second Ltd")
    member = make.user(org=pending)
    now = utcnow()
    session.add(Membership(user_id=member.id, organisation_id=second.id, joined_at=now))
    session.add(
        Membership(user_id=member.id, organisation_id=first.id, joined_at=now.replace(year=2020))
    )
    session.commit()
    browser.sign_in(member)
    report_signed_in(browser, answers())
    assert session.scalar(select(Finding.organisation_id)) == first.id, "earliest joined"

    loner = make.user()
    browser.sign_out()
    browser.sign_in(loner)
    report_signed_in(browser, answers(place="Elsewhere"))
    found = session.scalar(select(Finding).where(Finding.reporter_id == loner.id))
    assert found.organisation_id is None


# --- abuse -------------------------------------------------------------------------------


def test_reports_from_one_address_are_limited_with_a_clear_page(browser, partner, session):
    statuses = []
    for number in range(11):
        page = browser.get(link())
        form = {
            **answers(place=f"Place {number}"),
            "form_id": page.soup.find("input", {"name": "form_id"})["value"],
            "csrf_token": page.csrf_token(),
        }
        response = browser.client.post(link(), data=form)
        statuses.append(response.status_code)
    assert statuses == [302] * 10 + [429]
    page = Page(response)
    page.check()
    assert page.h1 == "Too many reports from this connection"
    assert count(session, Finding) == 10
    assert browser.get(link()).status == 200, "reading the form is not limited"


def test_forms_sent_back_with_mistakes_do_not_use_up_the_limit(browser, partner, session):
    for _ in range(12):  # a group correcting its postcode, over and over
        send(browser, answers(postcode="nope"), status=400)
    send(browser, answers())
    assert count(session, Finding) == 1


def test_a_form_without_its_csrf_token_is_refused_and_stores_nothing(browser, partner, session):
    response, _ = send(browser, answers(), csrf=False, status=400)
    page = Page(response)
    assert page.error_summary()[0].startswith("This page had been open too long")
    assert "Cheapside, on the bus shelter" in page.text(), "what was typed is kept"
    assert count(session, Finding) == 0


def test_bad_input_is_refused_with_a_message_and_stores_nothing(browser, partner, session):
    response, _ = send(browser, answers(place="Cheapside\x00\x1b[31m"), status=400)
    assert "control characters" in Page(response).text()

    oversize = b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024 + 10)
    cases = [
        ([("big.jpg", oversize)], "smaller than 10 MB"),
        ([("notes.jpg", b"Dear CST, this is text, not a photo\n" * 20)], "JPEG, PNG or WebP"),
    ]
    for photos, message in cases:
        response, _ = send(browser, answers(), photos=photos, status=400)
        page = Page(response)
        assert "There is a problem" in page.text()
        assert any(message in problem for problem in page.error_summary()), message
    assert count(session, Finding) == 0
    assert count(session, FindingPhoto) == 0


def test_the_link_s_token_never_reaches_a_log(app, partner, session, caplog, monkeypatch):
    from elearn.web.request_log import AccessLog, RedactAddresses, redact_tokens

    # The development server's own request log, for a real request. (Alembic's logging
    # set-up, run by the app fixture's migration, disables loggers that already exist.)
    monkeypatch.setattr(logging.getLogger("werkzeug"), "disabled", False)
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            base = f"http://127.0.0.1:{server.server_port}"
            for path in (link(), f"{link()}/{'a' * 32}"):
                try:
                    urllib.request.urlopen(base + path, timeout=10).read()  # noqa: S310
                except urllib.error.HTTPError as error:
                    assert error.code == 404
    finally:
        server.shutdown()
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any("GET /hub/report/[token] HTTP" in line for line in lines), lines
    assert any(f"GET /hub/report/[token]/{'a' * 32} HTTP" in line for line in lines), lines
    assert TOKEN not in caplog.text

    # gunicorn's access log: the request line, the path and the Referer.
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": link(),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": link(),
        "QUERY_STRING": "",
        "HTTP_REFERER": f"https://site.example{link()}/{'a' * 32}",
    }
    atoms = AccessLog.__new__(AccessLog).atoms(
        SimpleNamespace(status="302 FOUND", sent=10, headers=[]),
        SimpleNamespace(headers=[]),
        environ,
        SimpleNamespace(seconds=0, microseconds=5),
    )
    assert TOKEN not in " ".join(str(value) for value in atoms.values())
    assert atoms["r"] == "POST /hub/report/[token] HTTP/1.1"

    # elearn's own log: Flask names the path of a request that failed.
    record = logging.LogRecord(
        "elearn", logging.ERROR, __file__, 1, "Exception on %s [POST]", (link(),), None
    )
    RedactAddresses().filter(record)
    assert record.getMessage() == "Exception on /hub/report/[token] [POST]"
    assert redact_tokens(f"/hub/reports{TOKEN}") == f"/hub/reports{TOKEN}", "only the link"
