"""Deciding on training done elsewhere: a reason for every rejection, what acceptance
records shown before it is recorded, the learner emailed, decisions kept in view, and
nobody deciding on their own record."""

from __future__ import annotations

import email
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from elearn.models import Completion, ExternalRecord, utcnow
from elearn.permissions import can_decide_external
from elearn.web.filters import london_date
from tests.conftest import Browser
from tests.test_query_counts import queries

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16


def mails_to(app, address: str) -> list[email.message.Message]:
    folder = Path(app.config["MAIL_DIR"])
    found = [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]
    return [message for message in found if message["To"] == address]


def body(message) -> str:
    return message.get_payload(decode=True).decode()


def record_of(session, user, evidence: bytes | None = PDF, kind: str = "application/pdf"):
    record = ExternalRecord(
        user_id=user.id,
        course_slug="basics",
        provider="Home Office",
        course_name="Prevent awareness e-learning",
        completed_on=date(2026, 2, 3),
        evidence=evidence,
        evidence_type=kind if evidence else None,
    )
    session.add(record)
    session.commit()
    return record


@pytest.fixture
def team(make, session):
    """An organisation with a learner who recorded training elsewhere, and its manager."""
    org = make.organisation("Gresham Street Bank")
    learner = make.user(email="rose@example.com", full_name="Rose Tyler", org=org)
    manager = make.user(
        email="boss@example.com", full_name="Martha Manager", org=org, role="manager"
    )
    return org, learner, manager, record_of(session, learner)


def test_rejecting_needs_a_reason_which_the_learner_is_emailed_as_plain_text(
    app, browser, team, session
):
    org, learner, manager, record = team
    browser.sign_in(manager)
    path = f"/organisations/{org.id}/external/{record.id}"
    browser.get(path)

    page = browser.post(path, {"decision": "reject", "reason": "  "}, status=400)
    assert page.error_summary() == ["Enter why you are rejecting it: the learner will read it"]
    page = browser.post(path, {"decision": "reject", "reason": "x" * 501}, status=400)
    assert page.error_summary() == ["Reason must be 500 characters or fewer"]
    page = browser.post(path, {}, status=400)
    assert page.error_summary() == ["Choose whether you accept or reject it"]
    session.refresh(record)
    assert record.status == "pending" and mails_to(app, learner.email) == []

    reason = "The <b>certificate</b> has no date & no name"
    done = browser.post(path, {"decision": "reject", "reason": reason})
    assert done.response.headers["Location"] == f"/organisations/{org.id}/external"
    session.refresh(record)
    assert (record.status, record.decision_note, record.decided_by_id) == (
        "rejected",
        reason,
        manager.id,
    )
    [message] = mails_to(app, "rose@example.com")
    assert message["Subject"] == (
        "Basics of safeguarding: your training done elsewhere is not accepted"
    )
    text = body(message)
    assert message.get_content_type() == "text/plain"
    assert "Prevent awareness e-learning (Home Office), completed on 3 February 2026" in text
    assert "Martha Manager, a manager at Gresham Street Bank, did not accept it" in text
    assert f"\n{reason}\n" in text, "the reason as typed, not as HTML"
    assert "/certificates/external" in text
    listed = browser.get(f"/organisations/{org.id}/external")
    assert "You rejected Rose Tyler's record of Prevent awareness e-learning." in listed.text()
    assert "<b>certificate</b>" in listed.text(), "escaped on the page, shown as typed"


def test_accepting_shows_what_it_records_then_records_it_and_tells_the_learner(
    app, browser, team, session
):
    org, learner, _, record = team
    browser.sign_in(team[2])  # the manager
    path = f"/organisations/{org.id}/external/{record.id}"
    page = browser.get(path)
    button = page.soup.find("button", string=lambda text: "Accept and record it" in text)
    said = " ".join(page.soup.find(id=button["aria-describedby"]).get_text().split())
    assert said == (
        "Accepting records Basics of safeguarding completed on 3 February 2026, valid until "
        "3 February 2027. It counts towards required training and coverage, with no "
        "certificate from us."
    )
    assert session.scalar(select(func.count()).select_from(Completion)) == 0, "not yet"

    browser.post(path, {"decision": "accept", "reason": "ignored when accepting"})
    session.refresh(record)
    assert (record.status, record.decision_note, record.decided_by_id) == (
        "accepted",
        None,
        team[2].id,
    )
    completion = session.get(Completion, record.completion_id)
    assert (completion.completed_at.date(), completion.expires_at.date()) == (
        date(2026, 2, 3),
        date(2027, 2, 3),
    )
    [message] = mails_to(app, learner.email)
    assert message["Subject"] == "Basics of safeguarding: your training done elsewhere is accepted"
    assert (
        "It counts as Basics of safeguarding completed on 3 February 2026, valid until "
        "3 February 2027." in body(message)
    )
    assert "/my-training" in body(message)


