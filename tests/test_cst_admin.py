"""CST's own pages: what is waiting, organisations and people at City scale, a person's
training history, and the navigation that marks one section current."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from elearn.admin.duplicates import Known, email_domain, name_key, possible_duplicates
from elearn.admin.listing import clean_search
from elearn.courses.catalogue import current_catalogue
from elearn.courses.review import due_for_review
from elearn.dates import london_today
from elearn.models import ExternalRecord, Membership, OrganisationDomain, QuizAttempt, utcnow
from elearn.web.filters import london_date
from elearn.web.paging import PER_PAGE, Paged, page_number

# --- is this a second registration? ---------------------------------------------------


@pytest.mark.parametrize(
    "name, key",
    [
        ("The Cheapside Coffee Co. Ltd", "cheapside coffee"),
        ("Cheapside Coffee Limited", "cheapside coffee"),
        ("CHEAPSIDE  COFFEE PLC", "cheapside coffee"),
        ("Smith & Sons LLP", "smith and sons"),
        ("St Paul's Cathedral School", "st paul s cathedral school"),
        ("Ltd", "ltd"),
    ],
)
def test_names_are_compared_without_case_punctuation_or_legal_endings(name, key):
    assert name_key(name) == key


def known(id_, name, *domains, status="approved"):
    return Known(id_, name, status, frozenset(domains))


def reasons(registration, *others):
    found = possible_duplicates([registration], [registration, *others])[registration.id]
    return {match.name: match.reasons for match in found}


def test_a_registration_is_flagged_for_the_same_name_a_similar_name_or_email_domain():
    request = known(1, "The Cheapside Coffee Ltd.", "cheapside.example", status="pending")
    assert reasons(
        request,
        known(2, "Cheapside Coffee Limited"),
        known(3, "Cheapside Cofee"),
        known(4, "Bean There", "cheapside.example", status="deactivated"),
        known(5, "Aldgate Legal"),
    ) == {
        "Cheapside Coffee Limited": ["the same name"],
        "Cheapside Cofee": ["a similar name"],
        "Bean There": ["the same email domain (cheapside.example)"],
    }


def test_unlike_names_are_not_flagged():
    request = known(1, "Moorgate Legal", status="pending")
    assert reasons(request, known(2, "Moorgate Trust"), known(3, "Barbican Legal")) == {}


def test_webmail_domains_say_nothing_about_an_organisation():
    assert email_domain("Sam@Gmail.com") is None
    assert email_domain("sam@acme.example") == "acme.example"
    assert email_domain("acme.example") == "acme.example"
    assert email_domain(None) is None


# --- the CST admin's home --------------------------------------------------------------


def pending(make, name, email, sector="business"):
    return make.organisation(
        name, sector=sector, status="pending", contact_name="Contact", contact_email=email
    )


def request_card(page, name: str):
    """The card of a request to register on the tasks page."""
    for card in page.soup.select(".govuk-summary-card"):
        if card.h3.get_text(strip=True) == name:
            return card
    return None


def test_cst_lands_on_what_is_waiting_with_counts_and_links(app, browser, make, session):
    admin = make.user(admin=True)
    make.organisation("Webmail Users", contact_email="someone@gmail.com")
    kept = make.organisation("Cheapside Coffee Limited", contact_email="owner@cheapside.example")
    make.user(org=kept, role="manager")
    session.add(OrganisationDomain(organisation_id=kept.id, domain="bean.example"))
    manager_less = make.organisation("Nobody Manages Us", contact_email="x@gmail.com")
    duplicate = pending(make, "The Cheapside Coffee Ltd", "priya@bean.example")
    duplicate.headcount = 1200
    fresh = pending(make, "Aldgate Legal", "sam@gmail.com")
    learner = make.user(org=kept, full_name="Rose Tyler")
    learner.erasure_requested_at = utcnow()
    record = ExternalRecord(
        user_id=learner.id,
        course_slug="basics",
        provider="Home Office",
        course_name="Prevent e-learning",
        completed_on=date(2026, 1, 5),
    )
    session.add(record)
    session.commit()
    with app.app_context():
        due = len(due_for_review(current_catalogue(), london_today()))

    browser.sign_in(admin)
    page = browser.get("/admin")
    assert page.h1 == "Tasks"
    counts = {
        " ".join(row.dt.get_text().split()): " ".join(row.select_one("dd").get_text().split())
        for row in page.soup.select_one(".govuk-summary-list").select(".govuk-summary-list__row")
    }
    assert counts == {
        "Requests to register an organisation": "2",
        "Training done elsewhere to check": "1",
        "Requests to erase personal data": "1",
        "Approved organisations with no manager": "2",
        "Approved organisations with a manager invited": "0",
        "Courses and contacts due for review": str(due),
    }
    assert f"{6 + due} things are waiting for you." in page.text()
    links = {a.get_text(" ", strip=True): a["href"] for a in page.soup.select("main a")}
    assert links["Decide (The Cheapside Coffee Ltd)"] == f"/admin/organisations/{duplicate.id}"
    assert links["Decide (Aldgate Legal)"] == f"/admin/organisations/{fresh.id}"
    assert links["Rose Tyler: Prevent e-learning (Home Office)"] == f"/admin/external/{record.id}"
    assert "/admin/users?account=erasure" in links.values()
    assert "/admin/organisations?status=approved&manager=none" in links.values()
    card = request_card(page, "The Cheapside Coffee Ltd")
    assert " ".join(card.select_one("dd").get_text().split()) == (
        "Possible duplicate Cheapside Coffee Limited (approved): the same name and "
        "the same email domain (bean.example)"
    )
    other = request_card(page, "Aldgate Legal")
    assert " ".join(other.select_one("dd").get_text().split()) == "No match found"
    listed = browser.get("/admin/organisations?manager=none&status=approved")
    assert names(listed) == [manager_less.name, "Webmail Users"]

    detail = browser.get(f"/admin/organisations/{duplicate.id}")
    assert "This may be a second registration" in detail.text()
    facts = {
        row.dt.get_text(strip=True): " ".join(row.dd.get_text().split())
        for row in detail.soup.select(".govuk-summary-list__row")
    }
    assert facts["Status"] == "Waiting for a decision", "as the tasks and the list say it"
    assert facts["Headcount"] == "1,200"
    assert facts["Contact"] == "Contact, priya@bean.example"
    assert (facts["Managers"], facts["Email domains"]) == ("No manager yet", "Not set")
    one = browser.get("/admin/organisations?q=Aldgate+Legal")
    assert "1 organisation matches." in one.text()
    assert "Cheapside Coffee Limited (approved): the same name" in detail.text()
    decided = browser.post(f"/admin/organisations/{fresh.id}/approve")
    assert decided.response.headers["Location"] == "/admin", "back to what is waiting"
    after = browser.get("/admin")
    assert "Aldgate Legal is approved." in after.text()
    assert request_card(after, "Aldgate Legal") is None


def test_nothing_waiting_says_so(browser, make):
    browser.sign_in(make.user(admin=True))
    page = browser.get("/admin")
    assert "Nothing is waiting for you." in page.text()
    assert not page.soup.select(".govuk-summary-list__actions a")


# --- organisations and people at City scale --------------------------------------------


def names(page) -> list[str]:
    return [" ".join(a.get_text(" ").split()) for a in page.soup.select("tbody th > a")]


def cells(row) -> list[str]:
    return [" ".join(cell.get_text(" ").split()) for cell in row.select("th, td")]


def test_organisations_are_searched_filtered_and_paginated_with_filters_kept(
    browser, make, session
):
    for number in range(PER_PAGE + 5):
        make.organisation(f"Aldgate Trader {number:02}", sector="business")
    make.organisation("Aldgate Primary", sector="school")
    make.organisation("Barbican Arts", sector="voluntary", contact_email="box@barbican.example")
    closed = make.organisation("Aldgate Closed", status="deactivated")
    session.add(OrganisationDomain(organisation_id=closed.id, domain="closed.example"))
    pending(make, "Zed Requests", "zed@zed.example")
    session.commit()
    browser.sign_in(make.user(admin=True))

    first = browser.get("/admin/organisations")
    assert names(first)[0] == "Zed Requests", "requests waiting for a decision first"
    assert len(names(first)) == PER_PAGE
    assert "34 organisations: 1 to 25 shown." in first.text()

    page = browser.get("/admin/organisations?q=aldgate+trader&sector=business&status=approved")
    assert "30 organisations match: 1 to 25 shown." in page.text()
    pagination = page.soup.select_one("nav.govuk-pagination")
    next_link = pagination.select_one("a[rel=next]")["href"]
    assert urlsplit(next_link).path == "/admin/organisations"
    assert parse_qs(urlsplit(next_link).query) == {
        "q": ["aldgate trader"],
        "status": ["approved"],
        "sector": ["business"],
        "page": ["2"],
    }
    second = browser.get(next_link)
    assert names(second) == [f"Aldgate Trader {n}" for n in range(25, 30)]
    assert second.soup.select_one(".govuk-pagination__item--current").get_text().strip() == "2"
    assert second.soup.select_one("#q")["value"] == "aldgate trader"
    assert second.soup.select_one("#sector option[selected]")["value"] == "business"

    assert names(browser.get("/admin/organisations?q=barbican.example")) == ["Barbican Arts"]
    assert names(browser.get("/admin/organisations?q=@closed.example")) == ["Aldgate Closed"]
    assert names(browser.get("/admin/organisations?status=deactivated")) == ["Aldgate Closed"]
    assert names(browser.get("/admin/organisations?sector=school")) == ["Aldgate Primary"]
    assert names(browser.get("/admin/organisations?q=50%25")) == []
    assert "No organisations match." in browser.get("/admin/organisations?q=nothing").text()


def test_people_are_listed_before_any_search_and_filtered(browser, make, session):
    org = make.organisation("Moorgate Legal")
    manager = make.user(org=org, role="manager", full_name="Mo Manager")
    for number in range(PER_PAGE + 2):
        make.user(org=org, full_name=f"Member {number:02}", email=f"m{number:02}@moorgate.example")
    loner = make.user(full_name="Lone Learner", email="lone@elsewhere.example")
    loner.erasure_requested_at = utcnow()
    session.commit()
    admin = make.user(admin=True, full_name="Ada Admin")
    browser.sign_in(admin)

    page = browser.get("/admin/users")
    assert "30 people: 1 to 25 shown." in page.text()
    assert names(page)[:3] == ["Ada Admin", "Lone Learner", "Member 00"]
    assert browser.get("/admin/users?page=2").soup.select_one("a[rel=prev]")["href"] == (
        "/admin/users?page=1"
    )
    row = page.soup.find("a", string="Member 00").find_parent("tr")
    assert cells(row) == ["Member 00 m00@moorgate.example", "Moorgate Legal", "Active"]

    assert names(browser.get("/admin/users?q=M07%40moorgate")) == ["Member 07"]
    assert names(browser.get("/admin/users?kind=manager")) == [manager.full_name]
    assert names(browser.get("/admin/users?kind=cst")) == ["Ada Admin"]
    assert names(browser.get("/admin/users?kind=none")) == ["Lone Learner"]
    assert names(browser.get("/admin/users?account=erasure")) == ["Lone Learner"]
    assert "No one matches." in browser.get("/admin/users?q=zzz").text()


def test_a_person_s_page_shows_their_training_history(browser, make, session):
    org, old = make.organisation("Holborn Trust"), make.organisation("Old Employer")
    learner = make.user(org=org, full_name="Rose Tyler", team="Front desk")
    session.add(
        Membership(user_id=learner.id, organisation_id=old.id, left_at=utcnow(), role="manager")
    )
    now = utcnow()
    first = make.completion(
        learner,
        completed_at=now - timedelta(days=800),
        expires_at=now - timedelta(days=70),
        course_version="2024.1",
    )
    make.certificate(first, "A" * 28)
    second = make.completion(
        learner, sequence=2, completed_at=now, expires_at=now + timedelta(days=365)
    )
    make.certificate(second, "B" * 28)
    for number, score in enumerate((40, 90)):
        session.add(
            QuizAttempt(
                public_id=f"{number:032x}",
                user_id=learner.id,
                course_slug="basics",
                module_slug="check",
                course_version="1.0",
                status="submitted",
                questions=[],
                question_count=2,
                score=score,
                pass_mark=80,
                passed=score >= 80,
                submitted_at=now - timedelta(days=number),
            )
        )
    session.add(
        ExternalRecord(
            user_id=learner.id,
            course_slug="basics",
            provider="Home Office",
            course_name="Prevent e-learning",
            completed_on=date(2025, 5, 1),
        )
    )
    session.commit()
    browser.sign_in(make.user(admin=True))

    page = browser.get(f"/admin/users/{learner.id}")
    rows = [cells(row) for row in page.soup.select("table")[1].select("tbody tr")]
    today, code = london_date(now), "BBBB-BBBB-BBBB-BBBB-BBBB-BBBB-BBBB"
    assert rows == [
        [
            today,
            "1.0",
            "E-learning",
            london_date(now + timedelta(days=365)),
            f"{code} Revoke certificate {code}",
            "Valid",
        ],
        [
            london_date(now - timedelta(days=800)),
            "2024.1",
            "E-learning",
            london_date(now - timedelta(days=70)),
            "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA",
            "Expired",
        ],
    ]
    assert page.soup.find("a", string=code)["href"] == f"/verify/{code}"
    text = page.text()
    assert 'Quiz "Check your understanding": 2 attempts, 1 passed, best score 90%' in text
    assert (
        "Prevent e-learning (Home Office), completed 1 May 2025: Waiting for a decision Decide"
        in text
    )
    memberships = [cells(row) for row in page.soup.select("table")[0].select("tbody tr")]
    assert [row[:3] for row in memberships] == [
        ["Holborn Trust", "Member", "Front desk"],
        ["Old Employer", "Manager", ""],
    ]
    assert memberships[1][4] == today


# --- whatever is in the address, never a 500 -------------------------------------------

BAD_VALUES = ["unknown", "0", "-1", str(10**20), "text", "", "\x01\x1f", "a\x00b", "9" * 5000]


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize(
    "path, name",
    [
        ("/admin/organisations", "status"),
        ("/admin/organisations", "sector"),
        ("/admin/organisations", "manager"),
        ("/admin/organisations", "page"),
        ("/admin/organisations", "q"),
        ("/admin/users", "kind"),
        ("/admin/users", "account"),
        ("/admin/users", "page"),
        ("/admin/users", "q"),
    ],
)
def test_bad_query_parameters_give_a_normal_page(browser, make, path, name, value):
    make.organisation("Aldgate Trader")
    browser.sign_in(make.user(admin=True))
    page = browser.client.get(path, query_string={name: value})
    if any(ord(character) < 32 for character in value):  # refused before any view: a clear 400
        assert page.status_code == 400 and b"control characters" in page.data
    else:
        assert page.status_code == 200, page.status_code


@pytest.mark.parametrize("path", ["/reports", "/reports/sectors/business"])
def test_the_dashboard_answers_any_address_without_a_500(browser, make, path):
    """The filters are carried into the page's links: a stray name that url_for takes
    for its own (sector, name, _anchor) once made every link fail."""
    make.organisation("Aldgate Trader")
    browser.sign_in(make.user(admin=True))
    names = ["start", "end", "course", "threshold", "sort", "order", "sector", "name"]
    refused = []
    for name in [*names, "_anchor", "_method", "_external", "_scheme"]:
        for value in BAD_VALUES:
            status = browser.client.get(path, query_string={name: value}).status_code
            if status not in (200, 400):
                refused.append(f"{name}={value[:20]!r}: {status}")
    assert refused == []


def test_page_numbers_beyond_the_end_show_the_last_page(browser, make):
    for number in range(PER_PAGE + 1):
        make.organisation(f"Trader {number:02}")
    browser.sign_in(make.user(admin=True))
    assert names(browser.get(f"/admin/organisations?page={10**20}")) == ["Trader 25"]
    assert names(browser.get("/admin/organisations?q=trader+2&page=3")) == [
        f"Trader {number}" for number in range(20, 26)
    ]


@pytest.mark.parametrize(
    "value, expected",
    [("3", 3), ("0", 1), ("-1", 1), ("", 1), (None, 1), ("2.5", 1), ("٣", 1), (str(10**20), 10**9)],
)
def test_page_number(value, expected):
    assert page_number(value) == expected


def test_a_search_loses_control_characters_and_is_cut_short():
    assert clean_search("  Al\x00d\tgate \x1f Trust ") == "Al d gate Trust"
    assert len(clean_search("x" * 500)) == 100


def test_pages_show_the_first_the_last_and_neighbours():
    def numbers(page: int, pages: int) -> list[int | None]:
        return Paged(rows=[], total=pages * 10, page=page, per_page=10).numbers()

    assert numbers(1, 1) == [1]
    assert numbers(1, 3) == [1, 2, 3]
    assert numbers(5, 40) == [1, None, 4, 5, 6, None, 40]
    assert numbers(40, 40) == [1, None, 39, 40]


# --- the navigation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, current",
    [
        ("/admin", "Tasks"),
        ("/admin/external", "Tasks"),
        ("/admin/organisations", "Organisations"),
        ("/admin/organisations/{org}", "Organisations"),
        ("/organisations/{org}/members", "Organisations"),
        ("/admin/users", "People"),
        ("/admin/users/{admin}", "People"),
        ("/reports", "Reports"),
        ("/my-training", "My training"),
        ("/courses", "Courses"),
        ("/certificates", "Certificates"),
        ("/account", "Your account"),
    ],
)
def test_the_navigation_marks_exactly_one_section_current(browser, make, path, current):
    """The main menu and the account's links in the header: one of them is current."""
    org = make.organisation()
    admin = make.user(admin=True)
    browser.sign_in(admin)
    page = browser.get(path.format(org=org.id, admin=admin.id))
    marked = page.soup.select(
        ".govuk-service-navigation__item--active, .app-header__account [aria-current=page]"
    )
    assert [" ".join(item.get_text().split()) for item in marked] == [current]


