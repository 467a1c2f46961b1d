"""The baselines' side of the API and 360 sections: hand-written SQL over sqlite3, and a bare FastAPI app on it.

The bare app answers the same routes with the same JSON shapes from the same database under the same uvicorn
settings, and does nothing else: no token check, no access scope, no masking, no audit record, no decryption (an
encrypted column is returned as stored), no validation beyond FastAPI's. The gap between it and Rapport is what
those cost, plus the ORM.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

JSON_COLUMNS = {"emails", "phones", "addresses", "tags"}
BOOL_COLUMNS = {"consent_email", "consent_sms"}
RECENT = 50


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _row(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    for key in JSON_COLUMNS & out.keys():
        value = out[key]
        out[key] = json.loads(value) if value and value[0] in "[{" else value or []  # ciphertext stays as stored
    for key in BOOL_COLUMNS & out.keys():
        out[key] = bool(out[key])
    return out


def _all(conn: sqlite3.Connection, sql: str, *args: Any) -> list[dict[str, Any]]:
    return [_row(r) for r in conn.execute(sql, args)]


def customer(conn: sqlite3.Connection, customer_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM customers WHERE id = ? AND deleted_at IS NULL", (customer_id,)).fetchone()
    return None if row is None else _row(row)


def overview(conn: sqlite3.Connection, customer_id: int) -> dict[str, Any] | None:
    """What GET /api/customers/{id}/360 returns, in seven hand-written queries."""
    person = customer(conn, customer_id)
    if person is None:
        return None
    company = _all(conn, "SELECT * FROM companies WHERE id = ?", person["company_id"]) if person["company_id"] else []
    orders = _all(
        conn, "SELECT * FROM orders WHERE customer_id = ? ORDER BY placed_at DESC LIMIT ?", customer_id, RECENT
    )
    if orders:
        marks = ",".join("?" for _ in orders)
        lines: dict[int, list[dict[str, Any]]] = {}
        for line in _all(conn, f"SELECT * FROM order_lines WHERE order_id IN ({marks})", *[o["id"] for o in orders]):
            lines.setdefault(line["order_id"], []).append(line)
        for order in orders:
            order["lines"] = lines.get(order["id"], [])
    count, total, first, last = conn.execute(
        "SELECT count(id), sum(total), min(placed_at), max(placed_at) FROM orders "
        "WHERE customer_id = ? AND status != 'cancelled'",
        (customer_id,),
    ).fetchone()
    recent = "WHERE customer_id = ? ORDER BY {} DESC LIMIT ?"
    return {
        "customer": person,
        "company": company[0] if company else None,
        "order_summary": {
            "count": count,
            "total_spent": f"{total or 0:.2f}",
            "first_order_at": first,
            "last_order_at": last,
        },
        "orders": orders,
        "interactions": _all(conn, "SELECT * FROM interactions " + recent.format("occurred_at"), customer_id, RECENT),
        "tickets": _all(
            conn,
            "SELECT * FROM tickets WHERE customer_id = ? AND deleted_at IS NULL ORDER BY created_at DESC LIMIT ?",
            customer_id,
            RECENT,
        ),
        "deals": _all(conn, "SELECT * FROM deals " + recent.format("created_at"), customer_id, RECENT),
        "tasks": _all(conn, "SELECT * FROM tasks " + recent.format("created_at"), customer_id, RECENT),
    }


def columns(conn: sqlite3.Connection) -> set[str]:
    return {r[1] for r in conn.execute("PRAGMA table_info(customers)")}


def create_app(path: Path) -> Any:
    """The bare FastAPI app: one sqlite3 connection per thread, the routes the load mixes call."""
    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    local = threading.local()

    def db() -> sqlite3.Connection:
        if not hasattr(local, "conn"):
            local.conn = connect(path)
        conn: sqlite3.Connection = local.conn
        return conn

    @app.get("/api/customers")
    def list_customers(limit: int = 50, cursor: int = 0) -> dict[str, Any]:
        rows = _all(
            db(), "SELECT * FROM customers WHERE id > ? AND deleted_at IS NULL ORDER BY id LIMIT ?", cursor, limit + 1
        )
        more = len(rows) > limit
        rows = rows[:limit]
        return {"items": rows, "next_cursor": str(rows[-1]["id"]) if more and rows else None, "limit": limit}

    @app.get("/api/customers/{customer_id}")
    def get_customer(customer_id: int) -> dict[str, Any]:
        found = customer(db(), customer_id)
        if found is None:
            raise HTTPException(404, "no such customer")
        return found

    @app.get("/api/customers/{customer_id}/360")
    def customer_360(customer_id: int) -> dict[str, Any]:
        found = overview(db(), customer_id)
        if found is None:
            raise HTTPException(404, "no such customer")
        return found

    @app.post("/api/customers", status_code=201)
    def create_customer(body: dict[str, Any]) -> dict[str, Any]:
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        email = body.get("email")
        conn = db()
        has_blind = "search_bidx" in columns(conn)  # NOT NULL where fields are encrypted
        blind, blank = (", search_bidx", ", ''") if has_blind else ("", "")
        cursor = conn.execute(
            "INSERT INTO customers (full_name, language, email, emails, phones, addresses, lifecycle_stage, tags, "
            f"consent_email, consent_sms, source, created_at, updated_at{blind}) "
            f"VALUES (?, 'en', ?, ?, '[]', '[]', 'customer', '[]', 0, 0, 'bench', ?, ?{blank})",
            (body["full_name"], email, json.dumps([email] if email else []), now, now),
        )
        found = customer(conn, int(cursor.lastrowid or 0))
        assert found is not None
        return found

    @app.patch("/api/customers/{customer_id}")
    def update_customer(customer_id: int, body: dict[str, Any]) -> dict[str, Any]:
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        conn = db()
        conn.execute(
            "UPDATE customers SET lifecycle_stage = ?, updated_at = ? WHERE id = ?",
            (body.get("lifecycle_stage"), now, customer_id),
        )
        found = customer(conn, customer_id)
        if found is None:
            raise HTTPException(404, "no such customer")
        return found

    return app
