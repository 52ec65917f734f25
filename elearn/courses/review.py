"""The review cycle: courses and contacts whose facts were last checked too long ago.

Statistics, the law and phone numbers change within a certificate's life. A course's
`reviewed` date and a contact's `confirmed` date say when someone last checked them;
twelve months later they are due again, and CST admins are told (on their tasks page, on
the dashboard and by `flask content check --due`) who checks the facts: a course's owner,
or the Community Safety Team for the contacts. The words they read are in one place,
templates/admin/_review_due.html.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from elearn.courses.catalogue import Catalogue, Course
from elearn.dates import add_months

REVIEW_MONTHS = 12
DEFAULT_OWNER = "the Community Safety Team"
CONTACTS_OWNER = "the Community Safety Team"


@dataclass(frozen=True)
class DueReview:
    kind: str  # "course" or "contact"
    key: str
    title: str
    checked: date
    due: date
    tell: str  # who checks the facts: the course's owner, or CST for a contact


def review_due_on(checked: date) -> date:
    return add_months(checked, REVIEW_MONTHS)


def course_is_due(course: Course, today: date) -> bool:
    return course.reviewed is not None and review_due_on(course.reviewed) <= today


def due_for_review(catalogue: Catalogue, today: date) -> list[DueReview]:
    """Every course and contact due for review on `today`, the longest overdue first."""
    courses = [
        DueReview(
            "course",
            course.slug,
            course.title,
            course.reviewed,
            review_due_on(course.reviewed),
            course.owner or DEFAULT_OWNER,
        )
        for course in catalogue
        if course_is_due(course, today)
    ]
    contacts = [
        DueReview(
            "contact",
            contact.key,
            contact.name,
            contact.confirmed,
            review_due_on(contact.confirmed),
            CONTACTS_OWNER,
        )
        for contact in catalogue.contacts.values()
        if review_due_on(contact.confirmed) <= today
    ]
    return sorted(courses + contacts, key=lambda item: (item.due, item.kind, item.key))
