"""Demo data for a first look: a few months of training across the City's sectors.

`flask demo` loads the accounts it prints (a CST admin, and a manager and two learners of
"Demo Insurance Brokers Ltd") and around them nine approved organisations (Corporation
departments, businesses, a college, a charity and a faith centre), their members, their
required training, nine months of e-learning completions (and CST workshops before) with
certificates, people overdue, expired or due a refresher, courses people are part-way
through, training done elsewhere that waits for a decision, a registration that waits
for CST, and face-to-face sessions past and to come (elearn/admin/demo_sessions.py).

The plan (elearn/admin/demo_plan.py) is worked out first; then only what is missing is
added: loading it again changes nothing, and what someone did in the demo stays.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from elearn.admin.demo_plan import (
    DEMO_ACCOUNTS,
    DEMO_ORGANISATION,
    DEMO_REQUEST,
    HISTORY_DAYS,
    ORGANISATIONS,
    DemoOrganisation,
    Person,
    plan_people,
    required_courses,
)
from elearn.admin.demo_sessions import load_sessions
from elearn.auth.accounts import find_user
from elearn.certificates.operations import issue_certificate
from elearn.courses.catalogue import Catalogue, Course, current_catalogue
from elearn.courses.standing import update_standing
from elearn.dates import add_months
from elearn.extensions import db
from elearn.models import (
    Assignment,
    Completion,
    CompletionMethod,
    ExternalRecord,
    Membership,
    ModuleView,
    Organisation,
    OrganisationStatus,
    User,
    utcnow,
)

__all__ = ["DEMO_ORGANISATION", "DEMO_REQUEST", "load_demo"]


def load_demo() -> list[tuple[str, str, str]]:
    """Create (or top up) the demo; returns the accounts' (role, email, password) to print."""
    now = utcnow()
    catalogue = current_catalogue()
    organisations = {plan.name: _organisation(plan, now) for plan in ORGANISATIONS}
    printed = _accounts()
    required = required_courses(catalogue)
    _assignments(organisations, required, now)
    people = plan_people(catalogue, required, now)
    _record(people, organisations, catalogue, now)
    _pending_request(now)
    load_sessions(organisations, find_user(DEMO_ACCOUNTS[0][1]), now)
    db.session.commit()
    return printed


def _organisation(plan: DemoOrganisation, now: datetime) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == plan.name))
    if organisation is None:
        created = now - timedelta(days=HISTORY_DAYS + 90)
        organisation = Organisation(
            name=plan.name,
            sector=plan.sector,
            created_at=created,
            decided_at=created + timedelta(days=2),
        )
        db.session.add(organisation)
    organisation.headcount = organisation.headcount or plan.headcount
    if plan.join_code and not organisation.join_code:
        organisation.join_code = plan.join_code
        organisation.join_code_enabled = True
    db.session.flush()
    return organisation


def _accounts() -> list[tuple[str, str, str]]:
    """The printed accounts, which sign in with the printed passwords whatever was done
    to them in the demo (a password changed, too many tries)."""
    printed = []
    for role, email, name, password, membership_role in DEMO_ACCOUNTS:
        user = find_user(email)
        if user is None:
            user = User(email=email, full_name=name)
            db.session.add(user)
        if not user.check_password(password):
            user.set_password(password)
        user.active = True
        user.failed_sign_ins = 0
        user.sign_in_blocked_until = None
        user.is_cst_admin = membership_role is None
        printed.append((role, email, password))
    db.session.flush()
    return printed


def _assignments(
    organisations: dict[str, Organisation],
    required: dict[str, list[tuple[Course, int, str]]],
    now: datetime,
) -> None:
    ids = [organisation.id for organisation in organisations.values()]
    existing = set(
        db.session.execute(
            select(Assignment.organisation_id, Assignment.course_slug, Assignment.team).where(
                Assignment.organisation_id.in_(ids)
            )
        ).all()
    )
    for name, courses in required.items():
        organisation = organisations[name]
        for course, due_in, team in courses:
            if (organisation.id, course.slug, team) not in existing:
                db.session.add(
                    Assignment(
                        organisation_id=organisation.id,
                        course_slug=course.slug,
                        team=team,
                        due_on=now.date() + timedelta(days=due_in),
                        created_at=organisation.decided_at or now,
                    )
                )


