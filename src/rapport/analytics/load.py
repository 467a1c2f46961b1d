"""The one module that reads the database for analytics: tables into Polars frames, in bulk, on SQLite or PostgreSQL.

SQLAlchemy Core selects stream rows in batches (no ORM objects), money is cast to float in SQL, and the UTC column
type hands back aware datetimes on both databases. Soft-deleted customers and tickets are left out (deleted
products stay: old orders still name them).
Message bodies are read for the last `text_days` only: interests read recent text, and old bodies are the bulk.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Connection, Float, Select, and_, case, cast, literal, select

from rapport.analytics.frames import SCHEMAS, Frames
from rapport.customers.models import Customer
from rapport.interactions.models import Interaction
from rapport.kit.clock import utcnow
from rapport.sales.models import Order, OrderLine, Product
from rapport.tickets.models import Ticket

BATCH_ROWS = 50_000


def frames(conn: Connection, *, as_of: datetime | None = None, text_days: int = 730) -> Frames:
    """Every table analytics reads, as frames. Rows after `as_of` are left out when it is given."""
    orders = select(
        Order.id,
        Order.customer_id,
        Order.number,
        Order.placed_at,
        Order.status,
        Order.channel,
        cast(Order.total, Float),
    )
    tickets = select(
        Ticket.id,
        Ticket.customer_id,
        Ticket.subject,
        Ticket.status,
        Ticket.intent,
        Ticket.sentiment,
        Ticket.created_at,
        Ticket.resolved_at,
    ).where(Ticket.deleted_at.is_(None))
    interactions = select(
        Interaction.id,
        Interaction.customer_id,
        Interaction.ticket_id,
        Interaction.product_id,
        Interaction.kind,
        Interaction.direction,
        Interaction.sentiment,
        Interaction.rating,
        Interaction.body,
        Interaction.occurred_at,
    )
    customers = select(Customer.id, Customer.full_name, Customer.language, Customer.owner_id, Customer.created_at)
    customers = customers.where(Customer.deleted_at.is_(None))
    if as_of is not None:
        orders = orders.where(Order.placed_at <= as_of)
        tickets = tickets.where(Ticket.created_at <= as_of)
        interactions = interactions.where(Interaction.occurred_at <= as_of)
    if text_days:
        interactions = _recent_bodies(interactions, as_of, text_days)
    lines = select(OrderLine.order_id, OrderLine.product_id, OrderLine.quantity, cast(OrderLine.line_total, Float))
    products = select(Product.id, Product.name, Product.name_zh, Product.category, Product.brand)
    read = {
        "customers": customers,
        "orders": orders,
        "order_lines": lines,
        "products": products,
        "tickets": tickets,
        "interactions": interactions,
    }
    parts = {name: _frame(conn, name, stmt) for name, stmt in read.items()}
    # Customers soft-deleted since their orders were placed: their orders go too, so no insight names them.
    known = parts["customers"].select("customer_id")
    for name in ("orders", "tickets", "interactions"):
        parts[name] = parts[name].join(known, on="customer_id", how="semi")
    return Frames.of(**parts)


def _recent_bodies(stmt: Any, as_of: datetime | None, text_days: int) -> Any:
    """Only inbound bodies of the last `text_days` are read; older rows keep their metadata with an empty body."""
    since = (as_of or utcnow()) - timedelta(days=text_days)
    keep = and_(Interaction.direction == "inbound", Interaction.occurred_at >= since)
    columns = [
        c if c.name != "body" else case((keep, Interaction.body), else_=literal("")).label("body")
        for c in stmt.selected_columns
    ]
    return stmt.with_only_columns(*columns)


def _frame(conn: Connection, name: str, stmt: Select[Any]) -> pl.DataFrame:
    schema = SCHEMAS[name]
    # Per statement: Connection.execution_options() would change the connection itself for every later statement.
    result = conn.execute(stmt.execution_options(yield_per=BATCH_ROWS))
    chunks = [pl.DataFrame([tuple(row) for row in batch], schema=schema, orient="row") for batch in result.partitions()]
    if not chunks:
        return pl.DataFrame(schema=schema)
    return pl.concat(chunks, rechunk=True)
