"""The demo's plan: who works where and what training they did, before any row exists.

Worked out from a fixed seed and the courses in the catalogue (their slugs, versions,
audiences and validity, never written here), so it is the same on every run but for the
dates, which count back from now. elearn/admin/demo.py adds to the database what of it
is missing.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from elearn.courses.catalogue import Catalogue, Course
from elearn.dates import add_months
from elearn.models import SECTORS, WHOLE_ORGANISATION, Role

DEMO_ORGANISATION = "Demo Insurance Brokers Ltd"
DEMO_REQUEST = "Little Acorns Nursery (demo request)"
DEMO_ACCOUNTS = [
    # role, email, full name, password, organisation role or None
    ("CST admin", "cst.admin@example.org", "Cam Admin", "demo-cst-admin-pass", None),
    ("manager", "manager@example.org", "Morgan Manager", "demo-manager-pass", Role.MANAGER),
    ("learner", "learner@example.org", "Lee Learner", "demo-learner-pass", Role.MEMBER),
    ("learner", "learner2@example.org", "Alex Learner", "demo-learner2-pass", Role.MEMBER),
]
PRINTED = {email for _, email, _, _, _ in DEMO_ACCOUNTS}
SEED = 2026
HISTORY_DAYS = 270  # e-learning completions spread over the last nine months
WORKSHOP_SECTORS = ("corporation_department", "further_education")


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    sector: str
    headcount: int
    domain: str  # people's addresses, under the reserved .example top-level domain
    teams: tuple[str, ...]
    size: int  # members made up for it
    keen: float  # the share of its members who complete each course they must take
    # Required training: (the course's rank among those that suit the sector, due in
    # so many days (before today when negative), the team or WHOLE_ORGANISATION).
    required: tuple[tuple[int, int, str], ...]
    join_code: str | None = None


ORGANISATIONS = (
    DemoOrganisation(
        DEMO_ORGANISATION, "business", 120, "brokers.example",
        ("Claims", "Underwriting", "Broking", "Operations"), 24, 0.7,
        ((1, 30, WHOLE_ORGANISATION), (3, -20, "Operations")), "DEMO2345",
    ),
    DemoOrganisation(
        "Community and Children's Services", "corporation_department", 420, "dccs.example",
        ("Housing", "Libraries", "Rough sleeping", "Adult social care"), 34, 0.85,
        ((1, -90, WHOLE_ORGANISATION), (0, 60, WHOLE_ORGANISATION), (2, -30, "Housing")),
    ),
    DemoOrganisation(
        "Environment Department", "corporation_department", 310, "environment.example",
        ("City Gardens", "Street cleansing", "Markets", "Port health"), 26, 0.6,
        ((1, -45, WHOLE_ORGANISATION), (3, 20, "Markets")),
    ),
    DemoOrganisation(
        "Leadenhall Coffee House Ltd", "business", 18, "leadenhallcoffee.example",
        ("Front of house", "Kitchen"), 9, 0.45, ((3, -30, WHOLE_ORGANISATION),),
    ),
    DemoOrganisation(
        "Cheapside Security Services Ltd", "business", 64, "cheapsidesecurity.example",
        ("Day shift", "Night shift", "Control room"), 22, 0.75,
        ((3, -60, WHOLE_ORGANISATION), (1, 40, WHOLE_ORGANISATION)),
    ),
    DemoOrganisation(
        "Moorgate Legal LLP", "business", 150, "moorgatelegal.example",
        ("Litigation", "Corporate", "Business services"), 18, 0.3,
        ((0, 75, WHOLE_ORGANISATION),),
    ),
    DemoOrganisation(
        "City Gate College", "further_education", 95, "citygatecollege.example",
        ("Teaching", "Student services", "Estates"), 24, 0.8,
        ((1, -120, WHOLE_ORGANISATION), (0, 90, "Student services")),
    ),
    DemoOrganisation(
        "Aldgate Community Kitchen", "voluntary", 30, "aldgatekitchen.example",
        ("Volunteers", "Staff"), 11, 0.55,
        ((0, -15, WHOLE_ORGANISATION), (2, 30, "Staff")),
    ),
    DemoOrganisation(
        "Houndsditch Interfaith Centre", "faith", 16, "houndsditchinterfaith.example",
        ("Trustees", "Volunteers"), 8, 0.5,
        ((0, 50, WHOLE_ORGANISATION), (1, 50, WHOLE_ORGANISATION)),
    ),
)  # fmt: skip

# Given names and family names as London's communities pair them: each person takes both
# from one line.
COMMUNITIES = (
    ("Mohammed Fatima Rahima Abdul Nusrat Shahid", "Rahman Begum Uddin Ahmed Miah Islam"),
    ("Adebayo Chiamaka Oluwaseun Ngozi Kwame Abena", "Okafor Adeyemi Eze Mensah Boateng Okonkwo"),
    ("Priya Rahul Gurpreet Harjit Deepa Anjali", "Patel Sharma Kaur Singh Nair Shah"),
    ("Imran Ayesha Tariq Sana Bilal Hina", "Khan Hussain Mahmood Iqbal Qureshi Malik"),
    ("Tharshini Arjun Kavitha Suresh Meena Karthik", "Sivakumar Rajan Pillai Murugan Krishnan"),
    ("Marcia Jamal Leon Shanice Winston Keisha", "Campbell Thompson Williams Clarke Brown Francis"),
    ("Hodan Abdirahman Amina Dawit Yusuf Saba", "Warsame Farah Bekele Haile Osman Jama"),
    ("Wei Mei Jun Xiaoling Hao Ying", "Chen Wong Li Zhang Liu Huang"),
    ("Minh Lan Thu Duc Linh Quang", "Nguyễn Trần Lê Phạm Hoàng Võ"),
    ("Maricel Jose Rowena Mark Joy Ramon", "Santos Reyes Cruz Bautista Garcia Mendoza"),
    ("Agnieszka Łukasz Tomasz Katarzyna Piotr Magdalena", "Nowak Wójcik Kaczmarek Mazur Krawczyk"),
    ("Ioana Bogdan Andrei Elena Mihai Alina", "Popescu Dumitru Ionescu Stan Munteanu Marin"),
    ("Oksana Taras Olena Dmytro Iryna Andriy", "Kovalenko Shevchenko Bondarenko Melnyk Tkachenko"),
    ("Ayşe Mehmet Elif Kemal Zeynep Deniz", "Yılmaz Öztürk Demir Kaya Aydın Şahin"),
    ("Eleni Andreas Maria Christos Sophia Nikos", "Georgiou Christodoulou Ioannou Charalambous"),
    ("Siobhán Ciarán Róisín Callum Gareth Rhiannon", "O'Brien Murphy MacLeod Jones Evans Byrne"),
    ("Emma Oliver Charlotte James Zoë Harry", "Taylor Smith Wilson Hughes Clarke Walker"),
    ("Leah Daniel Miriam Noam Rachel Samuel", "Cohen Levy Goldberg Rosen Friedman Shapiro"),
    ("João Ana Rafael Beatriz Thiago Inês", "Silva Santos Oliveira Costa Pereira Ferreira"),
    ("Lucía Mateo Carmen Javier Chiara Alessandro", "Fernández Gómez García Rossi Esposito Romano"),
    ("Omar Layla Samira Karim Nour Youssef", "Haddad Mansour Farouk Khalil Nasser Saleh"),
)
# Letters that Unicode does not decompose into a plain one, for email addresses.
PLAIN_LETTERS = str.maketrans({"ł": "l", "Ł": "L", "ı": "i", "ø": "o", "đ": "d", "ß": "ss"})


@dataclass
class Person:
    """Someone in the plan: where they work and what they did, before any row exists."""

    email: str
    full_name: str
    organisation: str
    team: str | None
    role: str = Role.MEMBER
    # (course slug, completed at, method), oldest first
    completions: list[tuple[str, datetime, str]] = field(default_factory=list)
    views: list[tuple[str, str, datetime]] = field(default_factory=list)  # part-way through
    external: tuple[str, datetime] | None = None  # a course done elsewhere, waiting
    joined_at: datetime | None = None


def ranked(catalogue: Catalogue, sector: str) -> list[Course]:
    """The courses that suit a sector, those meant for the most sectors first (for all,
    with no audience), then by title."""
    suited = [c for c in catalogue if not c.audience or sector in c.audience]
    return sorted(suited, key=lambda c: (-len(c.audience or SECTORS), c.title))


def required_courses(catalogue: Catalogue) -> dict[str, list[tuple[Course, int, str]]]:
    """Each organisation's required (course, due in days, team), as far as courses exist."""
    required = {}
    for plan in ORGANISATIONS:
        suited = ranked(catalogue, plan.sector)
        required[plan.name] = [
            (suited[rank], due_in, team)
            for rank, due_in, team in plan.required
            if rank < len(suited)
        ]
    return required


