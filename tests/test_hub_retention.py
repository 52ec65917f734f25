"""The hub's retention (elearn/hub/retention.py): a finished finding's photos go after
HUB_PHOTO_MONTHS, what its reporter wrote, their position and the link to them after
HUB_DETAIL_MONTHS; open findings keep everything; the figures keep counting it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from elearn import schedule
from elearn.auth.personal_data import erase_user, export_user_data
from elearn.config import Config
from elearn.dates import add_months
from elearn.extensions import db
from elearn.hub import triage
from elearn.models import AuditEvent, Finding, FindingEvent, FindingPhoto, User, utcnow
from tests.conftest import Browser
from tests.test_hub import answers, jpeg, report
from tests.test_personal_data import app_log  # noqa: F401  # a fixture

DESCRIPTION = "A swastika and the words 'out', sprayed in red"
PLACE = "Cheapside, on the bus shelter outside number 120"


@pytest.fixture
def people(make):
    org = make.organisation("Ours")
    return {
        "org": org,
        "reporter": make.user(full_name="Rhea Porter", org=org),
        "cst": make.user(full_name="Cass Tee", admin=True),
    }


@pytest.fixture
def reporting(other_browser, people) -> Browser:
    """The reporter, signed in on her phone."""
    other_browser.sign_in(people["reporter"])
    return other_browser


def reported(reporting: Browser, session, photos: int = 1) -> int:
    """A finding reported through the form, with the reporter's position and photos."""
    said = answers(description=DESCRIPTION, place=PLACE, latitude="51.514267", longitude="-0.0931")
    report(reporting, said, photos=[(f"IMG_{n}.jpg", jpeg(60, 40)) for n in range(photos)])
    return session.scalar(select(func.max(Finding.id)))


def step(app, finding_id: int, cst: User, *steps: str, other: int | None = None) -> None:
    """CST's steps on the finding, through triage."""
    with app.app_context():
        finding, by = db.session.get(Finding, finding_id), db.session.get(User, cst.id)
        for name in steps:
            if name == "police":
                triage.pass_to_police(finding, by, "CAD 4321/05DEC")
            elif name == "removed":
                triage.mark_removed(finding, by, utcnow())
            elif name == "closed":
                triage.close(finding, by, "Removed; Rhea Porter told it is gone")
            elif name == "merged":
                triage.merge(db.session.get(Finding, other), finding, by)
        db.session.commit()


def finished_ago(session, finding_id: int, months: int, days: int = 0) -> datetime:
    """Move the finding's last step (and its removal or closing) back in time."""
    when = add_months(utcnow(), -months) - timedelta(days=days)
    finding = session.get(Finding, finding_id)
    finding.updated_at = when
    if finding.closed_at is not None:
        finding.closed_at = when
    if finding.removed_at is not None:
        finding.removed_at = when
    session.commit()
    return when


def photo_refs(session, finding_id: int) -> list[str]:
    return session.scalars(
        select(FindingPhoto.public_id)
        .where(FindingPhoto.finding_id == finding_id)
        .order_by(FindingPhoto.position)
    ).all()


def figures(session, finding_id: int) -> tuple:
    """What the partnership's figures are made of."""
    finding = session.get(Finding, finding_id)
    return (
        finding.kind,
        finding.strand,
        finding.postcode,
        finding.seen_at,
        finding.reported_at,
        finding.status,
        finding.organisation_id,
        finding.removed_at,
        finding.closed_at,
    )


def retention(app, now: datetime | None = None) -> schedule.Retained:
    with app.app_context():
        return schedule.retention(now or utcnow())


# --- photos ------------------------------------------------------------------------------


def test_photos_go_3_months_after_a_finding_is_finished_and_not_before(
    app, browser, reporting, people, session
):
    reporter, cst = people["reporter"], people["cst"]
    closed = reported(reporting, session, photos=2)
    step(app, closed, cst, "police", "closed")
    removed = reported(reporting, session)
    step(app, removed, cst, "removed")
    duplicate = reported(reporting, session)
    kept = reported(reporting, session)
    step(app, duplicate, cst, "merged", other=kept)
    yesterday = reported(reporting, session)
    step(app, yesterday, cst, "closed")
    still_open = reported(reporting, session)
    step(app, still_open, cst, "police")
    for finding_id in (closed, removed, duplicate):
        finished_ago(session, finding_id, months=3, days=1)
    finished_ago(session, yesterday, months=0, days=1)
    session.get(Finding, still_open).reported_at = add_months(utcnow(), -36)
    finished_ago(session, still_open, months=36)  # open: its age does not count
    gone = photo_refs(session, closed) + photo_refs(session, removed)
    gone += photo_refs(session, duplicate)
    urls = [f"/hub/photos/{ref}{end}" for ref in gone for end in ("", "/thumbnail")]
    browser.sign_in(cst)
    assert {browser.client.get(url).status_code for url in urls} == {200}
    before = {i: figures(session, i) for i in (closed, removed, duplicate)}

    runner = app.test_cli_runner()
    output = runner.invoke(args=["retention", "apply", "--dry-run"]).output
    assert "Would delete 4 photos of hub reports finished over 3 months ago." in output
    assert "Would reduce 0 hub reports" in output and "Nothing was changed." in output
    assert session.scalar(select(func.count()).select_from(FindingPhoto)) == 7

    output = runner.invoke(args=["retention", "apply"]).output
    assert "Deleted 4 photos of hub reports finished over 3 months ago." in output
    assert "Reduced 0 hub reports finished over 24 months ago" in output
    session.expire_all()
    assert [photo_refs(session, i) for i in (closed, removed, duplicate)] == [[], [], []]
    assert {browser.client.get(url).status_code for url in urls} == {404}
    browser.sign_out()
    browser.sign_in(reporter)
    assert {browser.client.get(url).status_code for url in urls} == {404}
    for finding_id in (kept, yesterday, still_open):
        assert len(photo_refs(session, finding_id)) == 1, finding_id
    page = browser.get(f"/hub/{session.get(Finding, closed).public_id}").text()
    assert "No photos." in page and DESCRIPTION in page, "what she wrote stays for now"
    assert {i: figures(session, i) for i in before} == before


