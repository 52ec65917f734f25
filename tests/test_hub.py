"""The partnership's reporting hub: reporting on a phone, photos made safe, CST's triage,
duplicates, and who sees what (docs/hub.md)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from elearn.dates import LONDON
from elearn.extensions import db
from elearn.hub import triage
from elearn.hub.findings import normalise_postcode
from elearn.hub.photos import MAX_BYTES, PhotoRefused, safe_photo
from elearn.models import AuditEvent, Finding, FindingEvent, FindingPhoto, User, utcnow
from tests.conftest import Page

GPS_IFD = 0x8825
EXIF_IFD = 0x8769


def jpeg(width=3000, height=2000, colour=(200, 30, 30), taken="2026:12:01 14:30:00", gps=True):
    """A phone's photo: EXIF with a capture time, a GPS position, a camera and the
    orientation 'turn 90° to show' (6)."""
    image = Image.new("RGB", (width, height), colour)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Phone 15"
    exif.get_ifd(EXIF_IFD)[36867] = taken
    if gps:
        gps_ifd = exif.get_ifd(GPS_IFD)
        gps_ifd[1] = "N"
        gps_ifd[2] = (51.0, 30.0, 52.0)
        gps_ifd[3] = "W"
        gps_ifd[4] = (0.0, 5.0, 38.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png_bomb() -> bytes:
    """A small file that decodes to 100 million pixels."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")
    return out.getvalue()


def answers(**changes) -> dict:
    seen = datetime.now(LONDON) - timedelta(hours=2)
    values = {
        "kind": "graffiti",
        "strand": "antisemitic",
        "description": "A swastika and the words '<b>out</b>'",
        "place": "Cheapside, on the bus shelter outside number 120",
        "postcode": "ec2v6dn",
        "seen_on": [str(seen.day), str(seen.month), str(seen.year)],
        "seen_time": seen.strftime("%H:%M"),
        "latitude": "",
        "longitude": "",
    }
    values.update(changes)
    return values


def report(browser, data: dict, photos=(), status=302):
    page = browser.get("/hub/new")
    form = {
        **data,
        "form_id": page.soup.find("input", {"name": "form_id"})["value"],
        "csrf_token": page.csrf_token(),
    }
    if photos:
        form["photos"] = [(io.BytesIO(content), name) for name, content in photos]
    response = browser.client.post("/hub/new", data=form, content_type="multipart/form-data")
    if response.status_code != status:
        problems = Page(response).error_summary()
        raise AssertionError(
            f"POST /hub/new: {response.status_code}, expected {status}: {problems}"
        )
    return response, form


@pytest.fixture
def people(make):
    org = make.organisation("Ours")
    return {
        "reporter": make.user(full_name="Rhea Porter", org=org),
        "other_learner": make.user(org=org),
        "manager": make.user(org=org, role="manager"),
        "cst": make.user(full_name="Cass Tee", admin=True),
    }


# --- reporting ---------------------------------------------------------------------------


def test_postcodes_are_checked_and_written_one_way():
    assert normalise_postcode(" ec2v  6dn ") == "EC2V 6DN"
    assert normalise_postcode("EC1A1BB") == "EC1A 1BB"
    assert normalise_postcode("SW1A 2AA") == "SW1A 2AA"
    assert normalise_postcode("M1 1AE") == "M1 1AE"
    assert normalise_postcode("EC2V") is None
    assert normalise_postcode("12345") is None
    assert normalise_postcode("EC2V 6CN") is None  # C is never in an inward code