def plan_people(
    catalogue: Catalogue, required: dict[str, list[tuple[Course, int, str]]], now: datetime
) -> list[Person]:
    """Everyone in the demo but the CST admin, with their history, the same on every run
    (but for the dates, which count back from now)."""
    rng = random.Random(SEED)  # noqa: S311 - the same made-up people every run, not secrets
    people = _accounts_history(required[DEMO_ORGANISATION], now)
    taken = {person.email for person in people}
    for plan in ORGANISATIONS:
        suited = ranked(catalogue, plan.sector)
        for number in range(plan.size):
            person = _made_up_person(rng, plan, taken)
            if number == 0 and plan.name != DEMO_ORGANISATION:
                person.role = Role.MANAGER  # every organisation has someone to run it
            must = [
                c for c, _, team in required[plan.name] if team in (WHOLE_ORGANISATION, person.team)
            ]
            _training(rng, person, plan, must, suited, required[plan.name], now)
            people.append(person)
    _lapsed(rng, people, catalogue, now)
    _external(people, required[DEMO_ORGANISATION], now)
    for person in people:
        earliest = min((at for _, at, _ in person.completions), default=now)
        person.joined_at = min(earliest, now - timedelta(days=HISTORY_DAYS)) - timedelta(
            days=rng.randint(14, 120)
        )
    return people


