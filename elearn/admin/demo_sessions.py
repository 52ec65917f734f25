"""The demo's face-to-face sessions: a WRAP session for Corporation staff a fortnight ago
with its register kept (not yet closed by CST), the next one for staff, a WRAP session a
college's own facilitator runs for colleges, and a counter-terrorism awareness workshop in
the Livery Hall open to all with one place left, so the printed learners can book it and
join its waiting list.

Each session is made once (found again by its reference); loading the demo again changes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from elearn.dates import LONDON, london_moment
from elearn.extensions import db
from elearn.face_to_face.register import mark
from elearn.models import (
    Attendance,
    Audience,
    Booking,
    BookingStatus,
    Facilitator,
    Membership,
    Organisation,
    TrainingSession,
    User,
)

GUILDHALL = "Guildhall, Gresham Street, London EC2V 7HH"
STEP_FREE = (
    "Step-free entrance on Basinghall Street; a hearing loop in the room. Bring photo ID "
    "for the front desk."
)


@dataclass(frozen=True)
class DemoSession:
    reference: str
    course: str
    title: str
    days: int  # from today; negative for one that has happened
    venue: str
    capacity: int
    audience: str
    sectors: tuple[str, ...] = ()
    college_facilitator: bool = False
    booked: int = 0  # made-up people with a place
    marks: tuple[str, ...] = ()  # the register of one that has happened, in booking order


SESSIONS = (
    DemoSession(
        "demo-wrap-staff-past", "wrap", "WRAP for Corporation staff", -14,
        "Guildhall, Committee Room 4", 30, Audience.SECTORS, ("corporation_department",),
        booked=9,
        marks=(Attendance.ATTENDED,) * 6 + (Attendance.PARTLY, Attendance.ABSENT),
    ),
    DemoSession(
        "demo-wrap-staff-next", "wrap", "WRAP for Corporation staff", 7,
        "Guildhall, Committee Room 4", 30, Audience.SECTORS, ("corporation_department",),
        booked=12,
    ),
    DemoSession(
        "demo-wrap-colleges", "wrap", "WRAP for colleges and universities", 21,
        "City Gate College, Lecture Theatre 2", 40, Audience.SECTORS,
        ("further_education", "higher_education"), college_facilitator=True, booked=6,
    ),
    DemoSession(
        "demo-ct-livery-hall", "counter-terrorism-awareness",
        "Counter-terrorism awareness: Livery Hall workshop", 10, "Guildhall, Livery Hall",
        12, Audience.ALL, booked=11,
    ),
)  # fmt: skip


def _weekday(day: date) -> date:
    """The day, or the Monday after when it falls at a weekend."""
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def load_sessions(organisations: dict[str, Organisation], admin: User, now: datetime) -> None:
    """Add the sessions the demo does not have yet."""
    known = set(
        db.session.scalars(
            select(TrainingSession.public_id).where(
                TrainingSession.public_id.in_([plan.reference for plan in SESSIONS])
            )
        )
    )
    college = organisations.get("City Gate College")
    facilitator = _college_facilitator(college, admin) if college is not None else None
    for plan in SESSIONS:
        if plan.reference not in known:
            _session(plan, organisations, admin, facilitator, now)


def _college_facilitator(college: Organisation, admin: User) -> User | None:
    """The college's own accredited WRAP facilitator: its first member, named by CST."""
    person = db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == college.id)
        .order_by(User.id)
        .limit(1)
    )
    if person is not None and db.session.get(Facilitator, person.id) is None:
        db.session.add(
            Facilitator(user_id=person.id, organisation_id=college.id, named_by_id=admin.id)
        )
        db.session.flush()
    return person


def _session(
    plan: DemoSession,
    organisations: dict[str, Organisation],
    admin: User,
    facilitator: User | None,
    now: datetime,
) -> None:
    day = _weekday(now.astimezone(LONDON).date() + timedelta(days=plan.days))
    session = TrainingSession(
        public_id=plan.reference,
        course_slug=plan.course,
        title=plan.title,
        starts_at=london_moment(day, time(10)),
        ends_at=london_moment(day, time(12, 30)),
        venue=plan.venue,
        address=GUILDHALL if plan.venue.startswith("Guildhall") else None,
        access_notes=STEP_FREE if plan.venue.startswith("Guildhall") else None,
        capacity=plan.capacity,
        audience=plan.audience,
        sectors=sorted(plan.sectors),
        created_by_id=admin.id,
        created_at=now - timedelta(days=max(30, -plan.days + 30)),
        facilitators=[facilitator] if plan.college_facilitator and facilitator else [admin],
    )
    db.session.add(session)
    db.session.flush()
    booked = []
    for person_id, organisation_id in _people(plan, organisations):
        booking = Booking(
            session_id=session.id,
            user_id=person_id,
            organisation_id=organisation_id,
            status=BookingStatus.BOOKED,
            booked_at=session.created_at + timedelta(days=len(booked) + 1),
            booked_by_id=person_id,
        )
        db.session.add(booking)
        booked.append(booking)
    if not plan.marks:
        db.session.flush()
        return
    walk_in = Booking(
        session_id=session.id,
        name="Grace Adeyemi",
        organisation_id=next(o for o in organisations.values() if o.sector in plan.sectors).id,
        status=BookingStatus.BOOKED,
        walk_in=True,
        booked_by_id=admin.id,
    )
    db.session.add(walk_in)
    db.session.flush()
    # The register as the facilitator left it: the first marked, one not yet, the walk-in
    # (no account) attended.
    marked = [*zip(booked, plan.marks, strict=False), (walk_in, Attendance.ATTENDED)]
    for booking, attendance in marked:
        mark(booking, attendance, admin, now=now)


def _people(plan: DemoSession, organisations: dict[str, Organisation]) -> list[tuple[int, int]]:
    """Made-up members of the organisations the session is for (never a printed account)."""
    wanted = [
        organisation.id
        for organisation in organisations.values()
        if plan.audience == Audience.ALL or organisation.sector in plan.sectors
    ]
    rows = db.session.execute(
        select(Membership.user_id, Membership.organisation_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.organisation_id.in_(wanted),
            Membership.left_at.is_(None),
            User.email.not_like("%@example.org"),
        )
        .order_by(Membership.organisation_id, Membership.user_id)
    ).all()
    # Spread over the organisations: a few from each, taken in turn.
    by_organisation: dict[int, list[tuple[int, int]]] = {}
    for user_id, organisation_id in rows:
        by_organisation.setdefault(organisation_id, []).append((user_id, organisation_id))
    chosen: list[tuple[int, int]] = []
    offset = len(plan.reference)  # different people for different sessions
    while len(chosen) < plan.booked and any(by_organisation.values()):
        for people in by_organisation.values():
            if people and len(chosen) < plan.booked:
                chosen.append(people.pop(offset % len(people)))
    return chosen