def test_a_report_without_location_or_photos(app, browser, people, session):
    browser.sign_in(people["reporter"])
    page = browser.get("/hub")
    assert page.h1 == "Report something you have seen"
    assert "Report something" in [a.get_text(strip=True) for a in page.soup.select("nav a")]
    new = browser.get("/hub/new")
    assert new.soup.find(attrs={"data-module": "app-use-location"}).has_attr("hidden")
    script = new.soup.find("script", src=re.compile("use-location.js"))
    assert script["type"] == "module"
    assert "geolocation=(self)" in new.response.headers["Permissions-Policy"]
    assert "may be offensive" in new.text()

    response, _ = report(browser, answers())
    finding = session.scalar(select(Finding))
    assert response.headers["Location"] == f"/hub/{finding.public_id}"
    assert (finding.kind, finding.strand, finding.postcode) == (
        "graffiti",
        "antisemitic",
        "EC2V 6DN",
    )
    assert finding.latitude is None and finding.longitude is None
    assert finding.reporter_id == people["reporter"].id and finding.status == "new"
    assert finding.anonymous is False
    shown = browser.get(f"/hub/{finding.public_id}")
    assert "<b>out</b>" in shown.text(), "shown as text"
    assert "Received" in shown.text() and "No photos." in shown.text()
    listed = browser.get("/hub")
    assert "Hate graffiti (Antisemitic)" in listed.text() and "Received" in listed.text()
    events = session.scalars(select(AuditEvent.action)).all()
    assert "finding_reported" in events


def test_a_report_with_location_and_photos(app, browser, people, session):
    browser.sign_in(people["reporter"])
    png = io.BytesIO()
    Image.new("RGBA", (400, 300), (0, 0, 255, 128)).save(png, "PNG")
    report(
        browser,
        answers(latitude="51.5142671", longitude="-0.0931", anonymous="y", kind="sticker"),
        photos=[("IMG_0001.jpg", jpeg()), ("sticker.png", png.getvalue())],
    )
    finding = session.scalar(select(Finding))
    assert (finding.latitude, finding.longitude) == (51.514267, -0.0931)
    assert finding.anonymous is True
    photos = session.scalars(select(FindingPhoto).order_by(FindingPhoto.position)).all()
    assert [p.position for p in photos] == [1, 2]
    first = photos[0]
    image = Image.open(io.BytesIO(first.data))
    assert image.format == "JPEG"
    assert image.size == (1365, 2048), "turned upright (orientation 6), longest side 2048"
    exif = image.getexif()
    assert len(exif) == 0 and not exif.get_ifd(GPS_IFD), "no EXIF at all: no GPS, no camera"
    assert b"PhoneMaker" not in first.data and b"Exif" not in first.data
    assert first.taken_at == datetime(2026, 12, 1, 14, 30, tzinfo=UTC), "London time, kept"
    assert max(Image.open(io.BytesIO(first.thumbnail)).size) == 320
    assert photos[1].taken_at is None
    assert Image.open(io.BytesIO(photos[1].data)).getpixel((0, 0))[2] > 200, "on white"

    photo = browser.client.get(f"/hub/photos/{first.public_id}")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.headers["Cache-Control"] == "private, no-store"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert photo.data == first.data
    assert browser.client.get(f"/hub/photos/{first.public_id}/thumbnail").status_code == 200


def test_hostile_uploads_are_refused_with_a_clear_error_and_nothing_saved(
    app, browser, people, session
):
    browser.sign_in(people["reporter"])
    oversize = b"\xff\xd8\xff" + b"\0" * (MAX_BYTES + 10)
    cases = [
        ([("big.jpg", oversize)], "smaller than 10 MB"),
        ([("notes.jpg", b"Dear CST, this is text, not a photo\n" * 20)], "JPEG, PNG or WebP"),
        ([("bomb.png", png_bomb())], "too many pixels"),
        ([("a.jpg", jpeg(40, 30))] * 4, "3 photos or fewer"),
    ]
    for photos, message in cases:
        response, _ = report(browser, answers(), photos=photos, status=400)
        text = " ".join(response.get_data(as_text=True).split())
        assert message in text, message
        assert "There is a problem" in text
    assert session.scalar(select(func.count()).select_from(Finding)) == 0
    assert session.scalar(select(func.count()).select_from(FindingPhoto)) == 0


