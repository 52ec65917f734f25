"""CST merges a duplicate organisation only after choosing the one to keep (nothing is
chosen for them) and reading what moves; an organisation whose manager is invited is not
"without a manager"; one truly without can be given one from its CST page."""

from __future__ import annotations

import email
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from elearn.models import (
    Assignment,
    Completion,
    Invitation,
    Membership,
    Organisation,
    OrganisationDomain,
    utcnow,
)
from tests.test_query_counts import queries


def text_of(tag) -> str:
    return " ".join(tag.get_text(" ", strip=True).split())


@pytest.fixture
def admin(browser, make):
    browser.sign_in(make.user(admin=True))
    return browser


# --- choosing the organisation to keep ----------------------------------------------------


def test_an_organisation_s_page_chooses_no_organisation_to_merge_into(admin, make):
    duplicate = make.organisation("Chamberlains Dept")
    make.organisation("Aldgate Bakery")
    page = admin.get(f"/admin/organisations/{duplicate.id}")
    merge_forms = [form for form in page.soup.select("form") if "merge" in form.get("action", "")]
    assert [form.select("select") for form in merge_forms] == [[]], "no list with one chosen"
    form = page.soup.find("form", {"role": "search"})
    assert (form["method"], form["action"]) == (
        "get",
        f"/admin/organisations/{duplicate.id}/merge",
    )
    assert form.find("input", {"name": "q"}).get("value", "") == ""


def test_the_organisation_to_keep_is_found_by_name_or_domain_among_approved_ones(
    admin, make, session
):
    duplicate = make.organisation("Chamberlain's Department")
    kept = make.organisation("Chamberlain's Dept", sector="corporation_department")
    session.add(OrganisationDomain(organisation_id=kept.id, domain="chamberlain.example"))
    session.commit()
    make.organisation("Chamberlain Bakery", status="pending")
    make.organisation("Chamberlain Closed", status="deactivated")
    for number in range(30):
        make.organisation(f"Chamberlains Partner {number:02}")

    found = admin.get(f"/admin/organisations/{duplicate.id}/merge?q=chamberlain")
    assert found.h1 == "Which organisation do you want to keep?"
    assert "31 approved organisations match “chamberlain”: 1 to 25 shown." in found.text()
    cards = found.soup.select(".govuk-summary-card")
    card = next(card for card in cards if text_of(card.h2) == kept.name)
    assert text_of(card) == (
        "Chamberlain's Dept Keep this one (Chamberlain's Dept) Sector Corporation department "
        "Email domains chamberlain.example Members 0"
    )
    named = [text_of(card.h2) for card in cards]
    assert duplicate.name not in named and "Chamberlain Bakery" not in named
    assert "Chamberlain Closed" not in named
    choose = card.find("a")["href"]
    assert choose == f"/admin/organisations/{duplicate.id}/merge/confirm?into={kept.id}"
    second = admin.get(f"/admin/organisations/{duplicate.id}/merge?q=chamberlain&page=2")
    assert len(second.soup.select(".govuk-summary-card")) == 6

    by_domain = admin.get(f"/admin/organisations/{duplicate.id}/merge?q=chamberlain.example")
    assert [text_of(card.h2) for card in by_domain.soup.select(".govuk-summary-card")] == [
        kept.name
    ]
    none = admin.get(f"/admin/organisations/{duplicate.id}/merge?q=nothing+like+it")
    assert "No approved organisation matches “nothing like it”." in none.text()


def test_without_a_search_look_alikes_are_offered(admin, make):
    duplicate = make.organisation("The Cheapside Coffee Ltd")
    kept = make.organisation("Cheapside Coffee Limited")
    make.organisation("Cheapside Coffee Co", status="pending")
    page = admin.get(f"/admin/organisations/{duplicate.id}/merge")
    offered = [text_of(li) for li in page.soup.select("main ul.govuk-list li")]
    assert offered == ["Keep Cheapside Coffee Limited (the same name)"]
    assert page.soup.find("a", string="Keep Cheapside Coffee Limited")["href"].endswith(
        f"/merge/confirm?into={kept.id}"
    )


