"""Organisations: registering, approval, invitations, join codes, domains, management."""

from __future__ import annotations

import email
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from elearn.models import (
    WHOLE_ORGANISATION,
    Assignment,
    AuditEvent,
    Invitation,
    Membership,
    Organisation,
    OrganisationDomain,
    User,
    utcnow,
)
from tests.conftest import PASSWORD

REGISTRATION = {
    "name": "Cheapside Coffee Ltd",
    "sector": "business",
    "headcount": "40",
    "contact_name": "Priya Shah",
    "contact_email": "Priya@Cheapside.example",
    "contact_phone": "020 7946 0000",
}


def mails(app) -> list[email.message.Message]:
    folder = Path(app.config["MAIL_DIR"])
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def mail_to(app, address: str) -> email.message.Message:
    found = [m for m in mails(app) if m["To"] == address]
    assert found, f"no mail to {address}"
    return found[-1]


def link_in(message, path: str) -> str:
    body = message.get_payload(decode=True).decode()
    return re.search(rf"http://localhost({path}\S+)", body).group(1)


def actions(session) -> list[str]:
    return session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


def manager_of(make, org=None, **kwargs):
    org = org or make.organisation()
    return org, make.user(org=org, role="manager", **kwargs)


def test_business_registers_cst_approves_and_contact_becomes_manager(
    app, browser, other_browser, make, session
):
    browser.get("/organisations/register")
    page = browser.post("/organisations/register", REGISTRATION, status=200)
    assert page.h1 == "Request sent"
    organisation = session.scalar(select(Organisation))
    assert (organisation.status, organisation.headcount) == ("pending", 40)
    assert mail_to(app, "priya@cheapside.example")["Subject"] == "We have your request to register"

    admin = make.user(admin=True)
    other_browser.sign_in(admin)
    page = other_browser.get("/admin/organisations")
    assert "Waiting for a decision" in page.text()
    other_browser.get(f"/admin/organisations/{organisation.id}")
    other_browser.post(f"/admin/organisations/{organisation.id}/approve")
    session.refresh(organisation)
    assert organisation.status == "approved"

    approval = mail_to(app, "priya@cheapside.example")
    assert approval["Subject"] == "Cheapside Coffee Ltd is approved: set up your account"
    body = approval.get_payload(decode=True).decode()
    assert "has approved Cheapside Coffee Ltd's registration" in body
    assert "You will manage its training." in body and "checklist" in body
    assert "invited you to take community safety training" not in body
    link = link_in(approval, "/invitations/")
    page = browser.get(link)
    assert page.h1 == "Join Cheapside Coffee Ltd"
    assert "You are invited to manage Cheapside Coffee Ltd's community safety training" in (
        page.text()
    )
    assert page.soup.find("input", {"name": "full_name"})["value"] == "Priya Shah"
    page = browser.post(
        link, {"full_name": "Priya Shah", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert page.response.headers["Location"] == "/organisations/", "to her checklist"
    priya = session.scalar(select(User).where(User.email == "priya@cheapside.example"))
    membership = session.scalar(select(Membership).where(Membership.user_id == priya.id))
    assert (membership.organisation_id, membership.role) == (organisation.id, "manager")
    assert browser.get(f"/organisations/{organisation.id}").h1 == "Overview"
    assert browser.get(link, status=404).h1 == "This invitation link does not work"
    assert {
        "registration_requested",
        "registration_approved",
        "invited",
        "invitation_accepted",
    } <= set(actions(session))


def test_cst_declines_a_request_with_a_reason(app, browser, make, session):
    organisation = make.organisation(
        "Doubtful Ltd", status="pending", contact_name="D", contact_email="d@example.com"
    )
    browser.sign_in(make.user(admin=True))
    browser.get(f"/admin/organisations/{organisation.id}")
    page = browser.post(
        f"/admin/organisations/{organisation.id}/decline", {"reason": ""}, status=400
    )
    assert page.error_summary() == ["Enter a reason"]
    browser.post(f"/admin/organisations/{organisation.id}/decline", {"reason": "Not in the City."})
    session.refresh(organisation)
    assert (organisation.status, organisation.decision_note) == ("declined", "Not in the City.")
    body = mail_to(app, "d@example.com").get_payload(decode=True).decode()
    assert "Not in the City." in body


def test_manager_invites_by_pasting_addresses_then_person_accepts(
    app, browser, other_browser, make, session
):
    org, manager = manager_of(make)
    existing = make.user(email="already@example.com", org=org)
    browser.sign_in(manager)
    browser.get(f"/organisations/{org.id}/invitations")
    page = browser.post(
        f"/organisations/{org.id}/invitations",
        {"emails": "new.one@example.com, Already@example.com\nbad@", "role": "member"},
        status=400,
    )
    assert page.error_summary() == ["Entry 3: 'bad@' is not a valid email address"]
    assert session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert "new.one@example.com" in page.soup.find("textarea").get_text(), "input is kept"

    page = browser.post(
        f"/organisations/{org.id}/invitations",
        {"emails": "new.one@example.com, Already@example.com", "role": "member"},
    )
    preview = browser.get(page.response.headers["Location"])
    assert preview.h1 == "Check who will be invited"
    assert "1 new invitation will be sent" in preview.text()
    assert "1 person is already a member" in preview.text()
    assert session.scalar(select(func.count()).select_from(Invitation)) == 0, "nothing sent yet"
    browser.post(preview.response.request.path)
    invitation = session.scalar(select(Invitation))
    assert invitation.email == "new.one@example.com"
    assert invitation.token_hash and "new.one" not in invitation.token_hash

    message = mail_to(app, "new.one@example.com")
    assert f"{org.name} has invited you" in message.get_payload(decode=True).decode()
    link = link_in(message, "/invitations/")
    assert link.split("/")[-1] != invitation.token_hash, "only a hash of the token is stored"
    other_browser.get(link)
    other_browser.post(link, {"full_name": "New One", "password": PASSWORD, "confirm": PASSWORD})
    assert other_browser.get("/my-training").h1 == "My training"
    new = session.scalar(select(User).where(User.email == "new.one@example.com"))
    assert (
        session.scalar(
            select(Membership.role).where(
                Membership.user_id == new.id, Membership.organisation_id == org.id
            )
        )
        == "member"
    )
    assert existing.id != new.id


def test_confirming_a_preview_twice_sends_once(app, browser, make, session):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    browser.get(f"/organisations/{org.id}/invitations")
    page = browser.post(
        f"/organisations/{org.id}/invitations", {"emails": "a@example.com", "role": "member"}
    )
    batch_url = page.response.headers["Location"]
    browser.get(batch_url)
    browser.post(batch_url)
    browser.post(batch_url)
    assert session.scalar(select(func.count()).select_from(Invitation)) == 1
    assert len([m for m in mails(app) if m["To"] == "a@example.com"]) == 1


CSV_WITH_MISTAKES = (
    "\ufeffName;Email;Team\n"
    "Ann Lee;ann@example.com;Claims\n"
    "No Email;;Claims\n"
    "Bad;bob@;Claims\n"
    "Ann Again;ANN@example.com;Claims\n"
).encode()


def upload(browser, org, data: bytes, status: int):
    browser.get(f"/organisations/{org.id}/invitations")
    return browser.post(
        f"/organisations/{org.id}/invitations/upload",
        {"file": (__import__("io").BytesIO(data), "people.csv")},
        status=status,
    )


def test_csv_with_mistakes_is_rejected_whole_with_each_line(browser, make, session):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    page = upload(browser, org, CSV_WITH_MISTAKES, status=400)
    assert page.error_summary() == [
        "Line 3: enter an email address",
        "Line 4: 'bob@' is not a valid email address",
        "Line 5: ann@example.com is already on line 2",
    ], "the count is the field's summary, not a problem of its own"
    field_error = " ".join(page.soup.select_one("#file-error").get_text().split())
    assert field_error == "Error: There are 3 problems: fix them all, then try again"
    assert session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_csv_preview_then_import_with_teams(app, browser, make, session):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    data = "email,name,team\nann@example.com,Ann Lee,Claims\nraj@example.com,Raj Patel,Legal\n"
    page = upload(browser, org, data.encode(), status=302)
    preview = browser.get(page.response.headers["Location"])
    assert "2 new invitations will be sent" in preview.text()
    for label in preview.soup.select(".app-stacked-table__label"):  # shown on a phone only
        label.decompose()
    cells = [cell.get_text() for cell in preview.soup.select("tbody tr:first-child > *")]
    assert cells == ["2", "ann@example.com", "Ann Lee", "Claims", "An invitation will be sent"]
    browser.post(preview.response.request.path)
    invitations = session.scalars(select(Invitation).order_by(Invitation.email)).all()
    assert [(i.email, i.full_name, i.team) for i in invitations] == [
        ("ann@example.com", "Ann Lee", "Claims"),
        ("raj@example.com", "Raj Patel", "Legal"),
    ]
    assert "invitations_imported" in actions(session)


def test_ten_thousand_rows_import_in_one_go(app, browser, make, session, task_queue):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    rows = "\n".join(f"worker{n}@bulk.example,Worker {n},Team {n % 7}" for n in range(10_000))
    page = upload(browser, org, f"email,name,team\n{rows}\n".encode(), status=302)
    preview = browser.get(page.response.headers["Location"])
    assert "10,000 new invitations will be sent" in preview.text()
    page = browser.post(preview.response.request.path, status=302)
    assert "10,000 invitations are being sent" in browser.get(page.response.location).text()
    assert session.scalar(select(func.count()).select_from(Invitation)) == 10_000
    assert not list(Path(app.config["MAIL_DIR"]).glob("*.eml")), "sent by a task, not here"
    assert task_queue.run() == 1
    session.expire_all()
    unsent = select(func.count()).select_from(Invitation).where(Invitation.last_sent_at.is_(None))
    assert session.scalar(unsent) == 0
    assert len(list(Path(app.config["MAIL_DIR"]).glob("*.eml"))) == 10_000


def test_resend_gives_a_new_link_and_revoke_stops_it(app, browser, other_browser, make, session):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    browser.get(f"/organisations/{org.id}/invitations")
    page = browser.post(
        f"/organisations/{org.id}/invitations", {"emails": "x@example.com", "role": "member"}
    )
    browser.get(page.response.headers["Location"])
    browser.post(page.response.headers["Location"])
    first = link_in(mail_to(app, "x@example.com"), "/invitations/")
    invitation = session.scalar(select(Invitation))
    browser.get(f"/organisations/{org.id}/invitations")
    browser.post(f"/organisations/{org.id}/invitations/{invitation.id}/resend")
    second = link_in(mail_to(app, "x@example.com"), "/invitations/")
    assert first != second
    other_browser.get(first, status=404)
    other_browser.get(second)
    browser.post(f"/organisations/{org.id}/invitations/{invitation.id}/revoke")
    other_browser.get(second, status=404)
    assert {"invitation_resent", "invitation_revoked"} <= set(actions(session))


def test_join_code_lets_a_new_person_join_after_verifying_email(
    app, browser, other_browser, make, session
):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    page = browser.get(f"/organisations/{org.id}/join-code")
    assert "switched off" in page.text()
    browser.post(f"/organisations/{org.id}/join-code/on")
    code = (
        browser.get(f"/organisations/{org.id}/join-code").soup.select_one("#join-code").get_text()
    )
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code)

    other_browser.get("/join")
    page = other_browser.post("/join", {"code": code.lower().replace("-", " ")}, status=200)
    assert page.h1 == f"Create an account to join {org.name}"
    typo = {"full_name": "Jo Code", "email": "jo@", "join_code": code.replace("-", "")}
    page = other_browser.post("/create-account", typo, status=200)
    assert page.h1 == f"Create an account to join {org.name}", "the code kept after a typing error"
    assert f"You used the join code {code}" in page.text()
    page = other_browser.post(
        "/create-account",
        {"full_name": "Jo Code", "email": "jo@example.com", "join_code": code.replace("-", "")},
        status=200,
    )
    assert page.h1 == "Check your email"
    assert session.scalar(select(func.count()).where(User.email == "jo@example.com")) == 0
    link = link_in(mail_to(app, "jo@example.com"), "/create-account/")
    other_browser.get(link)
    other_browser.post(link, {"password": PASSWORD, "confirm": PASSWORD})
    jo = session.scalar(select(User).where(User.email == "jo@example.com"))
    assert (
        session.scalar(select(Membership.organisation_id).where(Membership.user_id == jo.id))
        == org.id
    )
    other_browser.get(link, status=404)  # the link is used up


def test_wrong_or_switched_off_join_code_reveals_nothing(browser, make, session):
    org, manager = manager_of(make)
    browser.get("/join")
    page = browser.post("/join", {"code": "AAAA-BBBB"}, status=200)
    assert page.error_summary() == ["Enter a join code that is in use: check it with your manager"]
    browser.sign_in(manager)
    browser.post(f"/organisations/{org.id}/join-code/on")
    code = (
        browser.get(f"/organisations/{org.id}/join-code").soup.select_one("#join-code").get_text()
    )
    browser.post(f"/organisations/{org.id}/join-code/regenerate")
    browser.sign_out()
    browser.get("/join")
    page = browser.post("/join", {"code": code}, status=200)
    assert page.error_summary() == ["Enter a join code that is in use: check it with your manager"]


def test_signed_in_person_joins_with_a_code(browser, other_browser, make, session):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    browser.post(f"/organisations/{org.id}/join-code/on")
    code = (
        browser.get(f"/organisations/{org.id}/join-code").soup.select_one("#join-code").get_text()
    )
    volunteer = make.user()
    other_browser.sign_in(volunteer)
    other_browser.get("/join")
    page = other_browser.post("/join", {"code": code}, status=200)
    assert page.h1 == f"Join {org.name}"
    other_browser.post(page.soup.select_one("form[action^='/join/']")["action"])
    assert (
        session.scalar(
            select(func.count()).where(
                Membership.user_id == volunteer.id, Membership.organisation_id == org.id
            )
        )
        == 1
    )
    page = other_browser.post("/join", {"code": code}, status=200)
    other_browser.post(page.soup.select_one("form[action^='/join/']")["action"])
    page = other_browser.get("/my-training")
    assert f"You are already a member of {org.name}." in page.text()


def test_verified_address_at_an_allowed_domain_joins_automatically(app, browser, make, session):
    department = make.organisation("Town Clerk's Department", sector="corporation_department")
    session.add(OrganisationDomain(organisation_id=department.id, domain="cityoflondon.example"))
    session.commit()
    browser.get("/create-account")
    browser.post(
        "/create-account",
        {"full_name": "Sam Clerk", "email": "Sam@CityOfLondon.example"},
        status=200,
    )
    link = link_in(mail_to(app, "sam@cityoflondon.example"), "/create-account/")
    browser.get(link)
    browser.post(link, {"password": PASSWORD, "confirm": PASSWORD})
    sam = session.scalar(select(User).where(User.email == "sam@cityoflondon.example"))
    assert "not in an organisation yet" not in browser.get("/my-training").text()
    assert session.scalar(
        select(Membership.organisation_id).where(Membership.user_id == sam.id)
    ) == (department.id)
    assert "joined_by_domain" in actions(session)


def test_create_account_for_an_existing_address_sends_a_sign_in_reminder(
    app, browser, make, session
):
    make.user(email="known@example.com")
    browser.get("/create-account")
    page = browser.post(
        "/create-account", {"full_name": "K", "email": "known@example.com"}, status=200
    )
    assert page.h1 == "Check your email", "the page does not reveal that the account exists"
    assert mail_to(app, "known@example.com")["Subject"] == "You already have an account"


def test_role_change_removal_and_last_manager_rule(browser, make, session):
    org, manager = manager_of(make)
    member = make.user(org=org, team="Claims")
    membership = session.scalar(select(Membership).where(Membership.user_id == member.id))
    own = session.scalar(select(Membership).where(Membership.user_id == manager.id))
    browser.sign_in(manager)
    browser.get(f"/organisations/{org.id}/members/{own.id}")
    page = browser.post(
        f"/organisations/{org.id}/members/{own.id}/role", {"role": "member"}, status=400
    )
    assert page.error_summary() == [
        "An organisation needs at least one manager: make someone else a manager first"
    ]
    browser.post(f"/organisations/{org.id}/members/{membership.id}/role", {"role": "manager"})
    session.refresh(membership)
    assert membership.role == "manager"
    browser.post(f"/organisations/{org.id}/members/{membership.id}/remove")
    session.refresh(membership)
    assert membership.left_at is not None
    assert session.get(User, member.id) is not None, "a removed member keeps their account"
    assert {"role_changed", "member_removed"} <= set(actions(session))


def test_cst_creates_renames_merges_and_deactivates(browser, make, session):
    browser.sign_in(make.user(admin=True))
    browser.get("/admin/organisations/new")
    page = browser.post(
        "/admin/organisations/new",
        {"name": "Chamberlain's", "sector": "corporation_department", "headcount": "120"},
    )
    kept = session.scalar(select(Organisation).where(Organisation.name == "Chamberlain's"))
    browser.get(page.response.headers["Location"])
    browser.post(
        f"/admin/organisations/{kept.id}/edit",
        {
            "name": "Chamberlain's Department",
            "sector": "corporation_department",
            "headcount": "130",
        },
    )
    session.refresh(kept)
    assert (kept.name, kept.headcount) == ("Chamberlain's Department", 130)

    duplicate = make.organisation("Chamberlains Dept")
    both = make.user(org=duplicate, role="manager")
    session.add(Membership(user_id=both.id, organisation_id=kept.id, role="member"))
    only = make.user(org=duplicate)
    session.commit()
    browser.get(f"/admin/organisations/{duplicate.id}")
    browser.get(f"/admin/organisations/{duplicate.id}/merge/confirm?into={kept.id}")
    browser.post(f"/admin/organisations/{duplicate.id}/merge/confirm?into={kept.id}")
    session.expire_all()
    assert session.get(Organisation, duplicate.id).status == "deactivated"
    members = session.execute(
        select(Membership.user_id, Membership.role).where(Membership.organisation_id == kept.id)
    ).all()
    assert sorted(members) == sorted([(both.id, "manager"), (only.id, "member")])

    browser.post(f"/admin/organisations/{kept.id}/deactivate")
    session.refresh(kept)
    assert kept.status == "deactivated"
    assert {
        "organisation_created",
        "organisation_updated",
        "organisation_merged",
        "organisation_deactivated",
    } <= set(actions(session))


def test_join_code_and_invitation_pages_are_rate_limited(browser, session):
    browser.get("/join")
    token = browser.last.csrf_token()
    statuses = [
        browser.client.post("/join", data={"code": f"WRONG{n:03}", "csrf_token": token}).status_code
        for n in range(11)
    ]
    assert statuses == [200] * 10 + [429]
    statuses = [browser.client.get(f"/invitations/guess{n}").status_code for n in range(11)]
    assert statuses == [404] * 10 + [429]


def test_numbers_and_emails_are_asked_for_as_people_write_them(browser, session):
    page = browser.get("/organisations/register")
    assert page.soup.select_one("input#contact_email")["type"] == "email"
    assert page.soup.select_one("input#headcount")["inputmode"] == "numeric"
    assert browser.get("/sign-in").soup.select_one("input#email")["type"] == "email"
    for typed in ("about forty", "4.5", "٤٠"):
        page = browser.post(
            "/organisations/register", {**REGISTRATION, "headcount": typed}, status=200
        )
        assert page.error_summary() == [
            "Enter how many people work, study or volunteer there as a whole number, like 250"
        ], typed
        assert "Not a valid integer" not in page.text()
    assert session.scalar(select(func.count()).select_from(Organisation)) == 0
    browser.post("/organisations/register", {**REGISTRATION, "headcount": " 1,200 "}, status=200)
    assert session.scalar(select(Organisation.headcount)) == 1200


def test_a_new_manager_lands_on_a_checklist_that_goes_once_done(app, browser, make, session):
    org, manager = manager_of(make)
    browser.sign_in(manager)
    landing = browser.get("/", status=302).response.headers["Location"]
    page = browser.get(browser.get(landing, status=302).response.headers["Location"])
    assert page.h1 == "Overview"

    def steps() -> dict[str, str]:
        items = browser.get(f"/organisations/{org.id}").soup.select(".govuk-task-list__item")
        return {
            item.select_one(".govuk-task-list__name-and-hint a").get_text(
                strip=True
            ): item.select_one(".govuk-task-list__status").get_text(strip=True)
            for item in items
        }

    assert steps() == {
        "Invite your people": "To do",
        "Choose the training they must complete": "To do",
        "Tell us how many people you have": "To do",
    }
    org.headcount = 40
    make.user(org=org)
    session.commit()
    assert steps() == {
        "Invite your people": "Done",
        "Choose the training they must complete": "To do",
        "Tell us how many people you have": "Done",
    }
    session.add(
        Assignment(
            organisation_id=org.id,
            course_slug="basics",
            team=WHOLE_ORGANISATION,
            due_on=date(2027, 3, 1),
        )
    )
    session.commit()
    page = browser.get(f"/organisations/{org.id}")
    assert not page.soup.select(".govuk-task-list") and "Get started" not in page.text()


def test_stopping_a_requirement_is_confirmed_first(browser, make, session):
    org, manager = manager_of(make)
    assignment = Assignment(
        organisation_id=org.id, course_slug="basics", team="Front desk", due_on=date(2027, 3, 1)
    )
    session.add(assignment)
    session.commit()
    browser.sign_in(manager)
    page = browser.get(f"/organisations/{org.id}/assignments")
    link = page.soup.select_one("main a[href$='/remove']")
    assert link.get_text(" ", strip=True) == "Stop requiring Basics of safeguarding for Front desk"
    assert link["href"] == f"/organisations/{org.id}/assignments/{assignment.id}/remove"
    assert not page.soup.select("form[action$='/remove']"), "no longer a one-click form"
    page = browser.get(link["href"])
    assert page.h1 == "Stop requiring Basics of safeguarding?"
    assert "required of the Front desk team, by 1 March 2027" in page.text()
    assert page.soup.select_one("a[aria-current=page]").get_text() == "Required training"
    assert session.scalar(select(func.count()).select_from(Assignment)) == 1
    browser.post(link["href"])
    assert session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_a_course_required_of_one_team_counts_only_that_team(browser, make, session):
    org, manager = manager_of(make)
    for name, team in (
        ("Ola Ops", "Operations"),
        ("Oto Ops", "Operations"),
        ("Sam Sales", "Sales"),
    ):
        make.user(org=org, team=team, full_name=name)
    session.add(
        Assignment(
            organisation_id=org.id, course_slug="basics", team="Operations", due_on=date(2020, 1, 1)
        )
    )
    session.commit()
    browser.sign_in(manager)
    page = browser.get(f"/organisations/{org.id}")
    headers = [th.get_text(strip=True) for th in page.soup.select("main thead th")]
    assert "Not required" not in headers
    cells = [td.get_text(strip=True) for td in page.soup.select("main tbody td")]
    assert cells[headers.index("Overdue") - 1] == "2overdue", "the two in Operations, not all four"
    page = browser.get(f"/organisations/{org.id}/members?course=basics&status=not+required")
    assert "Sam Sales" in page.text() and "Ola Ops" not in page.text()


def test_an_account_that_joins_nothing_is_told_so(app, browser, session):
    browser.get("/create-account")
    browser.post(
        "/create-account", {"full_name": "Jo Bloggs", "email": "jo@nowhere.example"}, status=200
    )
    link = link_in(mail_to(app, "jo@nowhere.example"), "/create-account/")
    browser.get(link)
    page = browser.post(link, {"password": PASSWORD, "confirm": PASSWORD})
    assert page.response.headers["Location"] == "/my-training"
    page = browser.get("/my-training")
    assert "you are not in an organisation yet" in page.text()


@pytest.mark.parametrize("others", [2, 700])
def test_a_list_is_checked_against_members_and_invitations_however_long(app, make, session, others):
    """A short list looks its addresses up; a long one reads the organisation's members
    and invitations once: either way each address is new, a member or invited again."""
    from elearn.organisations.invitations import plan_invitations

    org = make.organisation()
    other_org = make.organisation()
    make.user(email="member@example.com", org=org)
    make.user(email="elsewhere@example.com", org=other_org)
    session.add(
        Invitation(
            organisation_id=org.id,
            email="invited@example.com",
            token_hash="x" * 64,
            expires_at=utcnow(),
        )
    )
    session.commit()
    listed = ["member@example.com", "invited@example.com", "elsewhere@example.com"]
    listed += [f"new{n}@example.com" for n in range(others)]
    with app.app_context():
        plan = plan_invitations(session.get(Organisation, org.id), [{"email": e} for e in listed])
    assert [row["email"] for row in plan.members] == ["member@example.com"]
    assert [row["email"] for row in plan.renewed] == ["invited@example.com"]
    assert len(plan.new) == others + 1