def test_the_photo_check_refuses_what_pillow_would_warn_about():
    with pytest.raises(PhotoRefused, match="too many pixels"):
        safe_photo(png_bomb())
    truncated = jpeg(200, 100)[:300]
    with pytest.raises(PhotoRefused, match="JPEG, PNG or WebP"):
        safe_photo(truncated)
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    with pytest.raises(PhotoRefused, match="JPEG, PNG or WebP"):
        safe_photo(gif.getvalue())


def test_form_errors_are_said_and_typed_answers_kept(browser, people, session):
    browser.sign_in(people["reporter"])
    tomorrow = datetime.now(LONDON) + timedelta(days=1)
    response, _ = report(
        browser,
        answers(
            postcode="NOT A POSTCODE",
            description="",
            seen_on=[str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)],
        ),
        status=400,
    )
    text = " ".join(response.get_data(as_text=True).split())
    for message in (
        "Enter a real postcode, for example EC2V 7HH",
        "Enter what it says or shows",
        "The time you saw it must be now or in the past",
    ):
        assert message in text
    assert "Cheapside, on the bus shelter" in text
    assert session.scalar(select(func.count()).select_from(Finding)) == 0


@pytest.mark.parametrize(
    ("seen_on", "message"),
    [
        (["1", "1", "0001"], "Enter a real date, for example 27 3 2027"),
        (["1", "1", "9999"], "Enter a real date, for example 27 3 2027"),
        (["1", "1", "2020"], "The date you saw it must be within the last 12 months"),
    ],
)
def test_a_date_seen_long_ago_or_never_is_refused(browser, people, session, seen_on, message):
    browser.sign_in(people["reporter"])
    response, _ = report(browser, answers(seen_on=seen_on), status=400)
    assert message in Page(response).error_summary()
    assert session.scalar(select(func.count()).select_from(Finding)) == 0


def test_sending_the_same_form_twice_makes_one_finding(browser, people, session):
    browser.sign_in(people["reporter"])
    first, form = report(browser, answers())
    again = browser.client.post("/hub/new", data=form, content_type="multipart/form-data")
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert session.scalar(select(func.count()).select_from(Finding)) == 1
    report(browser, answers(place="Another place"))  # a new form is a new report
    assert session.scalar(select(func.count()).select_from(Finding)) == 2


# --- who sees what -----------------------------------------------------------------------


def test_only_the_reporter_and_cst_see_a_finding_and_its_photos(
    app, browser, other_browser, people, session
):
    browser.sign_in(people["reporter"])
    report(browser, answers(), photos=[("a.jpg", jpeg(300, 200))])
    finding = session.scalar(select(Finding))
    photo = session.scalar(select(FindingPhoto))
    urls = [
        f"/hub/{finding.public_id}",
        f"/hub/photos/{photo.public_id}",
        f"/hub/photos/{photo.public_id}/thumbnail",
    ]
    for role in ("other_learner", "manager"):
        other_browser.sign_in(people[role])
        for url in urls:
            assert other_browser.client.get(url).status_code == 404, (role, url)
        assert other_browser.client.get("/hub/triage").status_code == 403
        assert finding.place not in other_browser.get("/hub").text()
        other_browser.sign_out()
    other_browser.sign_in(people["cst"])
    for url in urls:
        assert other_browser.client.get(url).status_code == 200


# --- triage ------------------------------------------------------------------------------


def _reported(browser, people, session, **changes) -> Finding:
    browser.sign_in(people["reporter"])
    report(browser, answers(**changes))
    browser.sign_out()
    return session.scalars(select(Finding).order_by(Finding.id.desc())).first()


