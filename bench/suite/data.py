"""The scale data set, written straight into a fresh SQLite file through the project's own schema.

`rapport init` (migrations, the default pipeline) and the demo generator with zero customers lay down what the app
needs around the data (staff with the demo logins, 240 products, the knowledge base, one company). The bulk rows
(customers, orders with one line each, tickets, interactions) are then drawn column-wise with numpy, formatted to
SQLite's storage shapes by Polars (SQLAlchemy's datetime text, JSON text) and written with `executemany` in large
transactions: the demo generator builds Python dicts per row, which takes hours at a million customers.
Orders follow `rapport.analytics.synthetic` (BG/NBD-like purchase histories), so analytics sees realistic data.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

BATCH_ROWS = 200_000
STAMP = "%Y-%m-%d %H:%M:%S%.6f"  # how SQLAlchemy's DateTime stores a naive UTC time on SQLite
FIRST = ("James", "Mary", "Wei", "Li", "Olivia", "Noah", "Emma", "Liam", "Fang", "Jun", "Sofia", "Lucas", "Mia")
LAST = ("Smith", "Wang", "Johnson", "Zhang", "Brown", "Chen", "Garcia", "Liu", "Miller", "Davis", "Huang", "Wilson")
CITIES = (("London", "GB"), ("New York", "US"), ("Shanghai", "CN"), ("Beijing", "CN"), ("Toronto", "CA"))
PHRASES = (
    "Where is my order? The tracking page has not changed for a week.",
    "I would like a refund for the damaged charger.",
    "Thanks, the headphones arrived early and sound great.",
    "Can I change the delivery address after paying?",
    "我的订单什么时候发货？",
    "Called about the renewal; they want a quote for 20 seats.",
)
KINDS = ("email", "chat", "review", "note", "call_note")


@dataclass(frozen=True)
class Sizes:
    """Row counts at a scale: 1.0 is 1,000,000 customers, 10,000,000 orders and 2,000,000 interactions."""

    customers: int
    orders_per_customer: float = 10.0
    interactions_per_customer: float = 2.0

    @classmethod
    def at(cls, scale: float) -> Sizes:
        return cls(customers=max(round(1_000_000 * scale), 50))


def build(path: Path, sizes: Sizes, *, as_of: datetime, seed: int = 1) -> dict[str, float]:
    """A fresh database at `path` with the demo scaffolding and the bulk rows; returns counts and seconds."""
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    use_keys(path.parent)
    started = time.perf_counter()
    _scaffold(path)
    scaffold_s = time.perf_counter() - started
    started = time.perf_counter()
    counts = _bulk(path, sizes, as_of, seed)
    bulk_s = time.perf_counter() - started
    rows = sum(counts.values())
    return {**counts, "scaffold_s": scaffold_s, "bulk_s": bulk_s, "rows_per_s": rows / max(bulk_s, 1e-9)}


def _scaffold(path: Path) -> None:
    from sqlalchemy.orm import Session

    from rapport.cli.db import ensure_default_pipeline
    from rapport.demo import generator
    from rapport.store import migrate
    from rapport.store.engine import make_engine

    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        ensure_default_pipeline(session)
        session.commit()
    generator.generate(engine, customers=0)  # staff (demo logins), products, knowledge articles, one company
    engine.dispose()


def _bulk(path: Path, sizes: Sizes, as_of: datetime, seed: int) -> dict[str, float]:
    from rapport.analytics import synthetic

    rng = np.random.default_rng(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")  # a benchmark file: rebuilt, never recovered
    conn.execute("PRAGMA cache_size=-262144")  # 256 MiB of page cache keeps the index b-trees in memory
    products = [row[0] for row in conn.execute("SELECT id FROM products ORDER BY id")]
    staff = [row[0] for row in conn.execute("SELECT id FROM users ORDER BY id")]
    company = conn.execute("SELECT min(id) FROM companies").fetchone()[0]
    frames = synthetic.frames(
        sizes.customers,
        orders_per_customer=sizes.orders_per_customer,
        as_of=as_of,
        seed=seed,
        with_lines=False,
        with_tickets=True,
    )
    customers = _customers(rng, frames.customers, staff, company)
    orders = frames.orders
    counts = {
        "customers": _write_customers(path, customers),
        "orders": _write(conn, "orders", _orders(orders, as_of)),
        "order_lines": _write(conn, "order_lines", _lines(rng, orders, products)),
        "tickets": _write(conn, "tickets", _tickets(frames.tickets)),
    }
    counts["interactions"] = _write(conn, "interactions", _interactions(rng, frames.customers, sizes, as_of, staff))
    conn.execute("ANALYZE")
    conn.close()
    return {name: float(count) for name, count in counts.items()}


def _customers(rng: np.random.Generator, people: pl.DataFrame, staff: list[int], company: int) -> pl.DataFrame:
    n = people.height
    first = np.array(FIRST)[rng.integers(0, len(FIRST), n)]
    last = np.array(LAST)[rng.integers(0, len(LAST), n)]
    city = rng.integers(0, len(CITIES), n)
    country = np.array([c for _, c in CITIES])[city]
    owner = np.where(rng.random(n) < 0.85, np.array(staff)[rng.integers(0, len(staff), n)], 0)
    frame = pl.DataFrame(
        {
            "id": people["customer_id"],
            "first_name": first,
            "last_name": last,
            "city": np.array([c for c, _ in CITIES])[city],
            "country": country,
            "language": np.where(country == "CN", "zh", "en"),
            "company_id": pl.Series(np.where(rng.random(n) < 0.05, company, 0)).replace(0, None),
            "owner_id": pl.Series(owner).replace(0, None),
            "consent_email": rng.random(n) < 0.6,
            "consent_sms": rng.random(n) < 0.3,
            "created_at": people["created_at"],
        }
    )
    return frame.with_columns(
        full_name=pl.concat_str("first_name", pl.lit(" "), "last_name"),
        email=pl.concat_str(
            pl.col("first_name").str.to_lowercase(),
            pl.lit("."),
            pl.col("last_name").str.to_lowercase(),
            pl.col("id").cast(pl.String),
            pl.lit("@example.com"),
        ),
        phone=pl.concat_str(pl.lit("+1202555"), (pl.col("id") % 10_000).cast(pl.String).str.zfill(4)),
    )


def _write_customers(path: Path, frame: pl.DataFrame) -> int:
    """Customers go through SQLAlchemy Core, so the columns' own types do their work (field encryption where the
    schema has it) and the blind indexes are filled as the demo generator fills them."""
    from sqlalchemy import insert

    from rapport.customers.models import Customer
    from rapport.store.engine import make_engine

    try:
        from rapport.customers import blind  # field encryption: present once privacy's work has landed

        index_values: Any = blind.index_values
    except ImportError:
        index_values = None
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        for batch in _batches(frame, 20_000):
            rows = []
            for values in batch.iter_rows(named=True):
                values |= {
                    "emails": [values["email"]],
                    "phones": [values["phone"]],
                    "addresses": [{"city": values["city"], "country": values["country"]}],
                    "lifecycle_stage": "customer",
                    "tags": [],
                    "source": "bench",
                    "updated_at": values["created_at"],
                }
                rows.append(values | index_values(values) if index_values else values)
            conn.execute(insert(Customer), rows)
            conn.commit()
    engine.dispose()
    return frame.height


def _orders(orders: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    placed = orders["placed_at"].dt.replace_time_zone(None)
    stamp = placed.dt.strftime(STAMP)
    return pl.DataFrame(
        {
            "id": orders["order_id"],
            "number": (orders["order_id"] + 10_000).cast(pl.String),
            "customer_id": orders["customer_id"],
            "placed_at": stamp,
            "status": orders["status"],
            "channel": orders["channel"],
            "currency": "USD",
            "subtotal": orders["total"],
            "discount": 0.0,
            "shipping": 0.0,
            "total": orders["total"],
            "shipped_at": None,
            "delivered_at": None,
            "tracking_number": None,
            "source": "bench",
            "created_at": stamp,
            "updated_at": stamp,
        }
    )


def _lines(rng: np.random.Generator, orders: pl.DataFrame, products: list[int]) -> pl.DataFrame:
    n = orders.height
    return pl.DataFrame(
        {
            "id": orders["order_id"],
            "order_id": orders["order_id"],
            "product_id": np.array(products)[rng.integers(0, len(products), n)],
            "quantity": 1,
            "unit_price": orders["total"],
            "line_total": orders["total"],
        }
    )


def _tickets(tickets: pl.DataFrame) -> pl.DataFrame:
    created = tickets["created_at"].dt.replace_time_zone(None).dt.strftime(STAMP)
    resolved = tickets["resolved_at"].dt.replace_time_zone(None).dt.strftime(STAMP)
    return pl.DataFrame(
        {
            "id": tickets["ticket_id"],
            "customer_id": tickets["customer_id"],
            "subject": tickets["subject"],
            "status": tickets["status"],
            "priority": "normal",
            "channel": "email",
            "resolved_at": resolved,
            "intent": "order_status",
            "sentiment": tickets["sentiment"],
            "language": "en",
            "created_at": created,
            "updated_at": resolved,
        }
    )


def _interactions(
    rng: np.random.Generator, people: pl.DataFrame, sizes: Sizes, as_of: datetime, staff: list[int]
) -> pl.DataFrame:
    n = round(people.height * sizes.interactions_per_customer)
    who = rng.integers(0, people.height, n)
    ids = people["customer_id"].to_numpy()[who]
    start = people["created_at"].dt.replace_time_zone(None).to_numpy()[who]
    span = (np.datetime64(as_of.replace(tzinfo=None), "us") - start).astype(np.int64)
    at = pl.Series(start + (rng.random(n) * span).astype("timedelta64[us]")).dt.strftime(STAMP)
    kind = np.array(KINDS)[rng.integers(0, len(KINDS), n)]
    body = np.array(PHRASES)[rng.integers(0, len(PHRASES), n)]
    rating = np.where(kind == "review", rng.integers(1, 6, n), 0)
    return pl.DataFrame(
        {
            "id": np.arange(1, n + 1, dtype=np.int64),
            "customer_id": ids,
            "kind": kind,
            "direction": np.where(np.isin(kind, ("note", "call_note")), "internal", "inbound"),
            "body": body,
            "language": "en",
            "rating": pl.Series(rating).replace(0, None),
            "author_id": np.array(staff)[rng.integers(0, len(staff), n)],
            "occurred_at": at,
            "created_at": at,
            "updated_at": at,
        }
    )


def _write(conn: sqlite3.Connection, table: str, frame: pl.DataFrame) -> int:
    """INSERT the frame in transactions of BATCH_ROWS rows; columns not in the frame take their defaults (NULL)."""
    columns = ", ".join(frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    for batch in _batches(frame):
        conn.execute("BEGIN")
        conn.executemany(sql, batch.iter_rows())
        conn.execute("COMMIT")
    return frame.height


def _batches(frame: pl.DataFrame, size: int = BATCH_ROWS) -> Iterator[pl.DataFrame]:
    for offset in range(0, frame.height, size):
        yield frame.slice(offset, size)


def use_keys(data_dir: Path) -> None:
    """Encrypt with the keyring in `data_dir` (where the servers started on this database will look for it)."""
    try:
        from rapport.privacy import crypto
    except ImportError:  # a tree without field encryption
        return
    from rapport.settings import Settings

    crypto.use_settings(Settings(data_dir=data_dir))