def test_a_cst_decision_says_the_community_safety_team_decided(app, browser, make, team, session):
    _, learner, _, record = team
    browser.sign_in(make.user(admin=True, full_name="Clara Oswald"))
    browser.get(f"/admin/external/{record.id}")
    browser.post(f"/admin/external/{record.id}", {"decision": "reject", "reason": "Not ours"})
    [message] = mails_to(app, learner.email)
    assert "The Community Safety Team did not accept it, for this reason:" in body(message)
    assert "Clara Oswald" not in body(message)


def test_a_decision_is_made_once(browser, other_browser, make, team, session):
    org, _, manager, record = team
    path = f"/organisations/{org.id}/external/{record.id}"
    browser.sign_in(manager)
    browser.get(path)
    other_browser.sign_in(make.user(admin=True))
    other_browser.get(f"/admin/external/{record.id}")
    other_browser.post(f"/admin/external/{record.id}", {"decision": "accept"})
    page = browser.post(path, {"decision": "reject", "reason": "Too late"})
    assert browser.get(page.response.headers["Location"]).h1 == (
        "Training done elsewhere: accepted"
    )
    session.refresh(record)
    assert (record.status, record.decision_note) == ("accepted", None)


def test_decided_records_stay_listed_with_who_decided_when_and_the_outcome(
    browser, make, team, session
):
    org, _, manager, record = team
    other = record_of(session, make.user(full_name="Amy Pond", org=org))
    browser.sign_in(manager)
    browser.get(f"/organisations/{org.id}/external/{record.id}")
    browser.post(f"/organisations/{org.id}/external/{record.id}", {"decision": "accept"})
    browser.get(f"/organisations/{org.id}/external/{other.id}")
    browser.post(
        f"/organisations/{org.id}/external/{other.id}",
        {"decision": "reject", "reason": "No evidence of the date"},
    )
    admin = Browser(browser.client.application.test_client())
    admin.sign_in(make.user(admin=True))
    for viewer, path in (
        (browser, f"/organisations/{org.id}/external"),
        (admin, "/admin/external"),
    ):
        page = viewer.get(path)
        assert "Nothing is waiting for a decision." in page.text()
        rows = [
            [" ".join(cell.get_text(" ", strip=True).split()) for cell in row.select("th, td")]
            for row in page.soup.select("#decided ~ div table tbody tr")
        ]
        decided = f"Martha Manager, {london_date(utcnow())}"
        assert rows == [
            [
                "Amy Pond: Prevent awareness e-learning (Home Office)",
                "Rejected No evidence of the date",
                decided,
            ],
            [
                "Rose Tyler: Prevent awareness e-learning (Home Office)",
                "Accepted",
                decided,
            ],
        ], path
    decided = browser.get(f"/organisations/{org.id}/external/{other.id}")
    assert "Rejected" in decided.text() and "No evidence of the date" in decided.text()
    assert not decided.soup.find("input", {"name": "decision"}), "nothing left to decide"
    assert not decided.soup.find("textarea")


def test_the_decided_list_is_paged(browser, make, team, session):
    org, _, manager, _ = team
    learner = make.user(org=org)
    for _ in range(26):
        session.add(
            ExternalRecord(
                user_id=learner.id,
                course_slug="basics",
                provider="P",
                course_name="C",
                completed_on=date(2026, 1, 1),
                status="rejected",
                decision_note="No",
                decided_by_id=manager.id,
            )
        )
    session.commit()
    browser.sign_in(manager)
    first = browser.get(f"/organisations/{org.id}/external")
    assert first.soup.title.get_text().startswith("Training done elsewhere (page 1 of 2)")
    assert len(first.soup.select("#decided ~ div table tbody tr")) == 25
    second = browser.get(f"/organisations/{org.id}/external?page=2")
    assert len(second.soup.select("#decided ~ div table tbody tr")) == 1


