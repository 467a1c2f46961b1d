"""Analytics fixtures: a small shop in the database (active, lapsed and one-time buyers) and frame builders."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.analytics.frames import Frames
from rapport.customers.models import Customer
from rapport.interactions.models import Interaction
from rapport.kit.clock import utcnow
from rapport.sales.models import Order, OrderLine, Product
from tests.factories import make_customer, make_product, make_ticket

KINDS = ("active", "lapsed", "one_time")


@dataclass
class Shop:
    now: datetime
    customers: list[Customer]
    kinds: dict[int, str]
    products: list[Product]
    orders: dict[int, list[Order]] = field(default_factory=dict)


def seed_shop(session: Session, *, customers: int = 75, owner: User | None = None, owned: int = 10) -> Shop:
    """`customers` customers in three kinds by turn: active (ordering every month or two until now), lapsed (stopped
    250-500 days ago) and one-time; the first `owned` belong to `owner`. Some have tickets, messages and reviews."""
    now = utcnow()
    products = [
        make_product(
            session,
            name="Voltra Wireless Earbuds",
            name_zh="蓝牙耳机",
            category="Electronics",
            brand="Voltra",
            price=Decimal("59.00"),
        ),
        make_product(
            session, name="Voltra Phone Charger", category="Electronics", brand="Voltra", price=Decimal("19.00")
        ),
        make_product(session, name="Papyrus Notebook", category="Books", brand="Papyrus", price=Decimal("9.50")),
        make_product(session, name="Papyrus Novel Box", category="Books", brand="Papyrus", price=Decimal("35.00")),
        make_product(session, name="Greenly Hose", category="Garden", brand="Greenly", price=Decimal("24.00")),
        make_product(session, name="Greenly Shears", category="Garden", brand="Greenly", price=Decimal("42.00")),
    ]
    shop = Shop(now=now, customers=[], kinds={}, products=products)
    number = 0
    for i in range(customers):
        rng = random.Random(i)
        kind = KINDS[i % 3]
        start = now - timedelta(days=rng.uniform(400, 800))
        customer = make_customer(
            session, created_at=start - timedelta(days=3), owner_id=owner.id if owner and i < owned else None
        )
        if kind == "active":
            days = _dates(rng, start, now - timedelta(days=rng.uniform(1, 40)), rng.uniform(30, 60))
        elif kind == "lapsed":
            days = _dates(rng, start, now - timedelta(days=rng.uniform(250, 500)), rng.uniform(20, 50))
        else:
            days = [now - timedelta(days=rng.uniform(5, 700))]
        favourite = products[i % len(products)]
        orders = []
        for placed in days:
            number += 1
            product = favourite if rng.random() < 0.7 else rng.choice(products)
            quantity = rng.choice((1, 1, 2))
            total = product.price * quantity
            order = Order(
                number=f"AN{i:03d}-{number}",
                customer_id=customer.id,
                placed_at=placed,
                status="delivered",
                channel="app" if i % 2 else "web",
                subtotal=total,
                total=total,
                lines=[OrderLine(product_id=product.id, quantity=quantity, unit_price=product.price, line_total=total)],
            )
            orders.append(order)
        session.add_all(orders)
        shop.customers.append(customer)
        shop.kinds[customer.id] = kind
        shop.orders[customer.id] = orders
        _conversation(session, customer, i, orders, products, now)
    session.flush()
    return shop


def _dates(rng: random.Random, start: datetime, end: datetime, gap_days: float) -> list[datetime]:
    days, at = [], start
    while at <= end:
        days.append(at)
        at += timedelta(days=rng.expovariate(1 / gap_days) + 1)
    return days or [start]


def _conversation(
    session: Session, customer: Customer, i: int, orders: list[Order], products: list[Product], now: datetime
) -> None:
    if i % 5 == 0:
        make_ticket(
            session,
            customer,
            subject="My earbuds stopped working",
            status="open",
            sentiment="negative",
            created_at=now - timedelta(days=3),
        )
    if i % 7 == 0:
        make_ticket(
            session,
            customer,
            subject="Thanks for the quick delivery",
            status="solved",
            sentiment="positive",
            created_at=now - timedelta(days=60),
            resolved_at=now - timedelta(days=58),
        )
    if i % 4 == 0:
        session.add(
            Interaction(
                customer_id=customer.id,
                kind="email",
                direction="inbound",
                body="Do you have more Voltra gear? I love the charger.",
                sentiment="positive",
                occurred_at=now - timedelta(days=10),
            )
        )
    if i % 6 == 0:
        session.add(
            Interaction(
                customer_id=customer.id,
                product_id=products[4].id,
                kind="review",
                direction="inbound",
                body="Sturdy and long enough.",
                rating=5,
                occurred_at=orders[-1].placed_at + timedelta(days=5),
            )
        )


@pytest.fixture
def shop(session: Session) -> Shop:
    return seed_shop(session)


def frames_of(
    *,
    orders: list[dict[str, Any]] | None = None,
    customers: list[dict[str, Any]] | None = None,
    lines: list[dict[str, Any]] | None = None,
    products: list[dict[str, Any]] | None = None,
    tickets: list[dict[str, Any]] | None = None,
    interactions: list[dict[str, Any]] | None = None,
) -> Frames:
    """Frames from rows (missing columns are null). Orders default to status delivered, channel web; customers are
    derived from the orders when not given."""
    orders = [{"status": "delivered", "channel": "web", **o} for o in orders or []]
    order_ids = [{"order_id": n, **o} for n, o in enumerate(orders, start=1)]
    if customers is None:
        first: dict[int, datetime] = {}
        for o in orders:
            first[o["customer_id"]] = min(first.get(o["customer_id"], o["placed_at"]), o["placed_at"])
        customers = [{"customer_id": c, "created_at": at, "full_name": f"C{c}"} for c, at in first.items()]
    parts: dict[str, pl.DataFrame] = {}
    for name, rows in (
        ("customers", customers),
        ("orders", order_ids),
        ("order_lines", lines),
        ("products", products),
        ("tickets", tickets),
        ("interactions", interactions),
    ):
        if rows:
            parts[name] = pl.DataFrame(rows, infer_schema_length=None)
    return Frames.of(**parts)
