"""Required training and members' progress: statuses, filters, sorting, paging, CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from sqlalchemy import select

from elearn.models import Assignment, AuditEvent, ModuleView, utcnow


def assign(session, org, due_on: date, team: str = "", course: str = "basics") -> None:
    session.add(Assignment(organisation_id=org.id, course_slug=course, team=team, due_on=due_on))
    session.commit()


def viewed(session, user, module: str = "welcome") -> None:
    session.add(ModuleView(user_id=user.id, course_slug="basics", module_slug=module))
    session.commit()


def population(make, session):
    """One member in each status; Legal's training was due last week."""
    org = make.organisation("Lime Street Insurance")
    manager = make.user(full_name="Zed Manager", org=org, role="manager", team="Ops")
    now = utcnow()
    people = {
        "completed": make.user(full_name="Ann Done", org=org, team="Claims"),
        "in progress": make.user(full_name="Ben Busy", org=org, team="Claims"),
        "not started": make.user(full_name="Cat New", org=org, team="Claims"),
        "expired": make.user(full_name="Dan Old", org=org, team="Claims"),
        "overdue": make.user(full_name="Eve Late", org=org, team="Legal"),
        "refresher due": make.user(full_name="Fay Soon", org=org, team="Claims"),
    }
    make.completion(
        people["completed"],
        completed_at=now - timedelta(days=10),
        expires_at=now + timedelta(days=300),
    )
    viewed(session, people["in progress"])
    make.completion(
        people["expired"],
        completed_at=now - timedelta(days=400),
        expires_at=now - timedelta(days=35),
    )
    make.completion(
        people["refresher due"],
        completed_at=now - timedelta(days=350),
        expires_at=now + timedelta(days=12),
    )
    assign(session, org, date.today() + timedelta(days=30))
    assign(session, org, date.today() - timedelta(days=7), team="Legal")
    return org, manager, people


def statuses(page) -> dict[str, str]:
    return {
        " ".join(row.th.a.get_text().split()): row.select_one(".govuk-tag").get_text(strip=True)
        for row in page.soup.select("tbody tr")
    }


def test_manager_sees_each_members_status(browser, make, session):
    org, manager, _ = population(make, session)
    browser.sign_in(manager)
    page = browser.get(f"/organisations/{org.id}/members")
    assert statuses(page) == {
        "Ann Done": "Completed",
        "Ben Busy": "In progress",
        "Cat New": "Not started",
        "Dan Old": "Expired",
        "Eve Late": "Overdue",
        "Fay Soon": "Refresher due",
        "Zed Manager": "Not started",
    }
    ann = next(r for r in page.soup.select("tbody tr") if "Ann Done" in r.get_text())
    assert "Completed " in ann.get_text()
    overview = browser.get(f"/organisations/{org.id}")
    row = overview.soup.select_one("tbody tr")
    counts = [td.get_text(" ", strip=True).split(" ")[0] for td in row.select("td")]
    # overdue, expired, not started, in progress, refresher due, completed
    assert counts == ["1", "1", "2", "1", "1", "1"]
    link = row.select("td")[2].a["href"]
    assert link == f"/organisations/{org.id}/members?course=basics&status=not+started"


def test_the_overview_counts_only_those_who_must_take_a_course(browser, make, session):
    """A course required of one team: the overview counts that team, as CST's coverage
    does, and not someone elsewhere who took it anyway (the members page still shows
    them as completed, not required of them)."""
    org = make.organisation("Leadenhall Security")
    manager = make.user(full_name="Mo Manager", org=org, role="manager", team="Office")
    ops = [make.user(full_name=f"Op {n}", org=org, team="Operations") for n in range(3)]
    keen = make.user(full_name="Kim Keen", org=org, team="Claims")
    make.completion(ops[0])
    make.completion(keen)
    assign(session, org, date.today() - timedelta(days=1), team="Operations")
    browser.sign_in(manager)
    row = browser.get(f"/organisations/{org.id}").soup.select_one("tbody tr")
    counts = [int(td.get_text(" ", strip=True).split(" ")[0]) for td in row.select("td")]
    # overdue, expired, not started, in progress, refresher due, completed
    assert counts == [2, 0, 0, 0, 0, 1], "the three in Operations"
    members = browser.get(f"/organisations/{org.id}/members?course=basics")
    assert statuses(members)["Kim Keen"] == "Completed"


def test_a_status_without_a_course_matches_it_in_any_required_course(browser, make, session):
    """Filtering by status alone once said nobody matched: it looked at the first course
    only, without saying so. It now means "in any required course"."""
    org = make.organisation("Cornhill Trust")
    manager = make.user(full_name="Mo Manager", org=org, role="manager")
    make.completion(manager)
    assign(session, org, date.today() + timedelta(days=30))
    assign(session, org, date.today() + timedelta(days=30), course="wrap")
    browser.sign_in(manager)
    page = browser.get(f"/organisations/{org.id}/members?status=not+started")
    assert list(statuses(page)) == ["Mo Manager"], "not started WRAP, though basics is done"
    chosen = browser.get(f"/organisations/{org.id}/members?status=not+started&course=basics")
    assert list(statuses(chosen)) == []
    options = [o.get_text() for o in page.soup.select("select[name=course] option")]
    assert options[0] == "Any required course"


