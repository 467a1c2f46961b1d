"""Sections on the database: import rate, API under load, customer 360, search, analytics."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import time
from typing import Any

from suite import bare
from suite.common import BENCH, Context, interleaved, load, quantiles, row, server


def import_rate(ctx: Context) -> list[dict[str, Any]]:
    """Rapport's import pipeline (cleaning, validation, upserts, quarantine) against pandas read_csv + to_sql, each in
    its own process via bench/import_customers.py, on a generated customers CSV of up to 100,000 rows."""
    from rapport.demo.files import write_customers

    rows = min(100_000, max(ctx.customers // 10, 1000))
    workdir = ctx.workdir / "import"
    workdir.mkdir(parents=True, exist_ok=True)
    csv = workdir / f"customers_{rows}.csv"
    if not csv.exists():
        write_customers(csv, rows)
    figures = {}
    for phase in ("pandas", "import"):
        command = [sys.executable, str(BENCH / "import_customers.py"), "--phase", phase, "--rows", str(rows)]
        done = subprocess.run(
            [*command, "--workdir", str(workdir)], check=True, capture_output=True, text=True, timeout=3600
        )
        figures[phase] = json.loads(done.stdout.strip().splitlines()[-1])
    ours, theirs = figures["import"], figures["pandas"]
    note = f"{rows:,} CSV rows; {ours['inserted']:,} inserted, {ours['quarantined']:,} quarantined"
    return [
        row("import rate", "rows/s", ours["rows"] / ours["seconds"], theirs["rows"] / theirs["seconds"],
            "pandas read_csv + to_sql", better="higher", note=note),
    ]  # fmt: skip


def api(ctx: Context) -> list[dict[str, Any]]:
    """Throughput and latency under closed-loop load from a separate process, read mix then write mix, Rapport's app
    against the bare FastAPI app on the same database (one uvicorn process each, one after the other; the write
    mix runs after the read mix, so reads never see the other server's new rows)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for kind in ("rapport", "bare"):
        with server(kind, ctx.db) as (base, token):
            for mix in ("read", "write"):
                found[(mix, kind)] = load(base, token, mix, ctx)
    rows = []
    # Throughput and latency count answered requests; the errors are listed in the note.
    what = {"read": "list 40% / get 40% / 360 20%", "write": "create 50% / update 50%"}
    for mix in ("read", "write"):
        ours, theirs = found[(mix, "rapport")], found[(mix, "bare")]
        errors = f"errors {ours['errors']} {ours['error_kinds'] or ''} vs {theirs['errors']}"
        note = f"{what[mix]}; {ctx.concurrency} clients, {ctx.load_s:g} s each; {errors}"
        rows += [
            row(f"API {mix} mix throughput", "req/s", ours["requests_per_s"], theirs["requests_per_s"],
                "bare FastAPI + sqlite3", better="higher", note=note),
            row(f"API {mix} mix latency p50", "ms", ours["p50_ms"], theirs["p50_ms"], "bare FastAPI + sqlite3",
                better="lower"),
            row(f"API {mix} mix latency p99", "ms", ours["p99_ms"], theirs["p99_ms"], "bare FastAPI + sqlite3",
                better="lower"),
        ]  # fmt: skip
    return rows


def _admin(session: Any) -> Any:
    from rapport.accounts import service as account_service

    return account_service.principal_for(account_service.get_by_email(session, "admin@rapport-demo.com"), via="api")


def customer360(ctx: Context) -> list[dict[str, Any]]:
    """The 360 view built and serialised in-process (customer_flows.overview, with its audit record, one transaction
    per call as the API does) against the same sections by hand-written SQL (bench/suite/bare.py), interleaved."""
    from rapport.customers import flows as customer_flows
    from rapport.store.engine import make_engine, make_sessionmaker, session_scope

    engine = make_engine(ctx.url)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as session:
        principal = _admin(session)
    conn = bare.connect(ctx.db)
    rng = random.Random(3)
    keys = [rng.randint(1, ctx.customers) for _ in range(ctx.requests)]

    def ours(customer_id: int) -> str:
        with session_scope(factory) as session:
            return customer_flows.overview(session, principal, customer_id).model_dump_json()

    def theirs(customer_id: int) -> str:
        return json.dumps(bare.overview(conn, customer_id), default=str)

    a, b = interleaved(ours, theirs, keys, ctx.budget_s)
    engine.dispose()
    (a50, a99), (b50, b99) = quantiles(a), quantiles(b)
    note = f"{len(a)} random customers, in-process, JSON included"
    return [
        row("customer 360 p50", "ms", a50, b50, "hand-written SQL (sqlite3)", better="lower", note=note),
        row("customer 360 p99", "ms", a99, b99, "hand-written SQL (sqlite3)", better="lower"),
    ]


def search(ctx: Context) -> list[dict[str, Any]]:
    """The API's customer search (`q`, first 50 by id) called through the service the route calls, against a
    brute-force substring scan of name, email, phone and city held (decrypted, lower-cased) in a Python list.
    Queries are the e-mail addresses of random customers: each matches one row, so both look at every row."""
    from rapport.customers import service as customer_service
    from rapport.store.engine import make_engine, make_sessionmaker, session_scope
    from rapport.store.listing import ListQuery

    engine = make_engine(ctx.url)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as session:
        principal = _admin(session)
    from sqlalchemy import select

    from rapport.customers.models import Customer

    started = time.perf_counter()
    columns = (Customer.id, Customer.full_name, Customer.email, Customer.phone, Customer.city)
    with engine.connect() as conn:  # through the column types: plaintext even where the fields are encrypted
        stored = conn.execute(select(*columns).where(Customer.deleted_at.is_(None))).all()
    table = [(r[0], *(str(v or "").lower() for v in r[1:])) for r in stored]
    load_s = time.perf_counter() - started
    rng = random.Random(5)
    picks = [rng.randint(1, ctx.customers) for _ in range(max(ctx.requests // 3, 20))]
    emails = {r[0]: r[2] for r in table}
    terms = {i: emails[i] for i in picks}

    def ours(key: int) -> int:
        with session_scope(factory) as session:
            return len(customer_service.list_customers(session, principal, ListQuery(limit=50, q=terms[key])).items)

    def theirs(key: int) -> int:
        needle = terms[key].lower()
        found = [r[0] for r in table if any(needle in cell for cell in r[1:])]
        return len(sorted(found)[:50])

    a, b = interleaved(ours, theirs, picks, ctx.budget_s)
    engine.dispose()
    (a50, a99), (b50, _) = quantiles(a), quantiles(b)
    note = f"{len(a)} queries over {len(table):,} customers; p99 {a99:.1f} ms; the scan's list took {load_s:.1f} s"
    return [row("customer search p50", "ms", a50, b50, "brute-force Python scan", better="lower", note=note)]


def analytics(ctx: Context) -> list[dict[str, Any]]:
    """Rapport's whole analytics job (load from the database, features, RFM, segments, CLV, churn with reasons,
    cohorts, stored) against pandas read_sql + a groupby RFM; then the RFM step alone, Polars against pandas, on
    the same orders in memory (bench/analytics_scale.py's two implementations)."""
    import gc

    import analytics_scale
    import pandas as pd
    import polars as pl

    from rapport.analytics import service as analytics_service
    from rapport.settings import Settings
    from rapport.store.engine import make_engine

    engine = make_engine(ctx.url)
    settings = Settings(data_dir=ctx.db.parent, database_url=ctx.url, log_level="WARNING")
    started = time.perf_counter()
    run = analytics_service.run_analytics(engine, settings, as_of=ctx.as_of, via="bench")
    job_s = time.perf_counter() - started
    status, error = run.status, run.error
    engine.dispose()
    gc.collect()
    started = time.perf_counter()
    with sqlite3.connect(ctx.db) as conn:
        orders = pd.read_sql(
            "SELECT id AS order_id, customer_id, placed_at, status, total FROM orders", conn, parse_dates=["placed_at"]
        )
    analytics_scale.rfm_pandas(orders)
    pandas_s = time.perf_counter() - started
    # The same orders for both RFM implementations, already in memory: the step alone, without loading.
    polars_orders = pl.DataFrame({name: orders[name].to_numpy() for name in orders.columns}).with_columns(
        pl.col("placed_at").dt.replace_time_zone("UTC")
    )
    gc.collect()
    started = time.perf_counter()
    analytics_scale.rfm_polars(polars_orders)
    polars_rfm_s = time.perf_counter() - started
    gc.collect()
    started = time.perf_counter()
    analytics_scale.rfm_pandas(orders)
    pandas_rfm_s = time.perf_counter() - started
    rows = [
        row(
            "RFM step",
            "s",
            polars_rfm_s,
            pandas_rfm_s,
            "pandas groupby RFM",
            better="lower",
            note=f"{len(orders):,} orders in memory",
        ),
    ]
    if status != "succeeded":  # a figure for a job that stopped half-way would flatter it
        rows[0]["note"] += f"; the analytics job {status}: {error}"
        return rows
    note = "the job also fits CLV and churn and explains every score, which the baseline does not"
    return [
        row("analytics job", "s", job_s, pandas_s, "pandas read_sql + RFM groupby", better="lower", note=note),
        *rows,
    ]  # fmt: skip