# --- saying what moves, then merging -----------------------------------------------------


@pytest.fixture
def pair(make, session):
    """A duplicate with members, history, required training, credited completions,
    invitations, a domain and a join code; and the organisation to keep."""
    duplicate = make.organisation("Chamberlains Dept", join_code="K7PM3QXR", join_code_enabled=True)
    kept = make.organisation("Chamberlain's Department")
    both = make.user(org=duplicate, role="manager")
    session.add(Membership(user_id=both.id, organisation_id=kept.id, role="member"))
    only = make.user(org=duplicate)
    left = make.user(org=duplicate)
    session.execute(
        Membership.__table__.update()
        .where(Membership.user_id == left.id)
        .values(left_at=utcnow() - timedelta(days=3))
    )
    session.add_all(
        [
            Assignment(
                organisation_id=duplicate.id, course_slug="basics", team="", due_on=date(2027, 3, 1)
            ),
            Assignment(
                organisation_id=kept.id, course_slug="basics", team="", due_on=date(2027, 6, 1)
            ),
            Assignment(
                organisation_id=duplicate.id, course_slug="wrap", team="", due_on=date(2027, 3, 1)
            ),
            OrganisationDomain(organisation_id=duplicate.id, domain="chamberlains.example"),
            Invitation(
                organisation_id=duplicate.id,
                email="new@chamberlains.example",
                token_hash="hash-1",
                expires_at=utcnow() + timedelta(days=10),
                last_sent_at=utcnow(),
            ),
        ]
    )
    session.commit()
    shared = make.completion(both)
    mine = make.completion(only)
    session.refresh(shared)
    shared.organisations = [
        session.get(Organisation, duplicate.id),
        session.get(Organisation, kept.id),
    ]
    mine.organisations = [session.get(Organisation, duplicate.id)]
    session.commit()
    return duplicate, kept, {"both": both, "only": only, "left": left}


def memberships(session, organisation_id):
    return sorted(
        session.execute(
            select(Membership.user_id, Membership.role, Membership.left_at.is_(None)).where(
                Membership.organisation_id == organisation_id
            )
        ).all()
    )


def test_the_confirmation_says_exactly_what_moves_and_that_it_cannot_be_undone(
    admin, pair, session
):
    duplicate, kept, _ = pair
    before = memberships(session, duplicate.id)
    page = admin.get(f"/admin/organisations/{duplicate.id}/merge/confirm?into={kept.id}")
    assert page.h1 == "Merge Chamberlains Dept into Chamberlain's Department?"
    moves = [text_of(li) for li in page.soup.select("#what-moves li")]
    assert moves == [
        "2 members, 1 of them a manager (they manage Chamberlain's Department too); 1 is "
        "already in Chamberlain's Department and keeps one membership there",
        "the history of 1 person who left it",
        "2 required courses; 1 is required by Chamberlain's Department already, and the "
        "earlier due date is kept",
        "2 completions of training, which then count for Chamberlain's Department (1 already "
        "counts for it, and is counted once)",
        "1 invitation not yet accepted, which then join Chamberlain's Department",
        "the email domain chamberlains.example: people who verify an address there then join "
        "Chamberlain's Department",
    ]
    assert "its join code stops working" in page.text()
    assert "A merge cannot be undone." in page.text()
    session.expire_all()
    assert session.get(Organisation, duplicate.id).status == "approved", "nothing merged yet"
    assert memberships(session, duplicate.id) == before


def test_nothing_merges_without_the_confirmation(admin, pair, session, app):
    duplicate, kept, _ = pair
    confirm = f"/admin/organisations/{duplicate.id}/merge/confirm?into={kept.id}"
    admin.post(f"/admin/organisations/{duplicate.id}/merge", status=405)
    admin.post(confirm, csrf=False, status=400)
    admin.get(f"/admin/organisations/{duplicate.id}/merge")
    admin.post(f"/admin/organisations/{duplicate.id}/merge/confirm", status=302)
    session.expire_all()
    assert session.get(Organisation, duplicate.id).status == "approved"
    assert session.get(Organisation, duplicate.id).merged_into_id is None


