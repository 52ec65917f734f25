"""SQL the figures need written for each database: a column read in the order of an
index, and the London month of a timestamp."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import case, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from elearn.dates import london_moment


def read_in_order(column) -> ColumnElement:
    """The column, compared as it is; on SQLite written `+column`, which keeps the planner
    from looking up a range of it in an index, so that it reads an index in the order of
    the groups and distinct people it counts instead of sorting what a range gives."""
    return _ReadInOrder(column)


class _ReadInOrder(ColumnElement):
    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column) -> None:
        self.column = column
        self.type = column.type


@compiles(_ReadInOrder)
def _compile_read_in_order(element, compiler, **kw) -> str:
    return compiler.process(element.column, **kw)


@compiles(_ReadInOrder, "sqlite")
def _compile_read_in_order_sqlite(element, compiler, **kw) -> str:
    return "+" + compiler.process(element.column, **kw)


def london_month(column, months: list[str]):
    """YYYY-MM of a UTC timestamp in London, for the months of a period (the column is
    already within it): a CASE over the moments each month after the first starts in
    London, the same on every database (SQLite has no time zones). In summer 00:30 on
    1 July in London is 23:30 on 30 June in UTC, and counts in July."""
    if len(months) == 1:
        return literal(months[0])
    starts = [london_moment(date(int(m[:4]), int(m[5:]), 1), time.min) for m in months[1:]]
    return case(
        *((column < start, month) for start, month in zip(starts, months, strict=False)),
        else_=months[-1],
    )
