"""Reminders before and after training is due, and training done elsewhere."""

from __future__ import annotations

import email
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from elearn.models import (
    Assignment,
    AuditEvent,
    Certificate,
    Completion,
    ExternalRecord,
    ReminderLog,
    utcnow,
)


def mails(app) -> list[email.message.Message]:
    folder = Path(app.config["MAIL_DIR"])
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def run_reminders(app) -> str:
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def test_reminders_go_once_per_stage_and_managers_get_a_digest(app, make, session):
    org = make.organisation("Gresham Street Bank")
    manager = make.user(email="boss@example.com", org=org, role="manager")
    soon = make.user(email="soon@example.com", full_name="Sam Soon", org=org)
    lapsed = make.user(email="lapsed@example.com", org=org)
    make.user(email="late@example.com", full_name="Lee Late", org=org, team="Legal")
    now = utcnow()
    make.completion(
        soon, completed_at=now - timedelta(days=350), expires_at=now + timedelta(days=12)
    )
    make.completion(
        lapsed, completed_at=now - timedelta(days=400), expires_at=now - timedelta(days=3)
    )
    session.add(
        Assignment(
            organisation_id=org.id,
            course_slug="basics",
            team="Legal",
            due_on=date.today() - timedelta(days=2),
        )
    )
    session.commit()

    output = run_reminders(app)
    assert "Sent 3 reminders to learners and 1 digests to managers." in output
    by_person = {m["To"]: m for m in mails(app)}
    assert (
        by_person["soon@example.com"]["Subject"]
        == "Your Basics of safeguarding training expires soon"
    )
    assert (
        by_person["lapsed@example.com"]["Subject"]
        == "Your Basics of safeguarding training has expired"
    )
    assert by_person["late@example.com"]["Subject"] == "Basics of safeguarding: overdue"
    digest = by_person["boss@example.com"]
    assert digest["Subject"] == "1 person is overdue with training in Gresham Street Bank"
    assert "Lee Late: Basics of safeguarding" in digest.get_payload(decode=True).decode()

    assert "Sent 0 reminders to learners and 0 digests to managers." in run_reminders(app)
    assert len(mails(app)) == 4, "running again sends nothing twice"

    # Expiry passes for Sam: that is a new stage, so one more reminder.
    completion = session.scalar(select(Completion).where(Completion.user_id == soon.id))
    completion.expires_at = now - timedelta(minutes=1)
    session.commit()
    assert "Sent 1 reminders" in run_reminders(app)
    assert session.scalar(select(func.count()).select_from(ReminderLog)) == 5
    assert manager.id


def test_no_reminder_for_training_completed_and_valid(app, make, session):
    org = make.organisation()
    done = make.user(org=org)
    make.completion(done, expires_at=utcnow() + timedelta(days=200))
    session.add(
        Assignment(
            organisation_id=org.id,
            course_slug="basics",
            team="",
            due_on=date.today() + timedelta(days=5),
        )
    )
    session.commit()
    assert "Sent 0 reminders to learners" in run_reminders(app)


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF"


def record_external(browser, data: bytes = PDF, filename: str = "certificate.pdf", status=302):
    from io import BytesIO

    browser.get("/certificates/external")
    return browser.post(
        "/certificates/external",
        {
            "course": "basics",
            "provider": "Home Office",
            "course_name": "Prevent awareness e-learning",
            "completed_on": ["3", "2", "2026"],
            "reference": "HO-123",
            "evidence": (BytesIO(data), filename),
        },
        status=status,
    )


def test_learner_records_training_elsewhere_and_manager_accepts_it(
    browser, other_browser, make, session
):
    org = make.organisation()
    learner = make.user(org=org)
    manager = make.user(org=org, role="manager")
    browser.sign_in(learner)
    record_external(browser)
    record = session.scalar(select(ExternalRecord))
    assert (record.status, record.evidence_type, record.reference) == (
        "pending",
        "application/pdf",
        "HO-123",
    )
    assert (
        "Prevent awareness e-learning (Home Office), 3 February 2026: Waiting for a decision"
        in browser.get("/certificates").text()
    )

    other_browser.sign_in(manager)
    page = other_browser.get(f"/organisations/{org.id}/external")
    assert "Prevent awareness e-learning" in page.text()
    evidence = other_browser.client.get(f"/organisations/{org.id}/external/{record.id}/evidence")
    assert evidence.get_data() == PDF and evidence.mimetype == "application/pdf"
    other_browser.get(f"/organisations/{org.id}/external/{record.id}")
    other_browser.post(f"/organisations/{org.id}/external/{record.id}", {"decision": "accept"})
    session.refresh(record)
    completion = session.get(Completion, record.completion_id)
    assert (record.status, completion.method) == ("accepted", "external")
    assert completion.completed_at.date() == date(2026, 2, 3)
    assert completion.expires_at.date() == date(2027, 2, 3)
    assert [o.id for o in completion.organisations] == [org.id]
    assert session.scalar(select(func.count()).select_from(Certificate)) == 0, "no certificate"
    tag = browser.get("/my-training").soup.select_one(".govuk-tag").get_text(strip=True)
    assert tag == "Completed elsewhere"
    assert "external_training_accepted" in session.scalars(select(AuditEvent.action)).all()