def test_the_merge_moves_what_the_confirmation_said(admin, pair, session):
    duplicate, kept, people = pair
    confirm = f"/admin/organisations/{duplicate.id}/merge/confirm?into={kept.id}"
    admin.get(confirm)
    done = admin.post(confirm)
    assert done.response.headers["Location"] == f"/admin/organisations/{kept.id}"
    page = admin.get(f"/admin/organisations/{kept.id}")
    assert "Chamberlains Dept has been merged into Chamberlain's Department." in page.text()
    session.expire_all()
    closed = session.get(Organisation, duplicate.id)
    assert (closed.status, closed.merged_into_id, closed.join_code) == (
        "deactivated",
        kept.id,
        None,
    )
    assert memberships(session, kept.id) == sorted(
        [
            (people["both"].id, "manager", True),
            (people["only"].id, "member", True),
            (people["left"].id, "member", False),
        ]
    )
    assert sorted(
        session.execute(
            select(Assignment.course_slug, Assignment.due_on).where(
                Assignment.organisation_id == kept.id
            )
        ).all()
    ) == [("basics", date(2027, 3, 1)), ("wrap", date(2027, 3, 1))]
    credited = (
        select(func.count())
        .select_from(Completion)
        .where(Completion.organisations.any(Organisation.id == kept.id))
    )
    assert session.scalar(credited) == 2
    assert (
        session.scalar(
            select(OrganisationDomain.organisation_id).where(
                OrganisationDomain.domain == "chamberlains.example"
            )
        )
        == kept.id
    )
    closed_page = admin.get(f"/admin/organisations/{duplicate.id}")
    assert "Deactivated: merged into Chamberlain's Department" in closed_page.text()


@pytest.mark.parametrize(
    "target, message",
    [
        ("self", "Choose a different organisation to merge into"),
        ("pending", "The organisation kept must be approved and active"),
        ("deactivated", "The organisation kept must be approved and active"),
        ("missing", "Choose the organisation to keep from the list"),
        ("text", "Choose the organisation to keep from the list"),
        ("huge", "Choose the organisation to keep from the list"),
        ("none", "Choose the organisation to keep from the list"),
    ],
)
def test_a_merge_into_an_organisation_that_cannot_be_kept_is_refused(
    admin, make, session, target, message
):
    duplicate = make.organisation("Duplicate")
    into = {
        "self": duplicate.id,
        "pending": make.organisation("Waiting", status="pending").id,
        "deactivated": make.organisation("Closed", status="deactivated").id,
        "missing": 999999,
        "text": "abc",
        "huge": "9" * 40,
        "none": "",
    }[target]
    confirm = f"/admin/organisations/{duplicate.id}/merge/confirm?into={into}"
    for refused in (admin.get(confirm, status=302), admin.post(confirm, status=302)):
        assert refused.response.headers["Location"] == f"/admin/organisations/{duplicate.id}/merge"
    assert message in admin.get(f"/admin/organisations/{duplicate.id}/merge").text()
    session.expire_all()
    assert session.get(Organisation, duplicate.id).status == "approved"


# --- an invited manager is not "no manager" ----------------------------------------------


def counts(page) -> dict[str, str]:
    return {
        text_of(row.dt): text_of(row.select_one("dd"))
        for row in page.soup.select_one(".govuk-summary-list").select(".govuk-summary-list__row")
    }


def names(page) -> list[str]:
    return [text_of(a) for a in page.soup.select("tbody th > a")]


