"""Writers: each takes one chunk of prepared rows and inserts, updates or leaves alone the records they describe.

They work on a Core `Connection` with one query per kind of lookup per chunk (existing ids `IN (…)`) and bulk
inserts and updates (executemany), never one ORM object or SELECT per row: an import of a million customers spends
its time cleaning values, not waiting on the database. Rows that name the same record twice within a chunk are
applied in order, so the result is the one a row-by-row import would give.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from sqlalchemy import Connection

from rapport.ingest.rows import Prepared
from rapport.ingest.upserts.common import Outcome, WriteContext
from rapport.ingest.upserts.customers import write as write_customers
from rapport.ingest.upserts.orders import write as write_orders
from rapport.ingest.upserts.records import write_companies, write_interactions, write_products, write_tickets

Writer = Callable[[Connection, WriteContext, list[Prepared]], list[Outcome]]

WRITERS: Final[dict[str, Writer]] = {
    "customers": write_customers,
    "orders": write_orders,
    "companies": write_companies,
    "products": write_products,
    "interactions": write_interactions,
    "tickets": write_tickets,
}

__all__ = ["WRITERS", "Outcome", "WriteContext", "Writer"]
