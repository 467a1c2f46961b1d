"""Keyset pagination, sorting, filters and search over any table."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.customers.models import Customer
from rapport.customers.service import customers
from rapport.errors import Invalid
from rapport.store.listing import ListQuery, paginate
from tests.factories import make_customer


def _walk(session: Session, **kwargs: object) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        query = ListQuery(limit=2, cursor=cursor, **kwargs)  # type: ignore[arg-type]
        page = paginate(session, select(Customer), customers.listing, query)
        seen += [c.id for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen


def test_descending_sort_on_a_non_unique_column_visits_every_row_once(session: Session) -> None:
    made = [make_customer(session, full_name=name).id for name in ["b", "a", "b", "c", "a"]]

    seen = _walk(session, sort="-full_name", filters={"source": "manual"})

    assert sorted(seen) == sorted(made)
    names = [session.get(Customer, i).full_name for i in seen]  # type: ignore[union-attr]
    assert names == sorted(names, reverse=True)


def test_range_filter(session: Session) -> None:
    first = make_customer(session)
    second = make_customer(session)

    page = paginate(session, select(Customer), customers.listing, ListQuery(filters={"created_at__gte": "2000-01-01"}))

    assert {first.id, second.id} <= {c.id for c in page.items}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (ListQuery(sort="password"), "cannot sort by"),
        (ListQuery(filters={"secret": "1"}), "cannot filter by"),
        (ListQuery(cursor="garbage"), "cursor is not valid"),
        (ListQuery(filters={"owner_id": "abc"}), "must be a valid int"),
    ],
)
def test_bad_list_queries_say_why(session: Session, query: ListQuery, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        paginate(session, select(Customer), customers.listing, query)