def test_an_approved_registration_is_listed_as_manager_invited_not_without_a_manager(
    admin, make, session
):
    nursery = make.organisation(
        "Little Acorns Nursery",
        status="pending",
        contact_name="Nia Nursery",
        contact_email="nia@acorns.example",
    )
    make.organisation("Nobody Manages Us")
    admin.get(f"/admin/organisations/{nursery.id}")
    admin.post(f"/admin/organisations/{nursery.id}/approve")
    tasks = counts(admin.get("/admin"))
    assert tasks["Approved organisations with no manager"] == "1"
    assert tasks["Approved organisations with a manager invited"] == "1"
    invited = admin.get("/admin/organisations?status=approved&manager=invited")
    assert names(invited) == ["Little Acorns Nursery"]
    nobody = admin.get("/admin/organisations?status=approved&manager=none")
    assert names(nobody) == ["Nobody Manages Us"]
    page = admin.get(f"/admin/organisations/{nursery.id}")
    managers = page.soup.find("dt", string=lambda text: text and "Managers" in text)
    assert " ".join(managers.find_next("dd").get_text().split()).startswith(
        "Invited Nia Nursery nia@acorns.example, sent"
    )


@pytest.mark.parametrize("how", ["expired", "revoked", "undeliverable", "never sent"])
def test_an_invitation_no_longer_waiting_leaves_the_organisation_without_a_manager(
    admin, make, session, how
):
    org = make.organisation("Lapsed Ltd")
    now = utcnow()
    invitation = Invitation(
        organisation_id=org.id,
        email="gone@lapsed.example",
        role="manager",
        token_hash="lapsed",
        expires_at=now + timedelta(days=10),
        last_sent_at=now - timedelta(days=4),
    )
    if how == "expired":
        invitation.expires_at = now - timedelta(minutes=1)
    elif how == "revoked":
        invitation.revoked_at = now
    elif how == "undeliverable":
        invitation.undeliverable_at = now
    else:
        invitation.last_sent_at = None
    session.add(invitation)
    session.commit()
    tasks = counts(admin.get("/admin"))
    assert tasks["Approved organisations with no manager"] == "1"
    assert tasks["Approved organisations with a manager invited"] == "0"


def test_an_invitation_to_a_member_is_not_a_manager_invited(admin, make, session):
    org = make.organisation("Members Only")
    session.add(
        Invitation(
            organisation_id=org.id,
            email="member@example.com",
            role="member",
            token_hash="member",
            expires_at=utcnow() + timedelta(days=10),
            last_sent_at=utcnow(),
        )
    )
    session.commit()
    assert counts(admin.get("/admin"))["Approved organisations with no manager"] == "1"


# --- inviting a manager from the CST page ---------------------------------------------------


def mails_to(app, address: str) -> list[email.message.Message]:
    folder = Path(app.config["MAIL_DIR"])
    found = [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]
    return [message for message in found if message["To"] == address]


def test_cst_invites_a_manager_from_the_organisation_s_page(app, admin, make, session):
    org = make.organisation("Corporation Department of Planning", sector="corporation_department")
    page = admin.get(f"/admin/organisations/{org.id}")
    assert page.soup.find("h2", id="manager").get_text() == "Invite a manager"
    form = page.soup.find("form", action=f"/admin/organisations/{org.id}/manager")
    assert {field["name"] for field in form.select("input:not([type=hidden])")} == {
        "full_name",
        "email",
    }

    refused = admin.post(
        f"/admin/organisations/{org.id}/manager", {"full_name": "", "email": "nope"}, status=400
    )
    assert refused.error_summary() == [
        "Enter an email address in the correct format, like name@example.com",
        "Enter the full name of the person to invite",
    ]
    assert session.scalar(select(func.count()).select_from(Invitation)) == 0

    done = admin.post(
        f"/admin/organisations/{org.id}/manager",
        {"full_name": "Priya Planner", "email": "Priya@Planning.example"},
    )
    assert done.response.headers["Location"] == f"/admin/organisations/{org.id}"
    invitation = session.scalar(select(Invitation))
    assert (invitation.email, invitation.full_name, invitation.role) == (
        "priya@planning.example",
        "Priya Planner",
        "manager",
    )
    [message] = mails_to(app, "priya@planning.example")
    subject = " ".join(message["Subject"].split())
    assert subject == "You are invited to manage Corporation Department of Planning's training"
    after = admin.get(f"/admin/organisations/{org.id}")
    assert "Priya Planner has been invited to manage Corporation Department of Planning." in (
        after.text()
    )
    assert counts(admin.get("/admin"))["Approved organisations with a manager invited"] == "1"

    admin.get(f"/admin/organisations/{org.id}")
    admin.post(
        f"/admin/organisations/{org.id}/manager",
        {"full_name": "Priya P. Planner", "email": "priya@planning.example"},
    )
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Invitation)) == 1, "renewed, not doubled"
    assert session.scalar(select(Invitation.full_name)) == "Priya P. Planner"
    assert len(mails_to(app, "priya@planning.example")) == 2