def _record(
    people: list[Person], organisations: dict[str, Organisation], catalogue: Catalogue, now
) -> None:
    users = _users(people)
    _memberships(people, users, organisations)
    done = set(
        db.session.execute(
            select(Completion.user_id, Completion.course_slug).where(
                Completion.user_id.in_([user.id for user in users.values()])
            )
        ).all()
    )
    for person in people:
        user = users[person.email]
        organisation = organisations[person.organisation]
        for slug in sorted({slug for slug, _, _ in person.completions}):
            if (user.id, slug) in done:
                continue  # what they have done, in the demo or before it, stays as it is
            course = catalogue.get(slug)
            moments = [(at, how) for s, at, how in person.completions if s == slug]
            for sequence, (at, how) in enumerate(moments, start=1):
                _completion(user, organisation, course, sequence, at, how)
            update_standing(user.id, slug)
    _views(people, users)
    _external_records(people, users, now)


def _users(people: list[Person]) -> dict[str, User]:
    emails = [person.email for person in people]
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    for person in people:
        if person.email not in users:
            users[person.email] = User(
                email=person.email, full_name=person.full_name, created_at=person.joined_at
            )
            db.session.add(users[person.email])
        elif person.joined_at < users[person.email].created_at:  # a printed account
            users[person.email].created_at = person.joined_at  # had it before it joined
    db.session.flush()
    return users


def _memberships(
    people: list[Person], users: dict[str, User], organisations: dict[str, Organisation]
) -> None:
    pairs = [(users[p.email].id, organisations[p.organisation].id) for p in people]
    existing = set(
        db.session.execute(
            select(Membership.user_id, Membership.organisation_id).where(
                Membership.user_id.in_([user_id for user_id, _ in pairs])
            )
        ).all()
    )
    for person, pair in zip(people, pairs, strict=True):
        if pair not in existing:
            db.session.add(
                Membership(
                    user_id=pair[0],
                    organisation_id=pair[1],
                    role=person.role,
                    team=person.team,
                    joined_at=person.joined_at,
                )
            )
    db.session.flush()


def _completion(
    user: User,
    organisation: Organisation,
    course: Course,
    sequence: int,
    at: datetime,
    method: str,
) -> None:
    """A completion as the course would record it, and its certificate as issued then."""
    expires = add_months(at, course.valid_for_months) if course.valid_for_months else None
    completion = Completion(
        user_id=user.id,
        course_slug=course.slug,
        course_version=course.version,
        sequence=sequence,
        completed_at=at,
        expires_at=expires,
        method=CompletionMethod(method),
        organisations=[organisation],
    )
    db.session.add(completion)
    db.session.flush()
    issue_certificate(completion, course, user, issued_at=at)


def _views(people: list[Person], users: dict[str, User]) -> None:
    ids = [users[person.email].id for person in people if person.views]
    existing = set(
        db.session.execute(
            select(ModuleView.user_id, ModuleView.course_slug, ModuleView.module_slug).where(
                ModuleView.user_id.in_(ids)
            )
        ).all()
    )
    for person in people:
        user_id = users[person.email].id
        for course_slug, module_slug, at in person.views:
            if (user_id, course_slug, module_slug) not in existing:
                db.session.add(
                    ModuleView(
                        user_id=user_id,
                        course_slug=course_slug,
                        module_slug=module_slug,
                        first_viewed_at=at,
                        last_viewed_at=at,
                    )
                )


def _external_records(people: list[Person], users: dict[str, User], now: datetime) -> None:
    for person in people:
        if person.external is None:
            continue
        slug, completed = person.external
        user_id = users[person.email].id
        recorded = db.session.scalar(
            select(ExternalRecord.id).where(
                ExternalRecord.user_id == user_id, ExternalRecord.course_slug == slug
            )
        )
        if recorded is None:
            db.session.add(
                ExternalRecord(
                    user_id=user_id,
                    course_slug=slug,
                    provider="Home Office",
                    course_name="Prevent duty training: awareness course",
                    completed_on=completed.date(),
                    reference="HO-2026-048213",
                    created_at=now - timedelta(days=3),
                )
            )


def _pending_request(now: datetime) -> None:
    """A nursery's registration, waiting for CST to approve or decline it."""
    pending = db.session.scalar(select(Organisation.id).where(Organisation.name == DEMO_REQUEST))
    if pending is None:
        db.session.add(
            Organisation(
                name=DEMO_REQUEST,
                sector="early_years",
                headcount=18,
                status=OrganisationStatus.PENDING,
                contact_name="Nia Nursery",
                contact_email="nia@littleacorns.example",
                created_at=now - timedelta(days=2),
            )
        )
