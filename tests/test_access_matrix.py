"""Every route that is not an organisation's, as every kind of person.

Organisation routes have their own matrix (test_permissions.py). This one covers the
rest, and fails for any route in the URL map that neither table knows, so a new route
cannot be added without saying who may use it.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from elearn.models import (
    Booking,
    Certificate,
    ExternalRecord,
    Facilitator,
    Finding,
    FindingPhoto,
    QuizAttempt,
    TrainingSession,
    User,
    utcnow,
)
from tests.conftest import Browser
from tests.test_journey import answer, open_quiz, read_modules

# "facilitator": a member of the other organisation CST named to run sessions, who
# facilitates the world's session.
ROLES = (
    "visitor",
    "learner",
    "other_learner",
    "manager",
    "other_manager",
    "facilitator",
    "cst_admin",
)
EVERYONE = dict.fromkeys(ROLES, 200)
SIGNED_IN = {"visitor": 302, **dict.fromkeys(ROLES[1:], 200)}
CST = {"visitor": 302, **dict.fromkeys(ROLES[1:-1], 403), "cst_admin": 200}
OWNER_ONLY = {"visitor": 302, "learner": 200, **dict.fromkeys(ROLES[2:], 404)}
CERTIFICATE = {
    "visitor": 302,
    "learner": 200,
    "other_learner": 404,
    "manager": 200,
    "other_manager": 404,
    "facilitator": 404,
    "cst_admin": 200,
}
SHARED = {"visitor": 302, **dict.fromkeys(ROLES[1:-1], 404), "cst_admin": 200}
RUNS = {**CST, "facilitator": 200}  # those who run the session: its facilitator and CST
REDIRECTS_WHEN_SIGNED_IN = {"visitor": 200, **dict.fromkeys(ROLES[1:], 302)}

EXPECTED: dict[str, dict[str, int]] = {
    "pages.home": REDIRECTS_WHEN_SIGNED_IN,
    "pages.privacy": EVERYONE,
    "pages.accessibility": EVERYONE,
    "static": EVERYONE,
    # Development only (not registered in production or with a mail server): the emails
    # written to files, for whoever runs it. "courses" names no email file.
    "dev_mail.index": EVERYONE,
    "dev_mail.message": dict.fromkeys(ROLES, 404),
    "courses.catalogue_page": EVERYONE,
    "courses.course_page": EVERYONE,
    "courses.course_image": EVERYONE,
    "courses.contacts_page": EVERYONE,
    "courses.my_training": SIGNED_IN,
    "courses.module_page": SIGNED_IN,
    "courses.attempt_result": OWNER_ONLY,
    "courses.submit_quiz": {"visitor": 302, "learner": 302, **dict.fromkeys(ROLES[2:], 404)},
    "auth.sign_in": REDIRECTS_WHEN_SIGNED_IN,
    "auth.sign_out": SIGNED_IN,
    "auth.request_reset": EVERYONE,
    "auth.reset_password": dict.fromkeys(ROLES, 400),
    "auth.two_factor_code": dict.fromkeys(ROLES, 302),
    "auth.two_factor_setup": SIGNED_IN,
    "auth.account": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    "auth.data_export": SIGNED_IN,
    "auth.request_erasure": SIGNED_IN,
    "joining.register_organisation": EVERYONE,
    "joining.join": EVERYONE,
    "joining.join_signed_in": dict.fromkeys(ROLES, 302),
    "joining.create_account": EVERYONE,
    "joining.confirm_account": dict.fromkeys(ROLES, 404),
    "joining.invitation": dict.fromkeys(ROLES, 404),
    "certificates.index": SIGNED_IN,
    "certificates.record_external": SIGNED_IN,
    "certificates.download": CERTIFICATE,
    "certificates.reissue": {**CERTIFICATE, "learner": 302, "manager": 404, "cst_admin": 302},
    "certificates.verify": EVERYONE,
    "certificates.verify_code": EVERYONE,
    "certificates.revoke": CST,
    "certificates.admin_external": CST,
    "certificates.admin_decide": CST,
    "certificates.admin_evidence": CST,
    "admin.home": CST,
    "admin.organisations": CST,
    "admin.new_organisation": CST,
    "admin.users": CST,
    "admin.user": CST,
    "organisations.index": {
        "visitor": 302,
        "learner": 200,
        "other_learner": 200,
        "manager": 302,
        "other_manager": 302,
        "facilitator": 200,
        "cst_admin": 302,
    },
    # Face-to-face sessions: one open to all, the learner booked on it, run by its
    # facilitator and CST.
    "face_to_face.index": EVERYONE,
    "face_to_face.session": EVERYONE,
    "face_to_face.book": {"visitor": 302, **dict.fromkeys(ROLES[1:], 302)},
    "face_to_face.cancel_booking": {
        "visitor": 302,
        "learner": 302,
        "other_learner": 404,
        "manager": 302,  # the learner's manager
        "other_manager": 404,
        "facilitator": 302,  # runs the session
        "cst_admin": 302,
    },
    "face_to_face.book_members": {
        "visitor": 302,
        "learner": 403,
        "other_learner": 403,
        "manager": 200,
        "other_manager": 200,
        "facilitator": 403,
        "cst_admin": 200,
    },
    "face_to_face.manage": RUNS,
    "face_to_face.new": RUNS,
    "face_to_face.edit": RUNS,
    "face_to_face.cancel": RUNS,
    "face_to_face.register_page": RUNS,
    "face_to_face.mark": {**RUNS, "facilitator": 302, "cst_admin": 302},
    "face_to_face.walk_in": {**RUNS, "facilitator": 302, "cst_admin": 302},
    "face_to_face.close_register": {**CST, "cst_admin": 302},
    "face_to_face.sign_in_sheet": RUNS,
    "face_to_face.facilitators_page": CST,
    "face_to_face.remove_facilitator_page": {**CST, "cst_admin": 302},
    # The reporting hub: the learner reported a finding with a photo, and another from
    # the same postcode that CST may merge into it.
    "hub.index": SIGNED_IN,
    "hub.new": SIGNED_IN,
    "hub.finding": {**OWNER_ONLY, "cst_admin": 200},
    "hub.photo": {**OWNER_ONLY, "cst_admin": 200},
    "hub.thumbnail": {**OWNER_ONLY, "cst_admin": 200},
    "hub.triage_queue": CST,
    "hub.triage_finding": CST,
    # A step sent with nothing filled in is shown again with what is missing (400);
    # passing to street cleansing and merging need nothing more, and are done.
    "hub.assign": {**CST, "cst_admin": 400},
    "hub.to_police": {**CST, "cst_admin": 400},
    "hub.to_cleansing": {**CST, "cst_admin": 302},
    "hub.removed": {**CST, "cst_admin": 400},
    "hub.close": {**CST, "cst_admin": 400},
    "hub.merge": {**CST, "cst_admin": 302},
    # Figures shared with partners: "Theirs" is a partner, so its manager sees them.
    "hub.figures": {**SHARED, "other_manager": 200},
    "hub.figures_csv": {**SHARED, "other_manager": 200},
    "hub.partners_page": CST,
    # Reporting through a partner's link ("Theirs" has one) needs no account; a receipt
    # is only for a report made through that link (the learner's was not).
    "hub.report_by_link": EVERYONE,
    "hub.link_receipt": dict.fromkeys(ROLES, 404),
    "reports.index": CST,
    "reports.sector": CST,
    "reports.export_csv": CST,
    "reports.training_update": CST,
    "reports.training_update_docx": CST,
}


@pytest.fixture
def world(app, make, session):
    """A learner of one organisation with a submitted quiz attempt, a certificate and a
    record of training done elsewhere; people of every other kind around them."""
    ours = make.organisation("Ours")
    theirs = make.organisation("Theirs", hub_partner=True, hub_link_token="l" * 43)
    people = {
        "learner": make.user(org=ours),
        "other_learner": make.user(org=ours),
        "manager": make.user(org=ours, role="manager"),
        "other_manager": make.user(org=theirs, role="manager"),
        "cst_admin": make.user(admin=True),
    }
    browser = Browser(app.test_client())
    browser.sign_in(people["learner"])
    read_modules(browser)
    page, action = open_quiz(browser)
    browser.post(action, answer(page, right=True))
    record = ExternalRecord(
        user_id=people["learner"].id,
        course_slug="basics",
        provider="X",
        course_name="Y",
        completed_on=date(2026, 1, 1),
        evidence=b"%PDF-1.4",
        evidence_type="application/pdf",
    )
    session.add(record)
    starts = utcnow() + timedelta(days=10)
    training = TrainingSession(
        public_id="a1b2c3d4e5f60718",
        course_slug="basics",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        venue="Guildhall",
        capacity=20,
    )
    facilitator = make.user(full_name="Named Facilitator", org=theirs)
    people["facilitator"] = facilitator
    training.facilitators = [session.get(User, facilitator.id)]
    session.add_all([training, Facilitator(user_id=facilitator.id)])
    session.flush()
    booking = Booking(
        session_id=training.id,
        user_id=people["learner"].id,
        organisation_id=ours.id,
        status="booked",
    )
    session.add(booking)
    findings = [
        Finding(
            public_id=f"{number}" * 32,
            form_id=f"{number}" * 32,
            reporter_id=people["learner"].id if number == 1 else people["other_learner"].id,
            kind="graffiti",
            strand="not_known",
            description="Words",
            place="Cheapside",
            postcode="EC2V 6DN",
            seen_at=utcnow() - timedelta(hours=number),
        )
        for number in (1, 2)
    ]
    session.add_all(findings)
    session.flush()
    photo = FindingPhoto(
        public_id="f" * 32,
        finding_id=findings[0].id,
        position=1,
        data=b"\xff\xd8\xff",
        thumbnail=b"\xff\xd8\xff",
        width=1,
        height=1,
    )
    session.add(photo)
    session.commit()
    values = {
        "code": session.scalar(select(Certificate.code)),
        "public_id": session.scalar(select(QuizAttempt.public_id)),
        "record_id": record.id,
        "user_id": people["learner"].id,
        "course_slug": "basics",
        "filename": "steps.svg",
        "sector": "business",
        "token": "not-a-real-token",
        "name": "courses",
        "reference": training.public_id,
        "booking_id": booking.id,
        "facilitator_id": facilitator.id,
        "finding_ref": findings[0].public_id,
        "duplicate_ref": findings[1].public_id,
        "photo_ref": photo.public_id,
        "link_token": theirs.hub_link_token,
    }
    return people, values


LINK_ROUTES = ("hub.report_by_link", "hub.link_receipt")


def url_for_rule(rule, values: dict) -> str:
    arguments = dict(values)
    arguments["module_slug"] = "check" if "public_id" in rule.arguments else "welcome"
    if rule.endpoint == "static":
        arguments["filename"] = "css/elearn.css"
    if rule.endpoint == "joining.join_signed_in":
        arguments["code"] = "NOTACODE"
    if rule.endpoint in LINK_ROUTES:
        arguments["token"] = values["link_token"]
    needed = {name: arguments[name] for name in rule.arguments}
    return rule.build(needed, append_unknown=False)[1]


LAST = ("certificates.reissue", "auth.sign_out")  # they change what the others use


def other_rules(app):
    """The routes in name order, those that change the world for the others last."""
    return sorted(
        (r for r in app.url_map.iter_rules() if "organisation_id" not in r.arguments),
        key=lambda rule: (
            LAST.index(rule.endpoint) if rule.endpoint in LAST else -1,
            rule.endpoint,
        ),
    )


def test_the_table_names_every_route(app):
    missing = {rule.endpoint for rule in other_rules(app)} - set(EXPECTED)
    assert not missing, f"say who may use these routes: {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
def test_every_other_route_for_every_role(app, world, role, figures):
    people, values = world
    browser = Browser(app.test_client())
    if role != "visitor":
        browser.sign_in(people[role])
    failures = []
    for rule in other_rules(app):
        url = url_for_rule(rule, values)
        if "GET" in rule.methods:
            response = browser.client.get(url)
        else:
            response = browser.client.post(url, data={"csrf_token": browser.token()})
        expected = EXPECTED[rule.endpoint][role]
        if response.status_code != expected:
            failures.append(f"{rule.endpoint} {url}: {response.status_code}, expected {expected}")
        if (
            role == "visitor"
            and expected == 302
            and rule.endpoint
            not in (
                "auth.sign_out",
                "auth.two_factor_code",
                "auth.request_erasure",
                "joining.join_signed_in",
                "courses.submit_quiz",
            )
        ):
            assert "/sign-in" in response.headers["Location"], rule.endpoint
    figures.append(
        f"access matrix, {role}: {len(other_rules(app))} routes requested, "
        f"{len(failures)} unexpected answers"
    )
    assert not failures, "\n".join(failures)


def test_state_changing_routes_refuse_requests_without_a_csrf_token(app, world, figures):
    people, values = world
    browser = Browser(app.test_client())
    browser.sign_in(people["cst_admin"])
    refused = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        arguments = {
            **values,
            "organisation_id": 1,
            "membership_id": 1,
            "invitation_id": 1,
            "assignment_id": 1,
            "domain_id": 1,
            "module_slug": "check",
            "code": "X",
        }
        if "change" in rule.arguments:
            arguments["change"] = sorted(rule._converters["change"].items)[0]
        if rule.endpoint in LINK_ROUTES:
            arguments["token"] = values["link_token"]
        url = rule.build({k: arguments[k] for k in rule.arguments}, append_unknown=False)[1]
        response = browser.client.post(url, data={})
        # 400, or the view that keeps what was typed, which answers as it would to anyone:
        # here "not found", as the admin does not own the attempt.
        assert response.status_code == 400 or (
            rule.endpoint == "courses.submit_quiz" and response.status_code == 404
        ), f"{rule.endpoint}: {response.status_code}"
        refused += 1
    figures.append(f"forged requests without a CSRF token: {refused} tried, {refused} refused")
    assert refused >= 30
