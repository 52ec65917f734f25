"""Pages of a long list: the page asked for in the address, read leniently, and one page
of a statement's rows with how many there are in all, for GOV.UK's pagination."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from elearn.extensions import db

PER_PAGE = 25
MAX_PAGE = 10**9  # beyond any list: larger numbers mean the last page too


def page_number(value: str | None) -> int:
    """?page= from 1; 0, -1, text or nothing is the first page."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()):
        return 1
    if len(value) > len(str(MAX_PAGE)):  # int() refuses more than 4,300 digits
        return MAX_PAGE
    return max(1, min(int(value), MAX_PAGE))


@dataclass(frozen=True)
class Paged:
    rows: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)

    def numbers(self) -> list[int | None]:
        """The page links GOV.UK's pagination shows: the first, the last, this page and
        its neighbours, with None for an ellipsis between."""
        wanted = sorted(
            {1, self.pages, *range(self.page - 1, self.page + 2)} & set(range(1, self.pages + 1))
        )
        shown: list[int | None] = []
        for number in wanted:
            if shown and number - shown[-1] > 1:
                shown.append(None)
            shown.append(number)
        return shown


def paginate(statement: Select, page: int, per_page: int = PER_PAGE) -> Paged:
    """One page of a statement's rows (one entity each) and how many there are in all; a
    page past the end is the last. A filtered list is counted in the same pass as its
    page is found (a window function): a search reads every row once, not twice. An
    unfiltered one is counted apart, which databases answer from an index."""
    if statement.whereclause is None:
        total = _count(statement)
        page = min(page, max(1, -(-total // per_page)))
        rows = db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page))
        return Paged(rows=list(rows), total=total, page=page, per_page=per_page)
    numbered = statement.add_columns(func.count().over())

    def rows_of(page: int) -> list:
        return db.session.execute(numbered.limit(per_page).offset((page - 1) * per_page)).all()

    found = rows_of(page)
    if not found and page > 1:
        page = max(1, -(-_count(statement) // per_page))
        found = rows_of(page)
    total = found[0][1] if found else 0
    return Paged(rows=[row[0] for row in found], total=total, page=page, per_page=per_page)


def _count(statement: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))


def paged(rows: list, page: int, per_page: int = PER_PAGE) -> Paged:
    """One page of rows already in hand (figures a report worked out); past the end, the last."""
    page = min(page, max(1, -(-len(rows) // per_page)))
    start = (page - 1) * per_page
    return Paged(rows=rows[start : start + per_page], total=len(rows), page=page, per_page=per_page)