def test_cst_triages_a_finding_step_by_step_with_audit(
    app, browser, other_browser, people, session
):
    finding = _reported(browser, people, session)
    cst = other_browser
    cst.sign_in(people["cst"])
    queue = cst.get("/hub/triage")
    assert "Hate graffiti" in queue.text() and "Received" in queue.text()
    url = f"/hub/triage/{finding.public_id}"
    page = cst.get(url)
    assert "Rhea Porter" in page.text()

    refused = cst.post(f"{url}/police", {"reference": ""}, status=400)
    assert refused.error_summary() == ["Enter the police reference"]
    cst.post(f"{url}/assign", {"officer": people["cst"].id})
    cst.post(f"{url}/police", {"reference": "CAD 4321/05DEC"})
    cst.post(f"{url}/cleansing")
    page = cst.get(url)
    assert "Passed to street cleansing: to be removed by" in page.text()
    removed = datetime.now(LONDON)
    cst.post(
        f"{url}/removed",
        {
            "removed_on": [str(removed.day), str(removed.month), str(removed.year)],
            "removed_time": removed.strftime("%H:%M"),
        },
    )
    cst.post(f"{url}/close", {"reason": "Removed and reported"})
    cst.post(f"{url}/close", {"reason": "Again"}, status=400)

    session.expire_all()
    finding = session.get(Finding, finding.id)
    assert finding.status == "closed" and finding.assigned_to_id == people["cst"].id
    assert finding.police_reference == "CAD 4321/05DEC"
    assert finding.removal_due_at == finding.reported_at + timedelta(hours=24)
    assert finding.removed_at is not None and finding.close_reason == "Removed and reported"
    steps = session.scalars(
        select(FindingEvent.step)
        .where(FindingEvent.finding_id == finding.id)
        .order_by(FindingEvent.id)
    ).all()
    assert steps == ["reported", "assigned", "police", "cleansing", "removed", "closed"]
    audited = session.execute(
        select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.detail)
        .where(AuditEvent.subject_type == "finding")
        .order_by(AuditEvent.id)
    ).all()
    assert [(a, d) for a, _, d in audited][1:] == [
        ("finding_assigned", {"assigned_to": people["cst"].id}),
        ("finding_passed_to_police", {"reference": "CAD 4321/05DEC"}),
        ("finding_passed_to_cleansing", {"due_at": finding.removal_due_at.isoformat()}),
        ("finding_removed", {"removed_at": finding.removed_at.isoformat()}),
        ("finding_closed", {"reason": "Removed and reported"}),
    ]
    assert {actor for _, actor, _ in audited[1:]} == {people["cst"].id}

    browser.sign_in(people["reporter"])
    mine = browser.get("/hub")
    assert "Closed" in mine.text()
    history = browser.get(f"/hub/{finding.public_id}").text()
    assert "Passed to the police" in history and "CAD 4321" not in history


def test_removal_targets_24_hours_for_hate_graffiti_and_5_working_days_otherwise(app):
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    with app.app_context():
        graffiti = Finding(kind="graffiti", reported_at=friday)
        sticker = Finding(kind="sticker", reported_at=friday)
        assert triage.removal_due(graffiti) == datetime(2026, 12, 5, 16, 0, tzinfo=UTC)
        assert triage.removal_due(sticker) == datetime(2026, 12, 11, 16, 0, tzinfo=UTC)
        summer_saturday = datetime(2027, 7, 3, 9, 0, tzinfo=UTC)  # 10:00 in London
        poster = Finding(kind="poster", reported_at=summer_saturday)
        assert triage.removal_due(poster) == datetime(2027, 7, 9, 9, 0, tzinfo=UTC)
        # Bank holidays are not working days: Christmas 2026 (Friday 25, Monday 28 for
        # Boxing Day) and New Year's Day 2027 (Friday 1).
        before_christmas = datetime(2026, 12, 23, 12, 0, tzinfo=UTC)  # a Wednesday
        sticker = Finding(kind="sticker", reported_at=before_christmas)
        # Thursday 24, Tuesday 29, Wednesday 30, Thursday 31, Monday 4 January.
        assert triage.removal_due(sticker) == datetime(2027, 1, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("year", "days"),
    [
        # As gov.uk/bank-holidays lists them for England and Wales.
        (2026, ["01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"]),
        (2027, ["01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"]),
        (2028, ["01-03", "04-14", "04-17", "05-01", "05-29", "08-28", "12-25", "12-26"]),
    ],
)
def test_bank_holidays_in_england_and_wales(year, days):
    from elearn.dates import bank_holidays

    assert sorted(f"{day:%m-%d}" for day in bank_holidays(year)) == days


