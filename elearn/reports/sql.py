"""SQL the figures need written for each database: a column read in the order of an
index, and the month of a timestamp."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from elearn.extensions import db


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


def month_of(column):
    """YYYY-MM of a UTC timestamp, in the database's own dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    # SQLite keeps it as text, "YYYY-MM-DD HH:MM:SS.ffffff" in UTC: its first seven
    # characters are the month (a third quicker than strftime over a year's completions).
    return func.substr(column, 1, 7)