def test_filters_by_team_and_status_and_sorts_by_status(browser, make, session):
    org, manager, _ = population(make, session)
    browser.sign_in(manager)
    page = browser.get(f"/organisations/{org.id}/members?team=Legal")
    assert list(statuses(page)) == ["Eve Late"]
    page = browser.get(f"/organisations/{org.id}/members?status=not+started")
    assert list(statuses(page)) == ["Cat New", "Zed Manager"]
    page = browser.get(f"/organisations/{org.id}/members?sort=status")
    assert list(statuses(page).values()) == [
        "Overdue",
        "Expired",
        "Not started",
        "Not started",
        "In progress",
        "Refresher due",
        "Completed",
    ]
    page = browser.get(f"/organisations/{org.id}/members?sort=name&order=desc")
    assert next(iter(statuses(page))) == "Zed Manager"


def test_pages_through_many_members(browser, make, session):
    org = make.organisation()
    manager = make.user(full_name="A Manager", org=org, role="manager")
    for n in range(119):
        make.user(full_name=f"Member {n:03}", org=org)
    browser.sign_in(manager)
    first = browser.get(f"/organisations/{org.id}/members")
    assert len(first.soup.select("tbody tr")) == 50
    assert "120 members" in first.text()
    last = browser.get(f"/organisations/{org.id}/members?page=3")
    assert len(last.soup.select("tbody tr")) == 20
    assert last.soup.select("tbody tr")[-1].th.a.get_text() == "Member 118"
    assert browser.get(f"/organisations/{org.id}/members?page=99").soup.select("tbody tr")


def test_csv_export_matches_the_view_and_neutralises_formulas(browser, make, session):
    org, manager, _people = population(make, session)
    make.user(full_name='=HYPERLINK("http://evil")', org=org, team="@Claims")
    browser.sign_in(manager)
    response = browser.client.get(f"/organisations/{org.id}/members.csv?team=%40Claims")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [
        "Name",
        "Email",
        "Team",
        "Role",
        "Basics of safeguarding: status",
        "Basics of safeguarding: completed",
        "Basics of safeguarding: due",
    ]
    assert rows[1][0] == '\'=HYPERLINK("http://evil")'
    assert rows[1][2] == "'@Claims"
    assert rows[1][4] == "not started"
    assert len(rows) == 2
    full = browser.client.get(f"/organisations/{org.id}/members.csv").get_data(as_text=True)
    assert "Ann Done" in full and "completed" in full


def test_manager_assigns_a_course_and_member_sees_it_required(
    browser, other_browser, make, session
):
    org = make.organisation()
    manager = make.user(org=org, role="manager")
    member = make.user(org=org, team="Claims")
    browser.sign_in(manager)
    browser.get(f"/organisations/{org.id}/assignments")
    page = browser.post(
        f"/organisations/{org.id}/assignments",
        {"course": "basics", "team": "", "due_on": ["31", "2", "2027"]},
        status=200,
    )
    assert page.error_summary() == ["Enter a real due date, for example 31 3 2027"]
    page = browser.post(
        f"/organisations/{org.id}/assignments",
        {"course": "basics", "team": "", "due_on": ["1", "1", "2020"]},
        status=200,
    )
    assert page.error_summary() == ["The due date must be today or in the future"]
    due = date.today() + timedelta(days=20)
    browser.post(
        f"/organisations/{org.id}/assignments",
        {"course": "basics", "team": "", "due_on": [str(due.day), str(due.month), str(due.year)]},
    )
    assignment = session.scalar(select(Assignment))
    assert (assignment.course_slug, assignment.team, assignment.due_on) == ("basics", "", due)
    assert "course_assigned" in session.scalars(select(AuditEvent.action)).all()

    other_browser.sign_in(member)
    page = other_browser.get("/my-training")
    item = page.soup.select_one(".app-course-list__item")
    assert "Required" in item.get_text()
    assert f"Due by {due.day} {due:%B %Y}" in " ".join(item.get_text().split())
    assert "Overdue" not in item.get_text()

    assignment.due_on = date.today() - timedelta(days=1)
    session.commit()
    assert (
        "Overdue"
        in other_browser.get("/my-training").soup.select_one(".app-course-list__item").get_text()
    )
    browser.post(f"/organisations/{org.id}/assignments/{assignment.id}/remove")
    assert (
        "Required"
        not in other_browser.get("/my-training")
        .soup.select_one(".app-course-list__item")
        .get_text()
    )


def test_team_assignment_applies_only_to_that_team(make, session, browser):
    org = make.organisation()
    manager = make.user(org=org, role="manager", team="Ops")
    make.user(full_name="Leah Legal", org=org, team="Legal")
    assign(session, org, date.today() - timedelta(days=1), team="Legal")
    browser.sign_in(manager)
    page = browser.get(f"/organisations/{org.id}/members")
    found = statuses(page)
    assert found["Leah Legal"] == "Overdue"
    assert found[manager.full_name] == "Not required", "the course is not required of Ops"
