"""The loader reads every table analytics needs into frames, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
from sqlalchemy.orm import Session

from rapport.analytics import load
from rapport.analytics.frames import SCHEMAS
from rapport.interactions.models import Interaction
from rapport.kit.clock import utcnow
from tests.factories import make_customer, make_order, make_product, make_ticket


def test_tables_arrive_as_typed_frames_with_utc_times_and_float_money(session: Session) -> None:
    customer = make_customer(session, full_name="Ada Lovelace")
    product = make_product(session, category="Books", brand="Papyrus")
    order = make_order(session, customer, product, placed_at=utcnow() - timedelta(days=3))
    ticket = make_ticket(session, customer, sentiment="negative")
    session.add(
        Interaction(customer_id=customer.id, kind="email", direction="inbound", body="Hello", occurred_at=utcnow())
    )
    session.flush()

    frames = load.frames(session.connection())

    for name, schema in SCHEMAS.items():
        assert dict(getattr(frames, name).schema) == schema
    orders = frames.orders.filter(pl.col("order_id") == order.id)
    assert orders["total"].to_list() == [19.99]
    assert orders["placed_at"].to_list()[0] == order.placed_at
    lines = frames.order_lines.filter(pl.col("order_id") == order.id)
    assert lines["product_id"].to_list() == [product.id]
    assert frames.products.filter(pl.col("product_id") == product.id)["category"].to_list() == ["Books"]
    assert frames.tickets.filter(pl.col("ticket_id") == ticket.id)["sentiment"].to_list() == ["negative"]
    said = frames.interactions.filter(pl.col("customer_id") == customer.id)
    assert said["body"].to_list() == ["Hello"]


def test_deleted_customers_and_rows_after_the_date_are_left_out(session: Session) -> None:
    kept, gone = make_customer(session), make_customer(session, deleted_at=utcnow())
    make_order(session, kept, placed_at=utcnow() - timedelta(days=10))
    future = make_order(session, kept, placed_at=utcnow() + timedelta(days=10))
    make_order(session, gone, placed_at=utcnow() - timedelta(days=10))

    frames = load.frames(session.connection(), as_of=utcnow())

    ids = set(frames.customers["customer_id"].to_list())
    assert kept.id in ids
    assert gone.id not in ids
    assert gone.id not in set(frames.orders["customer_id"].to_list())
    assert future.id not in set(frames.orders["order_id"].to_list())


def test_old_message_bodies_are_not_read(session: Session) -> None:
    customer = make_customer(session)
    session.add_all(
        [
            Interaction(
                customer_id=customer.id,
                kind="email",
                direction="inbound",
                body="old news",
                occurred_at=utcnow() - timedelta(days=1000),
            ),
            Interaction(
                customer_id=customer.id, kind="email", direction="outbound", body="our reply", occurred_at=utcnow()
            ),
        ]
    )
    session.flush()

    frames = load.frames(session.connection(), text_days=730)

    bodies = frames.interactions.filter(pl.col("customer_id") == customer.id)["body"].to_list()
    assert sorted(bodies) == ["", ""]