def test_a_finding_finished_and_taken_up_again_counts_from_its_last_step(
    app, reporting, people, session
):
    cst = people["cst"]
    finding_id = reported(reporting, session)
    step(app, finding_id, cst, "removed")
    finished_ago(session, finding_id, months=4)
    step(app, finding_id, cst, "police")  # the police asked about it: open again
    later = add_months(utcnow(), 2)
    assert retention(app, later).photos == 0
    step(app, finding_id, cst, "removed")
    assert retention(app, later).photos == 0, "2 months after it was finished again"
    assert retention(app, add_months(later, 1) + timedelta(days=2)).photos == 1


# --- what the reporter wrote, and who they are -------------------------------------------


def test_details_are_reduced_24_months_after_a_finding_is_finished_and_not_before(
    app, browser, reporting, people, session
):
    reporter, cst = people["reporter"], people["cst"]
    old = reported(reporting, session)
    step(app, old, cst, "police", "removed", "closed")
    recent = reported(reporting, session)
    step(app, recent, cst, "police", "closed")
    finished_ago(session, old, months=24, days=1)
    finished_ago(session, recent, months=24, days=-1)
    before = {i: figures(session, i) for i in (old, recent)}

    done = retention(app)
    assert (done.findings, done.photos) == (1, 2), "the photos go first, with their period"
    session.expire_all()
    finding = session.get(Finding, old)
    assert (finding.description, finding.place) == ("(removed)", "(removed)")
    assert (finding.reporter_id, finding.latitude, finding.longitude) == (None, None, None)
    assert (finding.police_reference, finding.close_reason) == (None, None)
    assert figures(session, old) == before[old], "the figures still count it"
    assert finding.postcode == "EC2V 6DN" and finding.kind == "graffiti"
    steps = session.execute(
        select(FindingEvent.step, FindingEvent.actor_id, FindingEvent.note, FindingEvent.reference)
        .where(FindingEvent.finding_id == old)
        .order_by(FindingEvent.id)
    ).all()
    assert steps == [
        ("reported", None, None, None),
        ("police", cst.id, None, None),
        ("removed", cst.id, None, None),
        ("closed", cst.id, None, None),
    ]
    audited = session.execute(
        select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.detail)
        .where(AuditEvent.subject_type == "finding", AuditEvent.subject_id == str(old))
        .order_by(AuditEvent.id)
    ).all()
    assert [(action, actor) for action, actor, _ in audited] == [
        ("finding_reported", None),
        ("finding_passed_to_police", cst.id),
        ("finding_removed", cst.id),
        ("finding_closed", cst.id),
    ]
    assert audited[1].detail == {} and audited[3].detail == {}
    assert set(audited[2].detail) == {"removed_at"}

    kept = session.get(Finding, recent)
    assert (kept.description, kept.place, kept.reporter_id) == (DESCRIPTION, PLACE, reporter.id)
    assert (kept.latitude, kept.police_reference) == (51.514267, "CAD 4321/05DEC")
    assert session.scalar(
        select(AuditEvent.detail).where(
            AuditEvent.subject_id == str(recent), AuditEvent.action == "finding_closed"
        )
    ) == {"reason": "Removed; Rhea Porter told it is gone"}

    browser.sign_in(reporter)
    mine = browser.get("/hub").text()
    assert PLACE in mine, "her recent report"
    with app.app_context():
        exported = export_user_data(db.session.get(User, reporter.id))
    assert [r["public_id"] for r in exported["reports_to_the_hub"]] == [kept.public_id]
    assert browser.client.get(f"/hub/{finding.public_id}").status_code == 404, "no longer hers"