def test_the_manager_s_decision_page_keeps_the_organisation_s_navigation(browser, team):
    org, _, manager, record = team
    browser.sign_in(manager)
    page = browser.get(f"/organisations/{org.id}/external/{record.id}")
    current = page.soup.select(".app-subnav [aria-current=page]")
    assert [link.get_text(strip=True) for link in current] == ["Training done elsewhere"]
    assert page.soup.select_one(".govuk-caption-l").get_text(strip=True) == org.name


@pytest.mark.parametrize(
    "data, kind, filename",
    [
        (PDF, "application/pdf", "evidence-{id}.pdf"),
        (PNG, "image/png", "evidence-{id}.png"),
        (JPEG, "image/jpeg", "evidence-{id}.jpg"),
    ],
)
def test_evidence_downloads_with_the_extension_of_its_type(
    browser, make, team, session, data, kind, filename
):
    org, learner, manager, _ = team
    record = record_of(session, learner, data, kind)
    for viewer, path in (
        (manager, f"/organisations/{org.id}/external/{record.id}/evidence"),
        (make.user(admin=True), f"/admin/external/{record.id}/evidence"),
    ):
        client = Browser(browser.client.application.test_client())
        client.sign_in(viewer)
        response = client.client.get(path)
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="{filename.format(id=record.id)}"'
        )
        assert (response.mimetype, response.get_data()) == (kind, data)


def post_external(browser, day: str, data: bytes, filename: str = "certificate.pdf"):
    browser.get("/certificates/external")
    return browser.post(
        "/certificates/external",
        {
            "course": "basics",
            "provider": "Home Office",
            "course_name": "Prevent awareness e-learning",
            "completed_on": [day, "2", "2026"],
            "evidence": (BytesIO(data), filename),
        },
        status=200,
    )


def test_a_learner_whose_form_is_shown_again_is_asked_to_choose_the_file_again(
    browser, make, session
):
    browser.sign_in(make.user())
    page = post_external(browser, "31", PDF)
    assert page.error_summary() == [
        "Enter a real date, for example 27 3 2026",
        "Choose your file again (certificate.pdf): it could not be kept while you correct "
        "the other answers",
    ]
    assert page.soup.select_one("#evidence-error"), "the message is at the file input too"
    page = post_external(browser, "31", b"MZ not a pdf", "cert.exe")
    assert page.error_summary() == [
        "Enter a real date, for example 27 3 2026",
        "The file must be a PDF, PNG or JPEG",
    ], "a wrong file is said at once, with the other problems"
    assert session.scalar(select(func.count()).select_from(ExternalRecord)) == 0


def test_training_accepted_from_elsewhere_shows_as_completed_elsewhere_without_progress(
    browser, other_browser, team, session
):
    org, learner, manager, record = team
    other_browser.sign_in(manager)
    other_browser.get(f"/organisations/{org.id}/external/{record.id}")
    other_browser.post(f"/organisations/{org.id}/external/{record.id}", {"decision": "accept"})
    browser.sign_in(learner)
    page = browser.get("/my-training")
    item = page.soup.select_one(".app-course-list__item")
    assert item.select_one(".govuk-tag").get_text(strip=True) == "Completed elsewhere"
    assert not item.select("progress"), "no 'parts done' for a course done elsewhere"
    assert "Completed elsewhere on 3 February 2026; valid until 3 February 2027." in (
        " ".join(item.get_text(" ", strip=True).split())
    )


# --- nobody decides on their own record ---------------------------------------------------


@pytest.fixture
def people(make, session):
    org, other_org = make.organisation("Ours"), make.organisation("Theirs")
    return (
        org,
        other_org,
        {
            "learner": make.user(org=org),
            "other_member": make.user(org=org),
            "manager": make.user(org=org, role="manager"),
            "other_manager": make.user(org=other_org, role="manager"),
            "cst_admin": make.user(admin=True),
            "cst_admin_member": make.user(admin=True, org=org),
        },
    )


# Whose record, who asks, through which organisation ("ours", "theirs" or CST's pages).
CASES = [
    ("learner", "learner", "ours", False),
    ("learner", "other_member", "ours", False),
    ("learner", "manager", "ours", True),
    ("learner", "manager", None, False),
    ("learner", "other_manager", "theirs", False),
    ("learner", "other_manager", "ours", False),
    ("learner", "cst_admin", None, True),
    ("learner", "cst_admin", "ours", True),
    ("learner", "cst_admin", "theirs", False),
    ("manager", "manager", "ours", False),
    ("manager", "cst_admin", None, True),
    ("cst_admin", "cst_admin", None, False),
    ("cst_admin_member", "cst_admin_member", None, False),
    ("cst_admin_member", "cst_admin_member", "ours", False),
    ("cst_admin_member", "manager", "ours", True),
    ("cst_admin_member", "cst_admin", None, True),
]