def test_an_organisation_with_a_manager_offers_no_invitation_from_cst(admin, make):
    org = make.organisation("Managed Ltd")
    make.user(org=org, role="manager", full_name="Mo Manager", email="mo@managed.example")
    page = admin.get(f"/admin/organisations/{org.id}")
    assert page.soup.find("h2", id="manager") is None
    managers = page.soup.find("dt", string=lambda text: text and "Managers" in text)
    assert text_of(managers.find_next("dd")) == "Mo Manager mo@managed.example"


def test_only_cst_may_invite_a_manager_this_way(browser, make, session):
    org = make.organisation("Managed Ltd")
    browser.sign_in(make.user(org=org, role="manager"))
    browser.get(f"/organisations/{org.id}")
    browser.post(
        f"/admin/organisations/{org.id}/manager",
        {"full_name": "Sneaky", "email": "sneaky@example.com"},
        status=403,
    )
    assert session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_cst_s_merge_and_organisation_pages_cost_the_same_however_many_rows(
    app, admin, make, session
):
    duplicate = make.organisation("Chamberlains Dept")
    make.user(org=duplicate, role="manager")

    def grow(count: int) -> None:
        for _ in range(count):
            kept = make.organisation(f"Chamberlain Partner {make.count}")
            session.add(
                OrganisationDomain(organisation_id=kept.id, domain=f"p{make.count}.example")
            )
            make.user(org=kept)
            session.add(
                Invitation(
                    organisation_id=duplicate.id,
                    email=f"m{make.count}@example.com",
                    role="manager",
                    token_hash=f"h{make.count}",
                    expires_at=utcnow() + timedelta(days=3),
                    last_sent_at=utcnow(),
                )
            )
        session.commit()

    paths = [
        f"/admin/organisations/{duplicate.id}",
        f"/admin/organisations/{duplicate.id}/merge?q=chamberlain",
        f"/admin/organisations/{duplicate.id}/merge",
        "/admin",
    ]
    grow(2)
    target = session.scalar(select(Organisation.id).where(Organisation.id != duplicate.id))
    paths.append(f"/admin/organisations/{duplicate.id}/merge/confirm?into={target}")
    few = [queries(app, admin, path) for path in paths]
    grow(10)
    assert [queries(app, admin, path) for path in paths] == few


def test_a_merge_moves_face_to_face_bookings_sessions_and_facilitators(admin, pair, session):
    from datetime import timedelta

    from elearn.models import Booking, Facilitator, TrainingSession, utcnow

    duplicate, kept, people = pair
    starts = utcnow() - timedelta(days=3)
    training = TrainingSession(
        public_id="merge0000000001",
        course_slug="basics",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        venue="Guildhall",
        capacity=10,
        audience="organisation",
        organisation_id=duplicate.id,
    )
    session.add(training)
    session.flush()
    session.add_all(
        [
            Booking(
                session_id=training.id, user_id=people["only"].id, organisation_id=duplicate.id
            ),
            Booking(
                session_id=training.id,
                name="No Account",
                organisation_id=duplicate.id,
                attendance="attended",
            ),
            Facilitator(user_id=people["both"].id, organisation_id=duplicate.id),
        ]
    )
    session.commit()
    confirm = f"/admin/organisations/{duplicate.id}/merge/confirm?into={kept.id}"
    page = admin.get(confirm)
    assert "2 places on face-to-face sessions" in page.text()
    admin.post(confirm)
    session.expire_all()
    assert set(session.scalars(select(Booking.organisation_id))) == {kept.id}
    assert session.get(TrainingSession, training.id).organisation_id == kept.id
    assert session.get(Facilitator, people["both"].id).organisation_id == kept.id
