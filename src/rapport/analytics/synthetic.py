"""Synthetic purchase histories as frames, made with numpy: for the scale benchmark and for tests.

Each customer follows the story BG/NBD tells: a first purchase at a random day, then purchases at a personal
Poisson rate (Gamma across customers) until they drop out after an exponential lifetime (so some lapse). Order
values are log-normal around a personal mean. Nothing touches a database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from rapport.analytics.frames import Frames

CHANNELS = ("web", "app", "store", "marketplace")
CATEGORIES = ("Electronics", "Home", "Beauty", "Sports", "Books", "Toys", "Grocery", "Fashion")
SENTIMENTS = ("very_negative", "negative", "neutral", "positive", "very_positive")


def frames(
    customers: int,
    *,
    orders_per_customer: float = 10.0,
    years: float = 3.0,
    as_of: datetime | None = None,
    seed: int = 0,
    with_lines: bool = True,
    with_tickets: bool = True,
) -> Frames:
    """About `customers * orders_per_customer` orders over `years` up to `as_of`."""
    rng = np.random.default_rng(seed)
    as_of = as_of or datetime(2026, 1, 1, tzinfo=UTC)
    span_days = years * 365.0
    start = as_of - timedelta(days=span_days)
    ids = np.arange(1, customers + 1, dtype=np.int64)
    first = rng.uniform(0.0, span_days, customers)
    lifetime = rng.exponential(span_days * 0.6, customers)
    active_days = np.minimum(first + lifetime, span_days) - first
    # Mean rate chosen so the expected order count matches orders_per_customer on average.
    rate = rng.gamma(shape=0.8, scale=1.0, size=customers)
    scale = (orders_per_customer - 1.0) / max(float(np.mean(rate * active_days)), 1e-9)
    repeats = rng.poisson(rate * scale * active_days)
    counts = repeats + 1
    owner = np.repeat(ids, counts)
    offsets = np.repeat(first, counts)
    spans = np.repeat(active_days, counts)
    is_first = np.zeros(len(owner), dtype=bool)
    is_first[np.concatenate([[0], np.cumsum(counts)[:-1]])] = True
    day = offsets + np.where(is_first, 0.0, rng.uniform(0.0, 1.0, len(owner)) * spans)
    spend = np.repeat(rng.lognormal(3.5, 0.6, customers), counts) * rng.lognormal(0.0, 0.3, len(owner))
    placed = pl.Series(np.datetime64(start.replace(tzinfo=None), "us") + (day * 86_400e6).astype("timedelta64[us]"))
    n_orders = len(owner)
    orders = pl.DataFrame(
        {
            "order_id": np.arange(1, n_orders + 1, dtype=np.int64),
            "customer_id": owner,
            "placed_at": placed.dt.replace_time_zone("UTC"),
            "status": np.where(rng.random(n_orders) < 0.03, "cancelled", "delivered"),
            "channel": np.array(CHANNELS)[rng.choice(len(CHANNELS), n_orders, p=[0.55, 0.3, 0.1, 0.05])],
            "total": np.round(spend, 2),
        }
    )
    signup = pl.Series(np.datetime64(start.replace(tzinfo=None), "us") + (first * 86_400e6).astype("timedelta64[us]"))
    people = pl.DataFrame(
        {
            "customer_id": ids,
            "full_name": [f"Customer {i}" for i in ids] if customers <= 100_000 else None,
            "language": "en",
            "created_at": signup.dt.replace_time_zone("UTC"),
        }
    )
    parts: dict[str, pl.DataFrame] = {"customers": people, "orders": orders}
    if with_lines:
        parts.update(_lines(rng, orders))
    if with_tickets:
        parts["tickets"] = _tickets(rng, ids, first, start)
    return Frames.of(**parts)


def _lines(rng: np.random.Generator, orders: pl.DataFrame) -> dict[str, pl.DataFrame]:
    n_products = 40
    products = pl.DataFrame(
        {
            "product_id": np.arange(1, n_products + 1, dtype=np.int64),
            "name": [f"{CATEGORIES[i % len(CATEGORIES)]} item {i}" for i in range(n_products)],
            "category": [CATEGORIES[i % len(CATEGORIES)] for i in range(n_products)],
            "brand": [f"Brand{i % 5}" for i in range(n_products)],
        }
    )
    # One line per order keeps the frame as large as the orders; the favourite product depends on the customer.
    favourite = (orders["customer_id"].to_numpy() * 7919) % n_products
    other = rng.integers(0, n_products, orders.height)
    chosen = np.where(rng.random(orders.height) < 0.7, favourite, other) + 1
    lines = pl.DataFrame(
        {"order_id": orders["order_id"], "product_id": chosen, "quantity": 1, "line_total": orders["total"]}
    )
    return {"order_lines": lines, "products": products}


def _tickets(rng: np.random.Generator, ids: np.ndarray, first: np.ndarray, start: datetime) -> pl.DataFrame:
    n = len(ids) // 3
    who = rng.choice(len(ids), n)
    day = first[who] + rng.uniform(0, 200, n)
    created = pl.Series(np.datetime64(start.replace(tzinfo=None), "us") + (day * 86_400e6).astype("timedelta64[us]"))
    return pl.DataFrame(
        {
            "ticket_id": np.arange(1, n + 1, dtype=np.int64),
            "customer_id": ids[who],
            "subject": "Where is my order?",
            "status": "solved",
            "sentiment": np.array(SENTIMENTS)[rng.choice(len(SENTIMENTS), n)],
            "created_at": created.dt.replace_time_zone("UTC"),
            "resolved_at": (created + timedelta(days=2)).dt.replace_time_zone("UTC"),
        }
    )
