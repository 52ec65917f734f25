"""Every organisation route, as every kind of person, built from the URL map.

A new route that takes an organisation cannot be missed: the matrix is made from the
app's own rules, and a route without the permission decorator fails the last test.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from elearn.models import (
    Assignment,
    CertificateArchive,
    ExternalRecord,
    Invitation,
    InvitationBatch,
    Membership,
    OrganisationDomain,
    utcnow,
)
from elearn.organisations.tokens import new_token
from elearn.permissions import (
    Action,
    can_accept_invitation,
    must_turn_on_two_factor,
    owned_batch,
)
from tests.conftest import Browser

ROLES = ("visitor", "member", "other_manager", "manager", "cst_admin")


# Organisation routes for CST alone outside admin/: the hub's partners.
CST_ONLY_ELSEWHERE = {"hub.change_partner"}


def organisation_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "organisation_id" in rule.arguments),
        key=lambda rule: (rule.rule, rule.endpoint),
    )


class World:
    """Two organisations, each with a manager, a member and one of every object."""

    def __init__(self, make, session) -> None:
        self.objects = {}
        for name in ("ours", "theirs"):
            org = make.organisation(name.title())
            manager = make.user(org=org, role="manager")
            member = make.user(org=org)
            membership = session.scalar(select(Membership).where(Membership.user_id == member.id))
            invitation = Invitation(
                organisation_id=org.id,
                email=f"{name}@example.com",
                token_hash=f"{name}-hash",
                expires_at=utcnow(),
            )
            assignment = Assignment(
                organisation_id=org.id, course_slug="basics", team="", due_on=date(2030, 1, 1)
            )
            batch = InvitationBatch(
                public_id=f"{name}-batch",
                organisation_id=org.id,
                created_by_id=manager.id,
                source="pasted",
                rows=[],
            )
            domain = OrganisationDomain(organisation_id=org.id, domain=f"{name}.example")
            record = ExternalRecord(
                user_id=member.id,
                course_slug="basics",
                provider="Elsewhere",
                course_name="Awareness",
                completed_on=date(2026, 1, 1),
                evidence=b"%PDF-1.4 evidence",
                evidence_type="application/pdf",
            )
            archive = CertificateArchive(
                organisation_id=org.id,
                requested_by_id=manager.id,
            )
            session.add_all([invitation, assignment, batch, domain, record, archive])
            session.commit()
            self.objects[name] = {
                "org": org,
                "manager": manager,
                "member": member,
                "membership_id": membership.id,
                "invitation_id": invitation.id,
                "assignment_id": assignment.id,
                "public_id": batch.public_id,
                "domain_id": domain.id,
                "record_id": record.id,
                "archive_id": archive.id,
            }
        self.admin = make.user(admin=True)

    def url(self, rule, owner: str = "ours", objects_of: str | None = None) -> str:
        objects = self.objects[objects_of or owner]
        values = {"organisation_id": self.objects[owner]["org"].id}
        for argument in rule.arguments - {"organisation_id"}:
            converter = rule._converters[argument]
            values[argument] = (
                sorted(converter.items)[0] if hasattr(converter, "items") else (objects[argument])
            )
        return rule.build(values, append_unknown=False)[1]

    def person(self, role: str):
        return {
            "member": self.objects["ours"]["member"],
            "other_manager": self.objects["theirs"]["manager"],
            "manager": self.objects["ours"]["manager"],
            "cst_admin": self.admin,
        }.get(role)


def browser_as(app, world: World, role: str) -> Browser:
    browser = Browser(app.test_client())
    person = world.person(role)
    if person is not None:
        browser.sign_in(person)
    return browser


def request(browser: Browser, rule, url: str):
    if "GET" in rule.methods:
        return browser.client.get(url)
    return browser.client.post(url, data={"csrf_token": browser.token()})


def expected(role: str, rule) -> set[int]:
    cst_only = rule.endpoint.startswith("admin.") or rule.endpoint in CST_ONLY_ELSEWHERE
    if role == "visitor":
        return {302}
    if role in ("member", "other_manager") or (role == "manager" and cst_only):
        return {403}
    return {200, 302, 400}


@pytest.mark.parametrize("role", ROLES)
def test_every_organisation_route_for_every_role(app, make, session, role):
    world = World(make, session)
    browser = browser_as(app, world, role)
    failures = []
    for rule in organisation_rules(app):
        url = world.url(rule)
        response = request(browser, rule, url)
        if response.status_code not in expected(role, rule):
            failures.append(
                f"{sorted(rule.methods - {'HEAD', 'OPTIONS'})} {url}: {response.status_code}"
            )
        if role == "visitor":
            assert "/sign-in" in response.headers.get("Location", ""), url
    assert not failures, "\n".join(failures)


def test_objects_of_another_organisation_are_not_found_through_ours(app, make, session):
    world = World(make, session)
    browser = browser_as(app, world, "manager")
    failures = []
    for rule in organisation_rules(app):
        if not rule.arguments - {"organisation_id", "change"}:
            continue
        url = world.url(rule, owner="ours", objects_of="theirs")
        response = request(browser, rule, url)
        allowed = {403} if rule.endpoint.startswith("admin.") else {404}
        if response.status_code not in allowed:
            failures.append(f"{url}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_unknown_organisation_is_not_found(app, make, session):
    world = World(make, session)
    browser = Browser(app.test_client())
    browser.sign_in(world.admin)
    browser.get("/organisations/999999", status=404)
    browser.get("/admin/organisations/999999", status=404)


def test_every_organisation_route_checks_permission(app):
    for rule in organisation_rules(app):
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "required_action", None), f"{rule.endpoint} has no @requires"


def test_admin_pages_are_for_cst_only(app, make, session):
    world = World(make, session)
    for role, status in (("manager", 403), ("cst_admin", 200)):
        browser = Browser(app.test_client())
        browser.sign_in(world.person(role))
        browser.get("/admin/organisations", status=status)
        browser.get("/admin/organisations/new", status=status)


def test_deactivated_organisation_cannot_be_managed(app, make, session):
    world = World(make, session)
    org = world.objects["ours"]["org"]
    org.status = "deactivated"
    session.commit()
    browser = Browser(app.test_client())
    browser.sign_in(world.objects["ours"]["manager"])
    browser.get(f"/organisations/{org.id}", status=403)


def test_no_one_decides_about_themself(app, make, session):
    """A CST admin cannot approve or decline a registration naming them, revoke their own
    certificate or erase themself: another admin decides."""
    from elearn.certificates.codes import new_code
    from tests.conftest import Browser

    admin = make.user("ada@cst.example", admin=True)
    other = make.user("bo@cst.example", admin=True)
    request = make.organisation(
        "Ada's Cafe", status="pending", contact_email="ADA@cst.example", contact_name="Ada"
    )
    certificate = make.certificate(make.completion(admin), new_code())
    browser = Browser(app.test_client())
    browser.sign_in(admin)
    page = browser.get(f"/admin/organisations/{request.id}")
    assert "another CST admin must decide it" in page.text()
    assert not page.soup.select("form[action$='/approve']")
    browser.post(f"/admin/organisations/{request.id}/approve", status=303)
    browser.post(f"/admin/organisations/{request.id}/decline", {"reason": "x"}, status=303)
    session.refresh(request)
    assert request.status == "pending"
    browser.get(f"/certificates/{certificate.code}/revoke", status=403)
    browser.post(f"/certificates/{certificate.code}/revoke", {"reason": "x"}, status=403)
    assert "Revoke this certificate" not in browser.get(f"/verify/{certificate.code}").text()
    browser.post(f"/admin/users/{admin.id}", {"reason": "x"}, status=403)
    session.refresh(admin)
    assert admin.erased_at is None

    colleague = Browser(app.test_client())
    colleague.sign_in(other)
    colleague.post(f"/admin/organisations/{request.id}/approve")
    session.refresh(request)
    assert request.status == "approved", "another admin decides"
    colleague.get(f"/certificates/{certificate.code}/revoke")


def test_an_invitation_is_accepted_signed_in_only_by_the_account_it_was_sent_to(
    browser, make, session
):
    org = make.organisation("Leadenhall Lettings")
    invited = make.user("invited@example.com")
    someone_else = make.user("someone@example.com")
    token, token_hash = new_token()
    invitation = Invitation(
        organisation_id=org.id,
        email=invited.email,
        token_hash=token_hash,
        expires_at=utcnow() + timedelta(days=14),
        last_sent_at=utcnow(),
    )
    session.add(invitation)
    session.commit()
    assert can_accept_invitation(invited, invitation)
    assert not can_accept_invitation(someone_else, invitation)

    browser.sign_in(someone_else)
    page = browser.get(f"/invitations/{token}", status=403)
    assert page.h1 == "This invitation is for someone else"
    browser.post(f"/invitations/{token}", status=403)
    session.refresh(invitation)
    assert invitation.accepted_at is None

    browser.sign_out()
    browser.sign_in(invited)
    assert browser.get(f"/invitations/{token}").h1 == "Join Leadenhall Lettings"


def test_a_list_of_invitations_is_found_only_through_its_own_organisation(app, make, session):
    world = World(make, session)
    ours, theirs = world.objects["ours"]["org"], world.objects["theirs"]["org"]
    with app.test_request_context():
        assert owned_batch(ours, "ours-batch").public_id == "ours-batch"
        for organisation, public_id in ((ours, "theirs-batch"), (theirs, "ours-batch")):
            with pytest.raises(NotFound):
                owned_batch(organisation, public_id)


def test_only_cst_admins_without_two_step_sign_in_must_turn_it_on(make, session):
    admin, learner = make.user(admin=True), make.user()
    assert must_turn_on_two_factor(admin)
    assert not must_turn_on_two_factor(learner)
    admin.totp_secret = "JBSWY3DPEHPK3PXP"
    assert not must_turn_on_two_factor(admin)
    assert not must_turn_on_two_factor(AnonymousUserMixin())


def test_every_cst_page_carries_one_of_the_two_access_decorators(app):
    """CST's pages (/admin, /reports) are guarded by `cst_admin_required`, or by
    `requires(Action.ADMINISTER)` where an organisation is in the URL: no other decorator."""
    cst_pages = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/admin/", "/reports/")) or rule.rule in ("/admin", "/reports")
    ]
    assert len(cst_pages) >= 20
    for rule in cst_pages:
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "required_action", None) == Action.ADMINISTER, rule.endpoint