def test_the_triage_page_shows_the_graffiti_target(browser, other_browser, people, session):
    finding = _reported(browser, people, session)
    other_browser.sign_in(people["cst"])
    text = other_browser.get(f"/hub/triage/{finding.public_id}").text()
    assert "hate graffiti: within 24 hours of the report" in text


def test_duplicates_are_suggested_and_merged_with_an_event_on_both(
    app, browser, other_browser, people, session
):
    first = _reported(browser, people, session)
    second = _reported(browser, people, session, postcode="EC2V 6DN", kind="sticker")
    elsewhere = _reported(browser, people, session, postcode="EC4M 7AA")
    long_ago = _reported(browser, people, session)
    long_ago.seen_at = first.seen_at - timedelta(days=8)
    session.commit()

    other_browser.sign_in(people["cst"])
    page = other_browser.get(f"/hub/triage/{first.public_id}")
    links = {a["href"] for a in page.soup.select("table a")}
    assert f"/hub/triage/{second.public_id}" in links
    assert f"/hub/triage/{elsewhere.public_id}" not in links
    assert f"/hub/triage/{long_ago.public_id}" not in links
    other_browser.post(f"/hub/triage/{first.public_id}/merge/{second.public_id}")

    session.expire_all()
    second = session.get(Finding, second.id)
    assert second.status == "closed" and second.duplicate_of_id == first.id
    merged = session.execute(
        select(FindingEvent.finding_id, FindingEvent.step, FindingEvent.other_finding_id).where(
            FindingEvent.step.in_(["merged", "duplicate"])
        )
    ).all()
    assert set(merged) == {(second.id, "duplicate", first.id), (first.id, "merged", second.id)}
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"finding_merged", "finding_closed_as_duplicate"} <= actions
    page = other_browser.get(f"/hub/triage/{first.public_id}")
    assert "Merge into this one" not in page.text(), "no longer suggested"

    browser.sign_in(people["reporter"])
    assert (
        "someone else had reported the same thing" in browser.get(f"/hub/{second.public_id}").text()
    )


def test_an_erased_reporter_s_finding_stays_for_the_figures_without_them(
    app, browser, other_browser, people, session
):
    browser.sign_in(people["reporter"])
    report(browser, answers(place="Outside Rhea Porter's office"), photos=[("a.jpg", jpeg(50, 40))])
    browser.sign_out()
    other_browser.sign_in(people["cst"])
    other_browser.post(f"/admin/users/{people['reporter'].id}", {"reason": "Her request"})
    session.expire_all()
    finding = session.scalar(select(Finding))
    assert finding.reporter_id is None
    assert (finding.description, finding.place) == ("(removed)", "(removed)")
    assert (finding.kind, finding.postcode) == ("graffiti", "EC2V 6DN")
    assert session.scalar(select(func.count()).select_from(FindingPhoto)) == 0
    with app.app_context():
        assert db.session.get(User, people["reporter"].id).full_name == "Erased user"
    assert utcnow() >= finding.reported_at


def test_cst_reach_the_triage_queue_from_their_tasks(browser, people):
    """CST's menu has no "Report something" (it keeps to one line); Tasks links the queue."""
    browser.sign_in(people["cst"])
    page = browser.get("/admin")
    assert "Report something" not in [a.get_text(strip=True) for a in page.soup.select("nav a")]
    links = [a["href"] for a in page.soup.select("main a")]
    assert "/hub/triage" in links and "/sessions/manage" in links