def test_running_retention_again_changes_nothing_more(app, reporting, people, session):
    cst = people["cst"]
    for _ in range(3):
        finding_id = reported(reporting, session, photos=2)
        step(app, finding_id, cst, "police", "closed")
        finished_ago(session, finding_id, months=30)
    first = retention(app)
    assert (first.photos, first.findings) == (6, 3)

    def held() -> tuple:
        return (
            session.execute(select(Finding).order_by(Finding.id)).scalars().all(),
            session.execute(select(FindingEvent.__table__)).all(),
            session.execute(select(AuditEvent.__table__).order_by(AuditEvent.id)).all(),
        )

    session.expire_all()
    findings_before, events_before, audit_before = held()
    snapshot = [tuple(vars(f).get(c.key) for c in Finding.__table__.c) for f in findings_before]
    again = retention(app)
    assert (again.photos, again.findings) == (0, 0)
    session.expire_all()
    findings_after, events_after, audit_after = held()
    assert [tuple(vars(f).get(c.key) for c in Finding.__table__.c) for f in findings_after] == (
        snapshot
    )
    assert (events_after, audit_after) == (events_before, audit_before)


def test_a_finding_with_no_reporter_is_reduced_too(app, people, session):
    """Reported through a partner's reporting link: no account, so nobody to export it to
    or to erase; retention alone reduces it."""
    now = utcnow()
    finding = Finding(
        public_id="a" * 32,
        form_id="b" * 32,
        reporter_id=None,
        organisation_id=people["org"].id,
        kind="sticker",
        strand="extreme_right",
        description=DESCRIPTION,
        place=PLACE,
        postcode="EC4M 7AA",
        latitude=51.5138,
        longitude=-0.0984,
        seen_at=now,
        status="removed",
        removed_at=now,
    )
    session.add(finding)
    session.commit()
    finished_ago(session, finding.id, months=25)
    assert retention(app).findings == 1
    session.expire_all()
    reduced = session.get(Finding, finding.id)
    assert (reduced.description, reduced.latitude, reduced.organisation_id) == (
        "(removed)",
        None,
        people["org"].id,
    )


def test_erasing_a_reporter_reduces_their_findings_as_retention_does(
    app, reporting, people, session
):
    reporter, cst = people["reporter"], people["cst"]
    finding_id = reported(reporting, session)
    step(app, finding_id, cst, "police")  # still open: retention would not touch it
    with app.app_context():
        erase_user(db.session.get(User, reporter.id), "Her request")
        db.session.commit()
    session.expire_all()
    finding = session.get(Finding, finding_id)
    assert (finding.description, finding.place, finding.reporter_id) == (
        "(removed)",
        "(removed)",
        None,
    )
    assert (finding.latitude, finding.longitude, finding.police_reference) == (None, None, None)
    assert photo_refs(session, finding_id) == []


# --- the nightly task and the settings ----------------------------------------------------


def test_the_nightly_task_does_it_and_logs_counts_not_content(
    app,
    reporting,
    people,
    session,
    app_log,  # noqa: F811
):
    cst = people["cst"]
    finding_id = reported(reporting, session, photos=2)
    step(app, finding_id, cst, "closed")
    finished_ago(session, finding_id, months=25)
    schedule.apply_retention()
    session.expire_all()
    assert session.get(Finding, finding_id).description == "(removed)"
    written = app_log.getvalue()
    assert "deleted 2 hub photos and reduced 1 hub findings" in written
    assert "swastika" not in written and "Cheapside" not in written and "CAD" not in written


def test_the_periods_are_settings_of_whole_months(app, reporting, people, session, monkeypatch):
    monkeypatch.setenv("ELEARN_HUB_PHOTO_MONTHS", "6")
    monkeypatch.setenv("ELEARN_HUB_DETAIL_MONTHS", "12")
    config = Config()
    assert (config.HUB_PHOTO_MONTHS, config.HUB_DETAIL_MONTHS) == (6, 12)
    for wrong in ("0", "-3"):
        monkeypatch.setenv("ELEARN_HUB_PHOTO_MONTHS", wrong)
        with pytest.raises(ValueError, match="ELEARN_HUB_PHOTO_MONTHS must be"):
            Config()
    monkeypatch.setenv("ELEARN_HUB_PHOTO_MONTHS", "three")
    with pytest.raises(ValueError):
        Config()
    monkeypatch.delenv("ELEARN_HUB_PHOTO_MONTHS")
    monkeypatch.delenv("ELEARN_HUB_DETAIL_MONTHS")
    assert (Config().HUB_PHOTO_MONTHS, Config().HUB_DETAIL_MONTHS) == (3, 24)

    finding_id = reported(reporting, session)
    step(app, finding_id, people["cst"], "closed")
    finished_ago(session, finding_id, months=4)
    monkeypatch.setitem(app.config, "HUB_PHOTO_MONTHS", 6)
    output = app.test_cli_runner().invoke(args=["retention", "apply"]).output
    assert "Deleted 0 photos of hub reports finished over 6 months ago." in output
    assert len(photo_refs(session, finding_id)) == 1
