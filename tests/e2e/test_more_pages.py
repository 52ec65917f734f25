"""axe-core on the pages the journeys do not reach, as a visitor and as a CST admin."""

from __future__ import annotations

from tests.e2e.helpers import PASSWORD, sign_in

VISITOR_PAGES = [
    "/",
    "/courses",
    "/courses/hate-crime",
    "/courses/facing-facts",
    "/courses/counter-terrorism-awareness",
    "/contacts",
    "/sign-in",
    "/reset-password",
    "/join",
    "/create-account",
    "/privacy",
    "/accessibility",
    "/verify/NOT-A-REAL-CODE",
    "/no-such-page",
]
ADMIN_PAGES = [
    "/my-training",
    "/certificates",
    "/certificates/external",
    "/account",
    "/account/password",
    "/account/two-factor",
    "/admin/organisations",
    "/admin/organisations/new",
    "/admin/users?q=a",
    "/admin/external",
    "/courses/hate-crime/what-hate-crime-is",
]


def test_visitor_pages(server, page, accessibility):
    _, base = server
    for path in VISITOR_PAGES:
        page.goto(base + path)
        accessibility.check(page)


def test_every_module_of_every_course_as_a_learner(server, page, accessibility):
    """Each shipped course read in order, every module and quiz page checked at both widths
    and printed: on paper no page is blank and nothing of the site's menus shows."""
    import pypdfium2
    from sqlalchemy.orm import Session

    from elearn.courses.catalogue import current_catalogue
    from elearn.extensions import db
    from tests.conftest import Factory

    app, base = server
    with app.app_context(), Session(db.engine) as session:
        courses = list(current_catalogue())
        Factory(session).user("reader@journey.example", password=PASSWORD)
    sign_in(page, base, "reader@journey.example")
    for course in courses:
        page.goto(f"{base}/courses/{course.slug}")
        accessibility.check(page)
        for module in course.modules:
            page.goto(f"{base}/courses/{course.slug}/{module.slug}")
            assert page.locator("h1").inner_text() == module.title
            accessibility.check(page)
            printed = pypdfium2.PdfDocument(page.pdf(format="A4"))
            texts = [printed[n].get_textpage().get_text_range() for n in range(len(printed))]
            assert all(text.strip() for text in texts), f"a blank page: {module.slug}"
            assert "Sign out" not in texts[0] and "Your account" not in texts[0]


def test_signed_in_pages(server, page, accessibility):
    app, base = server
    from elearn.admin.operations import create_admin_user

    with app.app_context():
        create_admin_user("pages@journey.example", "Page Checker", PASSWORD)
    sign_in(page, base, "pages@journey.example")
    for path in ADMIN_PAGES:
        page.goto(base + path)
        accessibility.check(page)


def test_a_manager_prepares_and_downloads_everyone_s_certificates(server, page, accessibility):
    """The zip prepared by a task, at each of its stages, in the browser."""
    from playwright.sync_api import expect
    from sqlalchemy.orm import Session

    from elearn.certificates.codes import new_code
    from elearn.dates import london_today
    from elearn.extensions import db
    from elearn.models import ArchiveStatus, CertificateArchive
    from tests.conftest import Factory

    app, base = server
    previous = app.config.get("CERTIFICATE_ZIP_DIRECT_LIMIT")
    app.config["CERTIFICATE_ZIP_DIRECT_LIMIT"] = 1  # as a large organisation's would be
    try:
        with app.app_context(), Session(db.engine, expire_on_commit=False) as session:
            make = Factory(session)
            org = make.organisation("Zip Holdings Ltd")
            for number in range(2):
                member = make.user(org=org, full_name=f"Zip Member {number}")
                make.certificate(make.completion(member), new_code())
            manager = make.user(
                "zip.manager@journey.example", org=org, role="manager", password=PASSWORD
            )
            session.add(  # an earlier one that failed
                CertificateArchive(
                    organisation_id=org.id,
                    requested_by_id=manager.id,
                    certificates=2,
                    status=ArchiveStatus.FAILED,
                )
            )
            session.commit()
        sign_in(page, base, "zip.manager@journey.example")
        page.goto(f"{base}/organisations/{org.id}/members")
        page.get_by_role("link", name="Download everyone's certificates (zip)").click()
        expect(page.locator("h1")).to_have_text("Everyone's certificates")
        expect(page.get_by_text("could not be finished")).to_be_visible()
        accessibility.check(page)
        page.get_by_role("button", name="Prepare the zip").click()
        expect(page.get_by_text("Your zip is being prepared")).to_be_visible()
        accessibility.check(page)  # the task ran where it was queued (the suite's queue)
        page.reload()
        expect(page.get_by_text("Your zip is ready")).to_be_visible()
        accessibility.check(page)
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the zip of 2 certificates").click()
        assert download.value.suggested_filename == (
            f"Zip Holdings Ltd - certificates - {london_today():%Y-%m-%d}.zip"
        )
    finally:
        if previous is None:
            app.config.pop("CERTIFICATE_ZIP_DIRECT_LIMIT")
        else:
            app.config["CERTIFICATE_ZIP_DIRECT_LIMIT"] = previous
