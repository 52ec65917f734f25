"""Coverage figures against a small population worked out by hand.

now is 16 June 2026, noon; the period is 16 June 2025 to 15 June 2026 inclusive.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from elearn.courses.standing import update_standing
from elearn.models import (
    Assignment,
    Completion,
    Membership,
    Organisation,
    completion_organisation,
)
from elearn.reports import coverage
from elearn.reports.periods import Period
from elearn.reports.query import Headline, ReportQuery

NOW = datetime(2026, 6, 16, 12, tzinfo=UTC)
PERIOD = Period(date(2025, 6, 16), date(2026, 6, 15))


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def population(app, make, session):
    alpha = Organisation(name="Alpha Bank", sector="business", headcount=10)
    beta = Organisation(name="Beta College", sector="further_education", headcount=50)
    clerk = Organisation(name="Chamberlain's", sector="corporation_department", headcount=5)
    pending = Organisation(name="Pending Faith Group", sector="faith", status="pending")
    closed = Organisation(name="Closed Ltd", sector="business", status="deactivated", headcount=9)
    session.add_all([alpha, beta, clerk, pending, closed])
    session.commit()
    people = {name: make.user(full_name=name) for name in [f"u{n}" for n in range(1, 11)]}

    def member(user, org, team=None, left=None):
        session.add(
            Membership(user_id=people[user].id, organisation_id=org.id, team=team, left_at=left)
        )

    def completed(user, course, when, expires, *orgs, sequence=1, method="e-learning"):
        completion = Completion(
            user_id=people[user].id,
            course_slug=course,
            course_version="1",
            sequence=sequence,
            completed_at=when,
            expires_at=expires,
            method=method,
        )
        session.add(completion)
        session.flush()
        for org in orgs:
            session.execute(
                completion_organisation.insert().values(
                    completion_id=completion.id, organisation_id=org.id
                )
            )
        update_standing(people[user].id, course, session)

    member("u1", alpha)
    member("u2", alpha)
    member("u3", alpha)
    member("u3", beta, team="Staff")
    member("u4", alpha, left=at(2026, 1, 1))
    member("u5", beta, team="Staff")
    member("u6", beta, team="Students")
    member("u7", clerk)
    member("u10", clerk)
    member("u1", pending)
    member("u2", closed)
    people["u7"].erased_at = NOW
    people["u7"].full_name = "Erased user"
    people["u7"].email = "erased-7@invalid"
    completed("u1", "wrap", at(2026, 1, 10), at(2029, 1, 10), alpha)
    completed("u2", "wrap", at(2023, 3, 1), at(2026, 3, 1), alpha)
    completed("u3", "wrap", at(2026, 6, 1), at(2029, 6, 1), alpha, beta)
    completed("u4", "wrap", at(2025, 9, 1), at(2028, 9, 1), alpha)
    # The period's days are London days: in summer each starts at 23:00 UTC.
    completed("u7", "hate-crime", at(2025, 6, 15, 23), None, clerk)  # the first instant
    completed("u8", "wrap", at(2026, 6, 15, 23), at(2029, 6, 16))  # just after the period
    completed("u9", "wrap", datetime(2025, 6, 15, 22, 59, 59, tzinfo=UTC), at(2026, 6, 30))
    completed("u10", "wrap", at(2026, 2, 1, 12), at(2029, 2, 1, 12), clerk, method="external")
    session.add_all(
        [
            Assignment(
                organisation_id=alpha.id, course_slug="wrap", team="", due_on=date(2026, 3, 1)
            ),
            Assignment(
                organisation_id=beta.id, course_slug="wrap", team="Staff", due_on=date(2026, 12, 1)
            ),
            Assignment(
                organisation_id=closed.id, course_slug="wrap", team="", due_on=date(2026, 1, 1)
            ),
        ]
    )
    session.commit()
    return {"alpha": alpha, "beta": beta, "clerk": clerk}


def report(app, function, *args, course=None):
    with app.app_context():
        return function(ReportQuery(PERIOD, NOW, course), *args)


def test_headline_figures(app, population):
    figures = report(app, coverage.headline)
    assert figures == Headline(
        people_trained=5,  # u1, u3, u4, u7 (on the first instant), u10 (external)
        completions=5,
        previous_people_trained=1,  # u9, one second before the period
        valid_now=6,  # u1, u3, u4, u7, u8, u10
        refresher_due=1,  # u9, expiring within 30 days
        expired=1,  # u2
    )
    assert report(app, coverage.headline, course="hate-crime") == Headline(1, 1, 0, 1, 0, 0)


def test_by_course(app, population):
    rows = {row["course"]: row for row in report(app, coverage.by_course)}
    assert rows["wrap"] == {
        "course": "wrap",
        "people_trained": 4,
        "completions": 4,
        "previous_people_trained": 1,
        "valid_now": 5,
        "refresher_due": 1,
        "expired": 1,
        "required_of": 5,  # Alpha: u1, u2, u3; Beta's Staff: u3, u5
        "trained_of_required": 3,
        "coverage": 60.0,
        "headcount_coverage": 5.0,  # 3 of 10 + 50
    }
    assert rows["hate-crime"]["people_trained"] == 1
    assert rows["hate-crime"]["coverage"] is None


def test_by_organisation_counts_people_in_two_organisations_in_both(app, population):
    rows = {row["name"]: row for row in report(app, coverage.by_organisation)}
    assert set(rows) == {"Alpha Bank", "Beta College", "Chamberlain's"}
    alpha = rows["Alpha Bank"]
    assert (alpha["members"], alpha["headcount"], alpha["people_trained"], alpha["overdue"]) == (
        3,
        10,
        3,
        1,
    )
    assert (
        alpha["required_of"],
        alpha["trained_of_required"],
        alpha["coverage"],
        alpha["headcount_coverage"],
    ) == (3, 2, 66.7, 20.0)
    beta = rows["Beta College"]
    assert (beta["members"], beta["people_trained"], beta["overdue"]) == (3, 1, 0)
    assert (
        beta["required_of"],
        beta["trained_of_required"],
        beta["coverage"],
        beta["headcount_coverage"],
    ) == (2, 1, 50.0, 2.0)
    clerk = rows["Chamberlain's"]
    assert (clerk["members"], clerk["people_trained"], clerk["coverage"]) == (2, 2, None)
    departments = report(app, coverage.by_organisation, "corporation_department")
    assert [row["name"] for row in departments] == ["Chamberlain's"]


def test_by_sector(app, population):
    rows = {row["sector"]: row for row in report(app, coverage.by_sector)}
    assert set(rows) == {"business", "further_education", "corporation_department"}
    assert rows["business"] == {
        "sector": "business",
        "organisations": 1,
        "members": 3,
        "headcount": 10,
        "people_trained": 3,
        "required_of": 3,
        "trained_of_required": 2,
        "coverage": 66.7,
        "headcount_coverage": 20.0,
    }
    assert rows["further_education"]["people_trained"] == 1
    assert rows["corporation_department"]["members"] == 2


def test_trend_per_month(app, population):
    series = report(app, coverage.trend)
    assert list(series) == ["hate-crime", "wrap"]
    assert list(series["wrap"]) == [f"2025-{m:02}" for m in range(6, 13)] + [
        f"2026-{m:02}" for m in range(1, 7)
    ]
    assert {month: n for month, n in series["wrap"].items() if n} == {
        "2025-09": 1,
        "2026-01": 1,
        "2026-02": 1,
        "2026-06": 1,
    }
    assert {month: n for month, n in series["hate-crime"].items() if n} == {"2025-06": 1}


def test_gaps(app, population, make):
    low = report(app, coverage.low_coverage, 60)
    assert [(row["name"], row["course"], row["coverage"]) for row in low] == [
        ("Beta College", "wrap", 50.0)
    ]
    assert [row["name"] for row in report(app, coverage.low_coverage, 70)] == [
        "Beta College",
        "Alpha Bank",
    ]
    with app.app_context():
        from elearn.models import SECTORS

        missing = coverage.sectors_without_organisations(SECTORS)
    assert "faith" in missing and "business" not in missing
    assert len(missing) == len(SECTORS) - 3

    # A health practice approved before anyone joins: counted among the sector's
    # organisations, so not also listed as a sector with none.
    make.organisation("Aldgate Dental Practice", sector="health")
    with app.app_context():
        missing = coverage.sectors_without_organisations(SECTORS)
    sectors = {row["sector"]: row for row in report(app, coverage.by_sector)}
    assert "health" not in missing and sectors["health"]["organisations"] == 1


def test_period_helpers():
    assert Period.last_twelve_months(date(2026, 6, 15)) == PERIOD
    assert PERIOD.previous() == Period(date(2024, 6, 16), date(2025, 6, 15))
    assert Period.last_twelve_months(date(2028, 2, 29)).start == date(2027, 3, 1)


def test_a_member_required_twice_counts_once_and_teams_decide_who_is_overdue(app, make, session):
    """Gamma requires hate crime of everyone (due 1 May) and again of its Staff (due
    1 April), and WRAP of its Staff only (due 1 December, not yet)."""
    gamma = Organisation(name="Gamma Trust", sector="charity", headcount=20)
    session.add(gamma)
    session.commit()
    people = {}
    for name, team in [("g1", "Staff"), ("g2", "Staff"), ("g3", None), ("g4", "Other")]:
        people[name] = make.user(full_name=name)
        session.add(Membership(user_id=people[name].id, organisation_id=gamma.id, team=team))
    for name, expires in [("g1", at(2029, 1, 1)), ("g4", at(2026, 1, 1))]:
        session.add(
            Completion(
                user_id=people[name].id,
                course_slug="hate-crime",
                course_version="1",
                sequence=1,
                completed_at=at(2023, 1, 1),
                expires_at=expires,
                method="e-learning",
            )
        )
        session.flush()
        update_standing(people[name].id, "hate-crime", session)
    for course, team, due in [
        ("hate-crime", "", date(2026, 5, 1)),
        ("hate-crime", "Staff", date(2026, 4, 1)),
        ("wrap", "Staff", date(2026, 12, 1)),
    ]:
        session.add(Assignment(organisation_id=gamma.id, course_slug=course, team=team, due_on=due))
    session.commit()

    courses = {row["course"]: row for row in report(app, coverage.by_course)}
    assert (courses["hate-crime"]["required_of"], courses["hate-crime"]["trained_of_required"]) == (
        4,  # g1 and g2 once each, though required twice over; g3 with no team; g4
        1,  # g1; g4's completion has expired
    )
    assert (courses["wrap"]["required_of"], courses["wrap"]["trained_of_required"]) == (2, 0)
    (row,) = report(app, coverage.by_organisation)
    assert (row["required_of"], row["trained_of_required"], row["overdue"]) == (
        6,
        1,
        3,  # g2, g3 and g4 are past hate crime's due date; WRAP is not due yet
    )
    assert row["headcount_coverage"] == 2.5  # 1 of 20, once for each of two courses


def test_a_course_done_only_in_the_previous_period_shows_with_none_trained_now(app, make, session):
    learner, again = make.user(), make.user()
    make.completion(learner, "facing-facts", completed_at=at(2025, 1, 10))
    make.completion(again, "facing-facts", completed_at=at(2024, 6, 16))  # its first instant
    make.completion(again, "facing-facts", sequence=2, completed_at=at(2025, 6, 1))
    make.completion(learner, "wrap", completed_at=at(2025, 6, 16))

    rows = {row["course"]: row for row in report(app, coverage.by_course)}
    facing_facts = rows["facing-facts"]
    assert (
        facing_facts["people_trained"],
        facing_facts["completions"],
        facing_facts["previous_people_trained"],
    ) == (0, 0, 2)
    wrap = rows["wrap"]
    assert (wrap["people_trained"], wrap["completions"], wrap["previous_people_trained"]) == (
        1,
        1,
        0,
    )
    headline = report(app, coverage.headline)
    assert (headline.people_trained, headline.completions, headline.previous_people_trained) == (
        1,
        1,
        2,
    )


def test_a_team_s_earlier_due_date_makes_its_members_overdue_before_everyone(app, make, session):
    """Delta requires WRAP of everyone by 1 December and of its Staff by 1 May: at 16 June
    its Staff without WRAP are overdue (one of two; the other has it), its member in no team
    is not yet, and each counts once towards coverage."""
    delta = make.organisation("Delta Works", headcount=10)
    staff = make.user(org=delta, team="Staff")
    make.user(org=delta, team="Staff")
    make.user(org=delta)
    make.completion(staff, "wrap", completed_at=at(2026, 1, 1), expires_at=at(2029, 1, 1))
    for team, due in [("", date(2026, 12, 1)), ("Staff", date(2026, 5, 1))]:
        session.add(Assignment(organisation_id=delta.id, course_slug="wrap", team=team, due_on=due))
    session.commit()

    (row,) = report(app, coverage.by_organisation)
    assert (row["required_of"], row["trained_of_required"], row["overdue"]) == (3, 1, 1)


def test_a_completion_counts_in_the_london_day_and_month_it_was_made(app, make, session):
    from elearn.reports.aggregates import monthly

    make.completion(make.user(), "wrap", completed_at=at(2026, 6, 30, 23, 30))  # 00:30, 1 July
    july = Period(date(2026, 7, 1), date(2026, 7, 31))
    june = Period(date(2026, 6, 1), date(2026, 6, 30))
    summer = Period(date(2026, 6, 1), date(2026, 7, 31))
    with app.app_context():
        assert monthly(ReportQuery(july, NOW, None, None)) == [("wrap", "2026-07", 1)]
        assert monthly(ReportQuery(june, NOW, None, None)) == []
        assert monthly(ReportQuery(summer, NOW, None, None)) == [("wrap", "2026-07", 1)]