def test_the_account_s_links_sit_in_the_header_bar_for_everyone_signed_in(browser, make):
    org = make.organisation()
    for user in (make.user(admin=True), make.user(org=org, role="manager"), make.user(org=org)):
        browser.sign_in(user)
        page = browser.get("/my-training")
        account = page.soup.select_one(".govuk-generic-header nav.app-header__account")
        assert account["aria-label"] == "Your account"
        assert account.select_one("a")["href"] == "/account"
        sign_out = account.select_one("form")
        assert (sign_out["action"], sign_out.button.get_text()) == ("/sign-out", "Sign out")
        assert sign_out.select_one("input[name=csrf_token]")["value"]
        menu = page.soup.select_one(".govuk-service-navigation").get_text()
        assert "Your account" not in menu and "Sign out" not in menu
        browser.post("/sign-out")
    assert browser.get("/courses").soup.select_one(".app-header__account") is None


def test_a_manager_s_organisation_pages_mark_only_their_organisation(browser, make, session):
    org = make.organisation()
    browser.sign_in(make.user(org=org, role="manager"))
    for path in (f"/organisations/{org.id}", f"/organisations/{org.id}/external"):
        marked = browser.get(path).soup.select(".govuk-service-navigation__item--active")
        assert [" ".join(item.get_text().split()) for item in marked] == ["Your organisation"]