@pytest.mark.parametrize("owner, viewer, through, allowed", CASES)
def test_who_may_decide_on_a_record(app, people, session, owner, viewer, through, allowed):
    org, other_org, who = people
    record = record_of(session, who[owner])
    organisation = {"ours": org, "theirs": other_org, None: None}[through]
    with app.test_request_context():
        assert can_decide_external(who[viewer], record, organisation) is allowed


@pytest.mark.parametrize("owner", ["manager", "cst_admin", "cst_admin_member"])
def test_nobody_decides_on_their_own_record_through_any_page(app, people, session, owner):
    org, _, who = people
    record = record_of(session, who[owner])
    browser = Browser(app.test_client())
    browser.sign_in(who[owner])
    paths = [f"/organisations/{org.id}/external/{record.id}"]
    if who[owner].is_cst_admin:
        paths.append(f"/admin/external/{record.id}")
    for path in paths:
        browser.get(path, status=404)
        browser.get(path + "/evidence", status=404)
        browser.post(path, {"decision": "accept"}, status=404)
    listing = "/admin/external" if who[owner].is_cst_admin else f"/organisations/{org.id}/external"
    links = [a["href"] for a in browser.get(listing).soup.select("main a")]
    assert not [link for link in links if link.endswith(f"/external/{record.id}")]
    assert "Nothing is waiting for a decision." in browser.last.text()
    session.refresh(record)
    assert record.status == "pending"


def test_cst_s_tasks_leave_out_the_admin_s_own_record(app, people, session):
    _, _, who = people
    record_of(session, who["cst_admin"])

    def external_count(admin) -> str:
        browser = Browser(app.test_client())
        browser.sign_in(admin)
        row = browser.get("/admin").soup.find("dt", string=lambda text: "elsewhere" in text)
        return row.find_next("dd").get_text(strip=True)

    assert external_count(who["cst_admin"]) == "0"
    assert external_count(who["cst_admin_member"]) == "1"


def decided_records(session, make, org, decider, count: int) -> None:
    for _ in range(count):
        learner = make.user(org=org)
        for status in ("pending", "accepted", "rejected"):
            session.add(
                ExternalRecord(
                    user_id=learner.id,
                    course_slug="basics",
                    provider="P",
                    course_name="C",
                    completed_on=date(2026, 1, 1),
                    status=status,
                    decided_by_id=None if status == "pending" else decider.id,
                    decided_at=None if status == "pending" else utcnow(),
                )
            )
    session.commit()


def test_the_lists_of_records_cost_the_same_however_many_there_are(app, browser, make, session):
    org = make.organisation()
    manager = make.user(org=org, role="manager")
    deciders = [make.user(admin=True) for _ in range(3)]
    browser.sign_in(manager)
    admin = Browser(app.test_client())
    admin.sign_in(make.user(admin=True))
    decided_records(session, make, org, deciders[0], 1)
    few = [
        queries(app, browser, f"/organisations/{org.id}/external"),
        queries(app, admin, "/admin/external"),
    ]
    for decider in deciders:
        decided_records(session, make, org, decider, 3)
    many = [
        queries(app, browser, f"/organisations/{org.id}/external"),
        queries(app, admin, "/admin/external"),
    ]
    assert few == many


def test_a_visitor_decides_nothing(app, people, session):
    from flask_login import AnonymousUserMixin

    org, _, who = people
    record = record_of(session, who["learner"])
    with app.test_request_context():
        assert can_decide_external(AnonymousUserMixin(), record, org) is False
        assert can_decide_external(AnonymousUserMixin(), record, None) is False


def test_a_decision_stands_when_the_email_cannot_be_sent(app, browser, team, session, monkeypatch):
    from elearn import mail

    def refuse(message, folder):
        raise OSError("the mail server is down")

    monkeypatch.setattr(mail, "_write_file", refuse)
    org, _, manager, record = team
    browser.sign_in(manager)
    path = f"/organisations/{org.id}/external/{record.id}"
    browser.get(path)
    page = browser.post(path, {"decision": "reject", "reason": "No date on it"})
    listed = browser.get(page.response.headers["Location"])
    assert (
        "You rejected Rose Tyler's record of Prevent awareness e-learning. The email telling "
        "them could not be sent." in listed.text()
    )
    session.refresh(record)
    assert (record.status, record.decision_note) == ("rejected", "No date on it")
