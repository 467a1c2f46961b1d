"""The SQL expressions behind metrics and time buckets, written once per database dialect (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, case, cast, distinct, func, literal
from sqlalchemy.sql.elements import KeyedColumnElement

from rapport.sales.models import Order, OrderLine

Form = Callable[[str], ColumnElement[Any]]
# Orders that did not bring money in: left out of revenue and average order value.
NOT_REVENUE = ("cancelled", "returned")


def count_rows(node: str) -> Form:
    def form(_dialect: str) -> ColumnElement[Any]:
        from rapport.ask.semantic import NODES

        pk: ColumnElement[Any] = NODES[node].model.id
        return func.count(pk)

    return form


def count_distinct(column: Any) -> Form:
    return lambda _dialect: func.count(distinct(column))


def total(column: Any) -> Form:
    return lambda _dialect: func.coalesce(func.sum(column), 0)


def avg(column: Any) -> Form:
    return lambda _dialect: func.avg(column)


def _counted(value: Any) -> ColumnElement[Any]:
    return case((Order.status.not_in(NOT_REVENUE), value), else_=None)


def revenue_of_orders(_dialect: str) -> ColumnElement[Any]:
    return func.coalesce(func.sum(_counted(Order.total)), 0)


def revenue_of_lines(_dialect: str) -> ColumnElement[Any]:
    return func.coalesce(func.sum(_counted(OrderLine.line_total)), 0)


def avg_order_value(_dialect: str) -> ColumnElement[Any]:
    return func.avg(_counted(Order.total))


def units_sold(_dialect: str) -> ColumnElement[Any]:
    return func.coalesce(func.sum(_counted(OrderLine.quantity)), 0)


def hours_between(start: Any, end: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def avg_hours(start: Any, end: Any) -> Form:
    return lambda dialect: func.avg(hours_between(start, end, dialect))


def time_bucket(column: KeyedColumnElement[Any] | ColumnElement[Any], grain: str, dialect: str) -> ColumnElement[str]:
    """A sortable text label: 2026, 2026-Q3, 2026-09, 2026-W38 (week of the year), 2026-09-14."""
    if dialect == "postgresql":
        utc = func.timezone("UTC", column)
        pattern = {
            "year": "YYYY",
            "quarter": 'YYYY-"Q"Q',
            "month": "YYYY-MM",
            "week": 'IYYY-"W"IW',
            "day": "YYYY-MM-DD",
        }[grain]
        return func.to_char(utc, pattern)
    if grain == "quarter":
        month = cast(func.strftime("%m", column), Integer)
        quarter = cast((month + 2) // 3, String)
        return func.strftime("%Y", column) + literal("-Q") + quarter
    pattern = {"year": "%Y", "month": "%Y-%m", "week": "%Y-W%W", "day": "%Y-%m-%d"}[grain]
    return func.strftime(pattern, column)
