"""The hub's emails (docs/hub.md, "Notifications"): CST hears of each new report without
a word the reporter typed; a signed-in reporter hears of each step in plain words; each
email goes once, however often its task runs."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from elearn import tasks
from elearn.dates import LONDON
from elearn.hub import notifications
from elearn.models import Finding, User
from elearn.web.filters import london_datetime
from tests.test_face_to_face_emails import clear_mail, mails, mails_to, only_mail_to, text_of
from tests.test_hub import answers, report
from tests.test_hub_link import TOKEN
from tests.test_hub_link import send as send_by_link

DESCRIPTION = "Zyx-slogan about the neighbours, painted in red"
PLACE = "Qwerty Court, on the wall behind the bins"
POLICE_REFERENCE = "CAD 4321/05DEC"
CLOSE_REASON = "Reporter's neighbour confirmed it"


def typed(**changes) -> dict:
    return answers(description=DESCRIPTION, place=PLACE, **changes)


@pytest.fixture
def people(make):
    organisation = make.organisation("Cheapside Traders", hub_link_token=TOKEN)
    gone = make.user(full_name="Olu Left", admin=True)
    gone.active = False
    make.session.commit()
    return {
        "reporter": make.user(full_name="Rhea Porter", org=organisation),
        "cst": make.user(full_name="Cass Tee", admin=True),
        "cst2": make.user(full_name="Dev Lin", admin=True),
        "inactive_cst": gone,
    }


def latest(session) -> Finding:
    session.expire_all()
    return session.scalars(select(Finding).order_by(Finding.id.desc())).first()


def reported(browser, people, session, **changes) -> Finding:
    browser.sign_in(people["reporter"])
    report(browser, typed(**changes))
    browser.sign_out()
    return latest(session)


def subject(message) -> str:
    """The subject unfolded (a long one is folded onto two lines)."""
    return message["Subject"].replace("\r", "").replace("\n", "")


def whole(message) -> str:
    return message.as_string()


def assert_nothing_typed(message) -> None:
    raw = whole(message)
    for words in (DESCRIPTION, PLACE, "Zyx-slogan", "Qwerty", "6DN"):
        assert words not in raw, f"{words!r} in the email"


# --- CST hears of a new report --------------------------------------------------------------


def test_a_new_report_emails_each_active_cst_admin_once_without_what_was_typed(
    app, browser, other_browser, people, session
):
    finding = reported(browser, people, session)
    seen = london_datetime(finding.seen_at)
    link = f"http://localhost/hub/triage/{finding.public_id}"
    for admin in (people["cst"], people["cst2"]):
        message = only_mail_to(app, admin)
        assert subject(message) == (
            "New report: Hate graffiti in EC2V, to be removed within 24 hours of the report"
        )
        text = text_of(message)
        assert text.startswith(
            f"Dear {admin.full_name},\n\nNew hate graffiti has been reported to the hub: "
            "it is to be removed within 24 hours of the report.\n"
        )
        lines = ["What: Hate graffiti", "Hate strand or ideology: Antisemitic", "Area: EC2V"]
        assert "\n".join([*lines, f"Seen: {seen}"]) in text
        assert link in text
        assert_nothing_typed(message)
    assert mails_to(app, people["inactive_cst"]) == []
    assert mails_to(app, people["reporter"]) == []

    other_browser.sign_in(people["cst"])
    page = other_browser.get(link.removeprefix("http://localhost"))
    assert DESCRIPTION in page.text(), "the link leads CST to the report"


def test_a_sticker_s_email_has_no_removal_clock(app, browser, people, session):
    reported(browser, people, session, kind="sticker", strand="not_known")
    message = only_mail_to(app, people["cst"])
    assert subject(message) == "New report: Sticker in EC2V"
    text = text_of(message)
    assert "Something new has been reported to the hub." in text and "24 hours" not in text
    assert "Hate strand or ideology: Not known" in text


def test_a_link_report_emails_cst_too(app, browser, people, session):
    send_by_link(browser, typed())
    finding = latest(session)
    assert finding.by_link
    message = only_mail_to(app, people["cst"])
    assert f"http://localhost/hub/triage/{finding.public_id}" in text_of(message)
    assert_nothing_typed(message)
    assert TOKEN not in whole(message) and "Cheapside Traders" not in whole(message)
    assert len(mails(app)) == 2, "the two active CST admins, no one else"


def test_the_same_form_sent_twice_emails_cst_once(app, browser, people, session):
    browser.sign_in(people["reporter"])
    _, form = report(browser, typed())
    response = browser.client.post("/hub/new", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    assert len(mails_to(app, people["cst"])) == 1


def test_the_task_run_again_or_resumed_sends_nothing_more(
    app, browser, people, session, task_queue
):
    finding = reported(browser, people, session)
    assert mails(app) == [], "queued, not sent in the request"
    assert task_queue.run() == 1
    assert len(mails_to(app, people["cst"])) == 1

    notifications.email_cst.call_local(finding.public_id)  # the queue's retry, say
    tasks.resume()  # a consumer starting again finds nothing untold
    task_queue.run()
    assert len(mails_to(app, people["cst"])) == 1
    assert len(mails(app)) == 2


def test_a_report_whose_task_was_lost_is_sent_when_the_consumer_starts(
    app, browser, people, session, task_queue
):
    reported(browser, people, session)
    tasks.huey.flush()  # the consumer was killed with the task taken from the queue
    tasks.resume()
    task_queue.run()
    assert len(mails_to(app, people["cst"])) == 1
    tasks.resume()
    task_queue.run()
    assert len(mails_to(app, people["cst"])) == 1


# --- a reporter hears when their report moves on --------------------------------------------


def take_steps(cst, finding: Finding, people) -> None:
    url = f"/hub/triage/{finding.public_id}"
    cst.post(f"{url}/assign", {"officer": people["cst"].id})
    cst.post(f"{url}/police", {"reference": POLICE_REFERENCE})
    cst.post(f"{url}/cleansing")
    removed = datetime.now(LONDON)
    cst.post(
        f"{url}/removed",
        {
            "removed_on": [str(removed.day), str(removed.month), str(removed.year)],
            "removed_time": removed.strftime("%H:%M"),
        },
    )
    cst.post(f"{url}/close", {"reason": CLOSE_REASON})


def test_each_step_emails_the_signed_in_reporter_once_in_plain_words(
    app, browser, other_browser, people, session
):
    finding = reported(browser, people, session)
    other_browser.sign_in(people["cst"])
    take_steps(other_browser, finding, people)

    sent = mails_to(app, people["reporter"])
    assert [subject(message) for message in sent] == [
        "Your report: Passed to the police",
        "Your report: Passed to street cleansing for removal",
        "Your report: Removed",
        "Your report: Closed",
    ], "one a step; being assigned is not news"
    seen = london_datetime(finding.seen_at)
    first = text_of(sent[0])
    assert first.startswith(
        "Dear Rhea Porter,\n\nThe Community Safety Team has taken a step on your report to "
        f"the hub (Hate graffiti, seen {seen}):\n\nPassed to the police\n\n"
        "Status: Passed to the police\n"
    )
    link = f"http://localhost/hub/{finding.public_id}"
    for message in sent:
        assert link in text_of(message)
        raw = whole(message)
        assert "CAD 4321" not in raw and CLOSE_REASON not in raw
        assert_nothing_typed(message)

    browser.sign_in(people["reporter"])
    page = browser.get(link.removeprefix("http://localhost")).text()
    for step in notifications.TOLD_STEPS.values():
        if step != notifications.TOLD_STEPS["duplicate"]:
            assert step in page, "the email's words are the page's"

    notifications.email_reporter.call_local(finding.public_id)
    assert len(mails_to(app, people["reporter"])) == 4, "the task again: nothing more"


def test_a_report_merged_as_a_duplicate_tells_its_reporter(
    app, browser, other_browser, people, session
):
    kept = reported(browser, people, session)
    duplicate = reported(browser, people, session, kind="sticker")
    other_browser.sign_in(people["cst"])
    other_browser.get(f"/hub/triage/{kept.public_id}")
    other_browser.post(f"/hub/triage/{kept.public_id}/merge/{duplicate.public_id}")

    message = only_mail_to(app, people["reporter"])
    assert subject(message) == "Your report: Closed: someone else had reported the same thing"
    assert f"http://localhost/hub/{duplicate.public_id}" in text_of(message)
    assert "(Sticker, seen" in text_of(message)
    browser.sign_in(people["reporter"])
    page = browser.get(f"/hub/{duplicate.public_id}").text()
    assert notifications.TOLD_STEPS["duplicate"] in page


def test_a_link_report_s_steps_email_no_one(app, browser, other_browser, people, session):
    send_by_link(browser, typed())
    finding = latest(session)
    clear_mail(app)
    other_browser.sign_in(people["cst"])
    take_steps(other_browser, finding, people)
    assert mails(app) == []


@pytest.mark.parametrize("gone", ["inactive", "erased"])
def test_an_inactive_or_erased_reporter_is_not_emailed(
    app, browser, other_browser, people, session, gone
):
    finding = reported(browser, people, session)
    reporter = session.get(User, people["reporter"].id)
    if gone == "inactive":
        reporter.active = False
        session.commit()
    other_browser.sign_in(people["cst"])
    if gone == "erased":
        other_browser.post(f"/admin/users/{reporter.id}", {"reason": "Her request"})
    clear_mail(app)
    take_steps(other_browser, finding, people)
    assert mails(app) == []
