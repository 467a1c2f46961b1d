"""Filtered, sorted, searchable lists with keyset (cursor) pagination, for any table."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from rapport.errors import Invalid
from rapport.kit.clock import as_utc

T = TypeVar("T")

RANGE_SUFFIXES = {"__gte": "ge", "__lte": "le", "__gt": "gt", "__lt": "lt"}


@dataclass(frozen=True)
class ListQuery:
    """What a caller asked for: `sort` is a field name, `-` first for descending."""

    limit: int = 50
    cursor: str | None = None
    sort: str = "id"
    q: str | None = None
    filters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    limit: int


@dataclass(frozen=True)
class Listing:
    """Which columns of a table may be sorted, filtered and searched: a public contract, so it is explicit."""

    id_column: InstrumentedAttribute[Any]
    sortable: Mapping[str, InstrumentedAttribute[Any]]
    filterable: Mapping[str, InstrumentedAttribute[Any]]
    searchable: Sequence[InstrumentedAttribute[Any]] = ()
    # Encrypted fields: a filter name → the clause for an exact match (through a blind index), and a search that
    # is OR-ed with the plain columns' LIKE.
    exact_filters: Mapping[str, Callable[[str], ColumnElement[bool]]] = field(default_factory=dict)
    search: Callable[[str], ColumnElement[bool]] | None = None


def paginate(session: Session, stmt: Select[Any], listing: Listing, query: ListQuery) -> Page[Any]:
    stmt = _apply_filters(stmt, listing, query.filters)
    if query.q:
        stmt = _apply_search(stmt, listing, query.q)
    descending = query.sort.startswith("-")
    sort_name = query.sort.lstrip("-")
    if sort_name not in listing.sortable:
        raise Invalid(f"cannot sort by '{sort_name}'; sortable fields: {', '.join(sorted(listing.sortable))}")
    column = listing.sortable[sort_name]
    id_col = listing.id_column
    if query.cursor:
        value, last_id = _decode_cursor(query.cursor, sort_name, column)
        if column is id_col:
            stmt = stmt.where(id_col < last_id if descending else id_col > last_id)
        elif descending:
            stmt = stmt.where(or_(column < value, and_(column == value, id_col < last_id)))
        else:
            stmt = stmt.where(or_(column > value, and_(column == value, id_col > last_id)))
    order = [column.desc(), id_col.desc()] if descending else [column.asc(), id_col.asc()]
    if column is id_col:
        order = order[:1]
    rows = list(session.scalars(stmt.order_by(*order).limit(query.limit + 1)).unique())
    has_more = len(rows) > query.limit
    rows = rows[: query.limit]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = _encode_cursor(sort_name, getattr(last, column.key), last.id)
    return Page(items=rows, next_cursor=next_cursor, limit=query.limit)


def _apply_filters(stmt: Select[Any], listing: Listing, filters: Mapping[str, str]) -> Select[Any]:
    for raw_name, raw_value in filters.items():
        name, op = raw_name, "eq"
        for suffix, suffix_op in RANGE_SUFFIXES.items():
            if raw_name.endswith(suffix):
                name, op = raw_name[: -len(suffix)], suffix_op
        if name in listing.exact_filters:
            if op != "eq" or "\x00" in raw_value or len(raw_value) > 300:
                raise Invalid(
                    f"'{name}' is encrypted: it can only be matched exactly, with a value under 300 characters"
                )
            stmt = stmt.where(listing.exact_filters[name](raw_value))
            continue
        if name not in listing.filterable:
            names = ", ".join(sorted([*listing.filterable, *listing.exact_filters]))
            raise Invalid(f"cannot filter by '{name}'; filterable fields: {names}")
        column = listing.filterable[name]
        if raw_value == "" and op == "eq":
            stmt = stmt.where(column.is_(None))
            continue
        value = parse_value(column, raw_value, name)
        stmt = stmt.where(
            {"eq": column == value, "ge": column >= value, "le": column <= value, "gt": column > value}.get(
                op, column < value
            )
        )
    return stmt


def _apply_search(stmt: Select[Any], listing: Listing, q: str) -> Select[Any]:
    if not listing.searchable and listing.search is None:
        raise Invalid("this list has no text search")
    q = q.strip()
    if not q or len(q) > 200:
        raise Invalid("search text must be 1 to 200 characters")
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    clauses: list[ColumnElement[bool]] = [col.ilike(pattern, escape="\\") for col in listing.searchable]
    if listing.search is not None:
        clauses.append(listing.search(q))
    return stmt.where(or_(*clauses))


def parse_value(column: InstrumentedAttribute[Any], raw: str, name: str) -> Any:
    """Turn a query-string value into the column's Python type, or say plainly why it cannot be."""
    if "\x00" in raw:
        raise Invalid(f"'{name}' contains a NUL character")
    try:
        python_type = column.type.python_type
    except NotImplementedError:  # JSON and other exotic types are not filterable by value
        raise Invalid(f"'{name}' cannot be filtered by value") from None
    try:
        if python_type is bool:
            lowered = raw.lower()
            if lowered not in {"true", "false", "1", "0"}:
                raise ValueError
            return lowered in {"true", "1"}
        if python_type is int:
            value = int(raw)
            if abs(value) > 2**63 - 1:
                raise ValueError
            return value
        if python_type is Decimal:
            return Decimal(raw)
        if python_type is datetime:
            return as_utc(datetime.fromisoformat(raw))
        if python_type is date:
            return date.fromisoformat(raw)
    except (ValueError, InvalidOperation):
        raise Invalid(f"'{name}' must be a valid {python_type.__name__}, got {raw[:40]!r}") from None
    if len(raw) > 300:
        raise Invalid(f"'{name}' is too long")
    return raw


def _encode_cursor(sort_name: str, value: Any, last_id: int) -> str:
    if isinstance(value, datetime | date | Decimal):
        value = str(value) if not isinstance(value, datetime) else value.isoformat()
    raw = json.dumps([sort_name, value, last_id], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort_name: str, column: InstrumentedAttribute[Any]) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, value, last_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if name != sort_name or not isinstance(last_id, int):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise Invalid("the cursor is not valid for this list and sort; start again without it") from None
    if value is not None and not isinstance(value, int | float | bool):
        value = parse_value(column, str(value), sort_name)
    return value, last_id