def _accounts_history(required: list[tuple[Course, int, str]], now: datetime) -> list[Person]:
    """The printed accounts: the manager and Alex have done the first required course
    and Alex is part-way through the next; Lee has not started anything."""
    people = [
        Person(email, name, DEMO_ORGANISATION, "Claims", role)
        for _, email, name, _, role in DEMO_ACCOUNTS
        if role is not None
    ]
    if required:
        first = required[0][0]
        people[0].completions.append((first.slug, now - timedelta(days=152), "e-learning"))
        people[2].completions.append((first.slug, now - timedelta(days=96), "e-learning"))
    if len(required) > 1:
        course = required[1][0]
        for module in course.modules[:2]:
            people[2].views.append((course.slug, module.slug, now - timedelta(days=3)))
    return people


def _made_up_person(rng: random.Random, plan: DemoOrganisation, taken: set[str]) -> Person:
    given_names, family_names = (names.split() for names in rng.choice(COMMUNITIES))
    given, family = rng.choice(given_names), rng.choice(family_names)
    local = _plain(f"{given}.{family}")
    email, number = f"{local}@{plan.domain}", 1
    while email in taken:
        number += 1
        email = f"{local}{number}@{plan.domain}"
    taken.add(email)
    return Person(email, f"{given} {family}", plan.name, rng.choice(plan.teams))


def _plain(text: str) -> str:
    """An address's local part: Łukasz.O'Brien becomes lukasz.obrien."""
    decomposed = unicodedata.normalize("NFKD", text.translate(PLAIN_LETTERS))
    letters = decomposed.encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in letters if ch.isalnum() or ch in ".-")


def _training(
    rng: random.Random,
    person: Person,
    plan: DemoOrganisation,
    must: list[Course],
    suited: list[Course],
    required: list[tuple[Course, int, str]],
    now: datetime,
) -> None:
    """Most complete what they must, more of them lately; some are part-way through; a
    few take a course no one asked them to. Departments and the college send some people
    to CST's workshops in the course they all must take, half of them in the year before
    the e-learning (which gives the reports a previous period to compare with)."""
    for course in must:
        if rng.random() < plan.keen:
            method, when = "e-learning", _recently(rng, now)
            workshops = plan.sector in WORKSHOP_SECTORS and course is required[0][0]
            if workshops and rng.random() < 0.35:
                method = "face-to-face"
                if rng.random() < 0.5:
                    when = now - timedelta(days=rng.randint(HISTORY_DAYS + 130, 660))
            person.completions.append((course.slug, when, method))
        elif rng.random() < 0.4:
            started = now - timedelta(days=rng.uniform(1, 25))
            for module in course.modules[: rng.randint(1, max(1, len(course.modules) - 1))]:
                person.views.append((course.slug, module.slug, started))
    optional = [course for course in suited if course not in must]
    if optional and rng.random() < 0.12:
        person.completions.append((rng.choice(optional).slug, _recently(rng, now), "e-learning"))
    person.completions.sort(key=lambda completion: completion[1])


def _recently(rng: random.Random, now: datetime) -> datetime:
    """A moment in the last nine months, the recent ones likelier (training picks up)."""
    days = rng.triangular(2, HISTORY_DAYS, 30)
    return now - timedelta(days=days, minutes=rng.randint(0, 600))


def _lapsed(rng: random.Random, people: list[Person], catalogue: Catalogue, now) -> None:
    """A few people whose certificate of the course valid for the shortest time has
    expired, a few due a refresher within 30 days, and two who have renewed theirs."""
    expiring = [course for course in catalogue if course.valid_for_months]
    if not expiring:
        return
    course = min(expiring, key=lambda c: (c.valid_for_months, c.slug))
    months = course.valid_for_months
    candidates = [
        person
        for person in people
        if person.email not in PRINTED
        and not any(slug == course.slug for slug, _, _ in person.completions)
    ]
    chosen = rng.sample(candidates, min(10, len(candidates)))
    for index, person in enumerate(chosen):
        lapse = add_months(now, -months)
        if index < 4:  # expired 10 to 60 days ago
            at = [lapse - timedelta(days=rng.randint(10, 60))]
        elif index < 8:  # expires within 30 days
            at = [lapse + timedelta(days=rng.randint(3, 25))]
        else:  # expired, then done again lately
            at = [lapse - timedelta(days=rng.randint(20, 90)), _recently(rng, now)]
        person.completions = sorted(
            person.completions + [(course.slug, moment, "e-learning") for moment in at],
            key=lambda completion: completion[1],
        )


def _external(people: list[Person], required: list[tuple[Course, int, str]], now) -> None:
    """A Demo Insurance Brokers member asks for a course done elsewhere to count: their
    manager, or CST, decides."""
    if not required:
        return
    course = required[0][0]
    member = next(
        (
            person
            for person in people
            if person.organisation == DEMO_ORGANISATION
            and person.email not in PRINTED
            and not any(slug == course.slug for slug, _, _ in person.completions)
        ),
        None,
    )
    if member is not None:
        member.external = (course.slug, now - timedelta(days=41))