def test_rejected_record_counts_for_nothing(browser, other_browser, make, session):
    org = make.organisation()
    learner = make.user(org=org)
    browser.sign_in(learner)
    record_external(browser)
    record = session.scalar(select(ExternalRecord))
    other_browser.sign_in(make.user(admin=True))
    other_browser.get(f"/admin/external/{record.id}")
    other_browser.post(
        f"/admin/external/{record.id}", {"decision": "reject", "reason": "Not equivalent"}
    )
    session.refresh(record)
    assert (record.status, record.decision_note, record.completion_id) == (
        "rejected",
        "Not equivalent",
        None,
    )
    assert "Rejected. Not equivalent" in browser.get("/certificates").text()


def test_evidence_must_be_a_pdf_or_image(browser, make, session):
    browser.sign_in(make.user())
    page = record_external(browser, data=b"MZ\x90\x00not a pdf", filename="cert.pdf", status=200)
    assert page.error_summary() == ["The file must be a PDF, PNG or JPEG"]
    assert session.scalar(select(func.count()).select_from(ExternalRecord)) == 0


def test_manager_of_another_organisation_cannot_decide(browser, other_browser, make, session):
    org = make.organisation()
    learner = make.user(org=org)
    browser.sign_in(learner)
    record_external(browser)
    record = session.scalar(select(ExternalRecord))
    other_org = make.organisation()
    other_browser.sign_in(make.user(org=other_org, role="manager"))
    other_browser.get(f"/organisations/{other_org.id}/external/{record.id}", status=404)
    other_browser.get(f"/organisations/{other_org.id}/external/{record.id}/evidence", status=404)
    other_browser.get(f"/organisations/{org.id}/external/{record.id}", status=403)


def test_reminders_link_to_the_configured_site_from_the_command_line(
    app, make, session, monkeypatch
):
    """cron runs the command with no request, and with no SERVER_NAME in production."""
    org = make.organisation()
    soon = make.user(email="soon@example.com", org=org)
    now = utcnow()
    make.completion(
        soon, completed_at=now - timedelta(days=350), expires_at=now + timedelta(days=12)
    )
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    monkeypatch.setitem(app.config, "ELEARN_BASE_URL", "https://elearn.example")
    assert "Sent 1 reminders" in run_reminders(app)
    body = mails(app)[0].get_payload(decode=True).decode()
    assert "https://elearn.example/courses/" in body


def test_today_is_the_london_day_even_while_utc_is_still_on_yesterday(
    browser, make, session, monkeypatch
):
    """00:30 on 1 July in London is 23:30 on 30 June in UTC: training done 'today' is
    1 July, and a due date of 1 July is today, not the past."""
    from datetime import UTC, datetime

    import elearn.dates
    import elearn.models.types

    class Midsummer(datetime):
        @classmethod
        def now(cls, tz=None):
            moment = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
            return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

    monkeypatch.setattr(elearn.dates, "datetime", Midsummer)
    monkeypatch.setattr(elearn.models.types, "datetime", Midsummer)
    assert elearn.dates.london_today().isoformat() == "2026-07-01"

    org = make.organisation()
    learner = make.user(org=org)
    browser.sign_in(learner)
    browser.get("/certificates/external")
    from io import BytesIO

    browser.post(
        "/certificates/external",
        {
            "course": "basics",
            "provider": "Home Office",
            "course_name": "Prevent awareness e-learning",
            "completed_on": ["1", "7", "2026"],
            "reference": "HO-123",
            "evidence": (BytesIO(PDF), "certificate.pdf"),
        },
    )
    assert session.scalar(select(ExternalRecord)).completed_on.isoformat() == "2026-07-01"
