"""A manager's members: their team (one at a time or several at once), removing one after
a confirmation, inviting from a list that repeats an address, the join code when it is
off, the certificates zip, and the words on these pages."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from elearn.certificates.archives import zip_name
from elearn.certificates.codes import new_code
from elearn.dates import london_today
from elearn.models import (
    Assignment,
    AuditEvent,
    CertificateArchive,
    Invitation,
    Membership,
    User,
)


def manager_of(make, org=None, **kwargs):
    org = org or make.organisation("Demo Insurance Brokers Ltd")
    return org, make.user(org=org, role="manager", full_name="Morgan Manager", **kwargs)


def membership_of(session, user) -> Membership:
    membership = session.scalar(select(Membership).where(Membership.user_id == user.id))
    session.refresh(membership)
    return membership


def flash(page) -> str:
    return " ".join(page.soup.select_one(".govuk-notification-banner").get_text().split())


def team_events(session) -> list[dict]:
    return [
        event.detail
        for event in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "team_changed").order_by(AuditEvent.id)
        )
    ]


def summary_value(page, key: str) -> str:
    for row in page.soup.select(".govuk-summary-list__row"):
        if row.select_one(".govuk-summary-list__key").get_text(strip=True) == key:
            return row.select_one(".govuk-summary-list__value").get_text(strip=True)
    raise AssertionError(f"no {key} row")


# --- a member's team ---------------------------------------------------------------------


def test_a_manager_puts_a_member_in_a_team_chosen_or_typed_and_it_is_audited(
    browser, make, session
):
    org, manager = manager_of(make, team="Claims")
    ana = make.user(org=org, full_name="Ana Silva")  # joined by code: no team
    membership = membership_of(session, ana)
    member_url = f"/organisations/{org.id}/members/{membership.id}"
    browser.sign_in(manager)

    page = browser.get(member_url)
    assert summary_value(page, "Team") == "No team"
    assert summary_value(page, "Role") == "Member"
    options = [option.get_text() for option in page.soup.select("select#team option")]
    assert options == ["No team", "Claims"]
    assert page.soup.select_one("a[href='#team']").get_text(" ", strip=True) == "Change team"

    page = browser.get(browser.post(f"{member_url}/team", {"team": "Claims"}).response.location)
    assert flash(page) == "Success Ana Silva is now in the Claims team."
    assert summary_value(page, "Team") == "Claims"

    browser.post(f"{member_url}/team", {"team": "Claims", "new_team": "  Front \u00a0 desk "})
    assert membership_of(session, ana).team == "Front desk", "a typed team wins, tidied"
    browser.post(f"{member_url}/team", {"team": "", "new_team": "claims"})
    assert membership_of(session, ana).team == "Claims", "spelt as the team that exists"
    browser.post(f"{member_url}/team", {"team": "", "new_team": ""})
    assert membership_of(session, ana).team is None
    page = browser.get(browser.post(f"{member_url}/team", {"team": ""}).response.location)
    assert flash(page) == "Important Ana Silva was already in no team."

    assert team_events(session) == [
        {"team": "Claims", "previous": None},
        {"team": "Front desk", "previous": "Claims"},
        {"team": "Claims", "previous": "Front desk"},
        {"team": None, "previous": "Claims"},
    ]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("x" * 121, "Team name must be 120 characters or fewer"),
        (
            "Claims\tNorth",
            "Enter the team's name without tabs, line breaks or other control characters",
        ),
        (
            "Claims\u2028North",
            "Enter the team's name without tabs, line breaks or other control characters",
        ),
        (
            "Claims\x85",
            "Enter the team's name without tabs, line breaks or other control characters",
        ),
        (
            "\u202eSmialc",
            "Enter the team's name without tabs, line breaks or other control characters",
        ),
    ],
)
def test_a_team_name_too_long_or_with_control_characters_is_refused_clearly(
    browser, make, session, typed, message
):
    org, manager = manager_of(make)
    ana = make.user(org=org, full_name="Ana Silva", team="Claims")
    membership = membership_of(session, ana)
    browser.sign_in(manager)
    browser.get(f"/organisations/{org.id}/members/{membership.id}")
    page = browser.post(
        f"/organisations/{org.id}/members/{membership.id}/team",
        {"team": "Claims", "new_team": typed},
        status=400,
    )
    assert page.error_summary() == [message]
    assert page.soup.select_one("#new_team-error") is not None
    assert page.soup.title.get_text().startswith("Error: ")
    assert membership_of(session, ana).team == "Claims"
    assert team_events(session) == []


def test_a_team_name_with_a_nul_is_refused_and_nothing_is_saved(browser, make, session):
    org, manager = manager_of(make)
    ana = make.user(org=org, full_name="Ana Silva", team="Claims")
    membership = membership_of(session, ana)
    browser.sign_in(manager)
    browser.get(f"/organisations/{org.id}/members/{membership.id}")
    response = browser.client.post(
        f"/organisations/{org.id}/members/{membership.id}/team",
        data={"team": "Claims", "new_team": "Cl\x00aims", "csrf_token": browser.token()},
    )
    assert response.status_code == 400
    assert "control characters" in response.get_data(as_text=True)
    assert membership_of(session, ana).team == "Claims"


def test_training_required_of_a_team_applies_once_the_member_is_put_in_it(browser, make, session):
    org, manager = manager_of(make)
    make.user(org=org, full_name="Olu Ops", team="Operations")
    joiner = make.user(org=org, full_name="Jo Joiner")  # by code: no team
    session.add(
        Assignment(
            organisation_id=org.id, course_slug="basics", team="Operations", due_on=date(2020, 1, 1)
        )
    )
    session.commit()
    browser.sign_in(manager)
    overdue = f"/organisations/{org.id}/members?course=basics&status=overdue"
    assert "Jo Joiner" not in browser.get(overdue).text()
    browser.post(
        f"/organisations/{org.id}/members/{membership_of(session, joiner).id}/team",
        {"team": "Operations"},
    )
    assert "Jo Joiner" in browser.get(overdue).text()


def test_several_members_are_put_in_a_team_at_once_from_the_list(browser, make, session):
    org, manager = manager_of(make)
    ana = make.user(org=org, full_name="Ana Silva")
    ben = make.user(org=org, full_name="Ben Jones", team="Claims")
    cal = make.user(org=org, full_name="Cal Stays")
    outsider = make.user(org=make.organisation("Elsewhere Ltd"), full_name="Out Sider")
    browser.sign_in(manager)
    page = browser.get(f"/organisations/{org.id}/members?sort=team&order=desc")
    boxes = page.soup.select("input[name='bulk-members']")
    assert len(boxes) == 4 and boxes[0]["id"] == "bulk-members"
    label = page.soup.select_one(f"label[for='{boxes[0]['id']}']")
    assert label.get_text(strip=True).startswith("Select ")
    options = [option.get_text() for option in page.soup.select("select#bulk-team option")]
    assert options == ["Choose a team", "Claims"]

    ids = [membership_of(session, person).id for person in (ana, ben, outsider)]
    response = browser.post(
        f"/organisations/{org.id}/members/team",
        {
            "bulk-members": ids,
            "bulk-team": "Claims",
            "bulk-new_team": "Legal",
            "sort": "team",
            "order": "desc",
            "status": "<script>",
        },
    ).response
    assert response.location == (
        f"/organisations/{org.id}/members?status=%3Cscript%3E&sort=team&order=desc"
    ), "back to the list as it was filtered"
    assert flash(browser.get(response.location)) == "Success 2 members are now in the Legal team."
    assert [membership_of(session, p).team for p in (ana, ben, cal, outsider)] == [
        "Legal",
        "Legal",
        None,
        None,
    ], "only the organisation's own selected members"
    assert team_events(session) == [
        {"team": "Legal", "previous": None},
        {"team": "Legal", "previous": "Claims"},
    ]


def test_putting_no_one_in_no_team_asks_for_both(browser, make, session):
    org, manager = manager_of(make)
    make.user(org=org, full_name="Ana Silva", team="Claims")
    browser.sign_in(manager)
    browser.get(f"/organisations/{org.id}/members")
    page = browser.post(f"/organisations/{org.id}/members/team", {"bulk-team": ""}, status=400)
    assert page.error_summary() == [
        "Select the members to put in a team",
        "Choose a team, or type the name of a new one",
    ]
    hrefs = [a["href"] for a in page.soup.select(".govuk-error-summary__list a")]
    assert hrefs == ["#bulk-members", "#bulk-team"]
    assert page.soup.select_one("#bulk-members") and page.soup.select_one("#bulk-team")
    page = browser.post(
        f"/organisations/{org.id}/members/team",
        {"bulk-members": [membership_of(session, manager).id], "bulk-new_team": "Team\n2"},
        status=400,
    )
    assert page.error_summary() == [
        "Enter the team's name without tabs, line breaks or other control characters"
    ]
    assert page.soup.select_one("input[name='bulk-members'][checked]"), "the selection is kept"


# --- removing a member -------------------------------------------------------------------


def test_removing_a_member_is_confirmed_first_saying_what_happens(
    browser, other_browser, make, session
):
    org, manager = manager_of(make)
    ana = make.user(org=org, full_name="Ana Silva", email="ana@brokers.example")
    make.certificate(make.completion(ana), new_code())
    membership = membership_of(session, ana)
    member_url = f"/organisations/{org.id}/members/{membership.id}"
    browser.sign_in(manager)

    page = browser.get(member_url)
    assert not page.soup.select("form[action$='/remove']"), "no longer a one-click form"
    link = page.soup.find("a", string=lambda text: text and "Remove Ana Silva" in text)
    assert link["href"] == f"{member_url}/remove"
    page = browser.get(link["href"])
    assert page.h1 == "Remove Ana Silva from Demo Insurance Brokers Ltd?"
    bullets = [
        " ".join(li.get_text().split()) for li in page.soup.select("main .govuk-list--bullet li")
    ]
    assert (
        bullets[-5:]
        == [
            "they leave Demo Insurance Brokers Ltd and no longer count in its training figures",
            "their training record and certificates stay theirs: they keep their account and can "
            "still download their certificates",
            "training Demo Insurance Brokers Ltd requires no longer applies to them, and they get "
            "no more reminders about it",
            "you can invite them again at any time",
        ][-5:]
    )
    assert page.soup.select_one("a[aria-current=page]").get_text() == "Members and progress"
    assert page.soup.find("a", string="Keep them as a member")["href"] == member_url
    assert membership_of(session, ana).left_at is None, "asking changes nothing"

    response = browser.post(f"{member_url}/remove").response
    assert response.location == f"/organisations/{org.id}/members"
    assert flash(browser.get(response.location)) == (
        "Success Ana Silva has been removed from Demo Insurance Brokers Ltd. "
        "Their training record and certificates stay theirs."
    )
    assert membership_of(session, ana).left_at is not None
    other_browser.sign_in(ana)
    download = other_browser.get("/certificates").soup.select_one("main a[href$='.pdf']")
    assert download.get_text(" ", strip=True).startswith("Download")

    browser.get(f"/organisations/{org.id}/invitations")
    page = browser.post(
        f"/organisations/{org.id}/invitations", {"emails": "ana@brokers.example", "role": "member"}
    )
    preview = browser.get(page.response.location)
    assert "1 new invitation will be sent" in preview.text(), "they can be invited again"
    page = browser.get(f"{member_url}/remove", status=302)


def test_the_last_manager_is_told_first_that_they_cannot_be_removed(browser, make, session):
    org, manager = manager_of(make)
    own = membership_of(session, manager)
    browser.sign_in(manager)
    page = browser.get(f"/organisations/{org.id}/members/{own.id}/remove")
    assert page.h1 == "Remove Morgan Manager from Demo Insurance Brokers Ltd?"
    assert (
        "You cannot remove yourself now. An organisation needs at least one manager: "
        "make someone else a manager first." in page.text()
    )
    assert not page.soup.select("main form")
    page = browser.post(f"/organisations/{org.id}/members/{own.id}/remove")
    assert membership_of(session, manager).left_at is None


def test_a_manager_who_removes_themselves_lands_on_their_own_training(browser, make, session):
    org, manager = manager_of(make)
    make.user(org=org, role="manager", full_name="Other Manager")
    own = membership_of(session, manager)
    browser.sign_in(manager)
    page = browser.get(f"/organisations/{org.id}/members/{own.id}/remove")
    assert "you can no longer manage Demo Insurance Brokers Ltd" in page.text()
    assert "another manager can invite you again at any time" in page.text()
    response = browser.post(f"/organisations/{org.id}/members/{own.id}/remove").response
    assert response.location == "/my-training"
    assert flash(browser.get("/my-training")) == (
        "Success You have left Demo Insurance Brokers Ltd. Your training record and "
        "certificates stay yours."
    )


# --- inviting ----------------------------------------------------------------------------


def test_a_repeated_address_is_one_invitation_and_the_preview_says_who_is_a_member(
    app, browser, make, session
):
    org, manager = manager_of(make)
    make.user(org=org, email="learner@example.org", full_name="Lee Learner")
    browser.sign_in(manager)
    browser.get(f"/organisations/{org.id}/invitations")
    pasted = (
        "Ana Silva <ana.silva@brokers.example>; ben.jones@brokers.example\n"
        "ben.jones@brokers.example, learner@example.org\n"
        '"Chen, Li" <li.chen@brokers.example> Learner@Example.org'
    )
    page = browser.post(
        f"/organisations/{org.id}/invitations",
        {"emails": pasted + ", not-an-email", "role": "member"},
        status=400,
    )
    assert page.error_summary() == ["Entry 7: 'not-an-email' is not a valid email address"]

    page = browser.post(
        f"/organisations/{org.id}/invitations", {"emails": pasted, "role": "member"}
    )
    preview = browser.get(page.response.location)
    assert [
        " ".join(li.get_text().split()) for li in preview.soup.select("main .govuk-list--bullet li")
    ] == [
        "3 new invitations will be sent",
        "1 person is already a member: nothing will be sent",
        "2 addresses were in the list more than once: each gets one invitation",
    ]
    for label in preview.soup.select(".app-stacked-table__label"):
        label.decompose()
    rows = {
        row.th.get_text(): [" ".join(cell.get_text(" ").split()) for cell in row.select("th, td")]
        for row in preview.soup.select("tbody tr")
    }
    assert rows["ben.jones@brokers.example"] == [
        "2 and 3",
        "ben.jones@brokers.example",
        "",
        "",
        "An invitation will be sent In the list 2 times: one invitation",
    ]
    assert rows["learner@example.org"][4] == (
        "Already a member: nothing will be sent In the list 2 times: nothing will be sent"
    )
    assert rows["li.chen@brokers.example"][2] == "Chen, Li"
    browser.post(preview.response.request.path)
    sent = session.scalars(select(Invitation.email).order_by(Invitation.email)).all()
    assert sent == [
        "ana.silva@brokers.example",
        "ben.jones@brokers.example",
        "li.chen@brokers.example",
    ]


def test_several_problems_are_each_listed_once_and_counted_beside_the_box(browser, make, session):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    browser.get(f"/organisations/{org.id}/invitations")
    page = browser.post(
        f"/organisations/{org.id}/invitations",
        {"emails": "ann@, ok@example.com, bob@", "role": "member"},
        status=400,
    )
    assert page.error_summary() == [
        "Entry 1: 'ann@' is not a valid email address",
        "Entry 3: 'bob@' is not a valid email address",
    ]
    field = " ".join(page.soup.select_one("#emails-error").get_text().split())
    assert field == "Error: There are 2 problems: fix them all, then try again"


# --- the join code -----------------------------------------------------------------------


def test_the_join_code_page_says_what_to_do_when_the_code_is_off(browser, make, session):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    page = browser.get(f"/organisations/{org.id}/join-code")
    assert "switched off: no one can join Demo Insurance Brokers Ltd with it." in page.text()
    assert "Share it" not in page.text()
    link = page.soup.find("a", string="invite them by email")
    assert link["href"] == f"/organisations/{org.id}/invitations"
    browser.post(f"/organisations/{org.id}/join-code/on")
    page = browser.get(f"/organisations/{org.id}/join-code")
    assert "Share it in a staff briefing or on your intranet" in page.text()
    assert not page.soup.find("a", string="invite them by email")
    browser.post(f"/organisations/{org.id}/join-code/off")
    page = browser.get(f"/organisations/{org.id}/join-code")
    assert "a code you shared before no longer works" in page.text()
    assert "It will be the code you had before" in page.text()


# --- the certificates zip ----------------------------------------------------------------


def test_an_organisation_without_certificates_is_told_so_not_given_an_empty_zip(
    browser, make, session
):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    page = browser.get(f"/organisations/{org.id}/members")
    assert not page.soup.find("a", string="Download everyone's certificates (zip)")
    assert "No certificates to download yet" in page.text()
    response = browser.client.get(f"/organisations/{org.id}/certificates.zip")
    archive_page = f"/organisations/{org.id}/certificates/archive"
    assert response.status_code == 302 and response.location == archive_page
    page = browser.get(archive_page)
    assert "Your members hold no current certificates yet" in page.text()
    assert not page.soup.select("main form"), "nothing to prepare"
    browser.post(archive_page, status=200)
    assert session.scalar(select(func.count()).select_from(CertificateArchive)) == 0


def test_the_zip_is_named_after_the_organisation(browser, make, session):
    org, manager = manager_of(make, make.organisation("Zoë's \"Café\" / Bar: Lloyd's\u202e"))
    make.certificate(make.completion(make.user(org=org)), new_code())
    browser.sign_in(manager)
    page = browser.get(f"/organisations/{org.id}/members")
    assert page.soup.find("a", string="Download everyone's certificates (zip)")
    response = browser.client.get(f"/organisations/{org.id}/certificates.zip")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    day = f"{london_today():%Y-%m-%d}"
    plain, utf8 = disposition.split("; filename*=UTF-8''")
    assert plain == f"attachment; filename=\"Zoe's Cafe Bar Lloyd's - certificates - {day}.zip\""
    assert unquote(utf8) == f"Zoë's Café Bar Lloyd's - certificates - {day}.zip"
    assert len(zipfile.ZipFile(io.BytesIO(response.get_data())).namelist()) == 1


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Demo Insurance Brokers Ltd", "Demo Insurance Brokers Ltd"),
        ("../../etc/passwd", "etc passwd"),
        ("CON", "CON"),  # " - certificates" follows, so never Windows' reserved name alone
        ("A\x00B\nC\tD", "A B C D"),
        ('<>:"/\\|?*', "Organisation"),
        ("  . Trailing dots .. ", "Trailing dots"),
        ("陈" * 100, "陈" * 26),
    ],
)
def test_a_zip_name_is_safe_on_every_file_system(name, expected):
    made = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)  # the 4th in London too
    assert zip_name(name, made) == f"{expected} - certificates - 2026-12-04.zip"
    assert zip_name("陈伟", made, ascii_only=True) == "Organisation - certificates - 2026-12-04.zip"


# --- words -------------------------------------------------------------------------------


def test_the_words_on_a_managers_pages(browser, make, session):
    org, manager = manager_of(make, team="Claims")
    browser.sign_in(manager)
    page = browser.get(f"/organisations/{org.id}/members/{membership_of(session, manager).id}")
    assert summary_value(page, "Role") == "Manager"
    page = browser.get(f"/organisations/{org.id}/assignments")
    assert page.soup.select_one("main h2").get_text() == "Require a course"
    assert page.soup.select_one("main form button#submit").get_text(strip=True) == "Require course"

    page = browser.get(f"/organisations/{org.id}/members")
    assert not page.soup.find("a", string="Clear filters")
    page = browser.get(f"/organisations/{org.id}/members?team=Nobody")
    status = " ".join(page.soup.select_one("p[role=status]").get_text().split())
    assert status == "0 members match. Clear filters and show every member"
    assert page.soup.select_one("p[role=status] a")["href"] == f"/organisations/{org.id}/members"
    assert not page.soup.find("a", string="Download this list (CSV)")
    assert session.scalar(select(func.count()).select_from(User)) == 1
