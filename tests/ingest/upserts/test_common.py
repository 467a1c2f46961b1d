"""Bulk statements the writers share: the SQLite fast insert stores exactly what SQLAlchemy's own insert stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, insert, select, text

from rapport.customers.models import Customer
from rapport.ingest.upserts.common import insert_rows, table
from rapport.privacy import crypto

NOW = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def _customer(name: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "full_name": name, "first_name": None, "last_name": None, "gender": None, "birth_date": None,
        "language": "en", "email": None, "phone": None, "emails": [], "phones": [], "addresses": [], "city": None,
        "country": None, "company_id": None, "owner_id": None, "lifecycle_stage": "customer", "tags": [],
        "consent_email": False, "consent_sms": False, "notes": None, "deleted_at": None, "source": "test",
        "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    return {**row, **values}


ROWS = [
    _customer("Ann Lee", emails=["ann@example.com"], phones=["+14155550134"], tags=["vip"], consent_email=True),
    _customer(
        "张伟",
        birth_date=date(1985, 6, 1),
        emails=["zw@163.com", "w@x.cn"],
        addresses=[{"line1": "淮海中路1号", "city": "上海", "country": "CN"}],
        tags=["会员", 'say "hi"', "back\\slash"],
        created_at=datetime(2021, 3, 4, 10, tzinfo=timezone(timedelta(hours=8))),
        notes="line one\nline two",
    ),
    _customer("Bo", emails=["tab\there@example.com"], deleted_at=NOW),
]


def _stored(connection: Connection, source: str) -> list[tuple[Any, ...]]:
    """The raw values in the table (what the driver stored, not read back through the column types); encrypted ones
    decrypted (their ciphertexts differ by design: each value has its own nonce)."""
    columns = [c for c in table(Customer).c if c.key not in ("id", "source")]
    sql = text(f"SELECT {', '.join(c.name for c in columns)} FROM customers WHERE source = :source ORDER BY id")
    return [
        tuple(
            crypto.decrypt(value, c.type.context) if isinstance(c.type, crypto.Encrypted) and value else value
            for c, value in zip(columns, row, strict=True)
        )
        for row in connection.execute(sql, {"source": source})
    ]


def test_insert_rows_stores_what_sqlalchemy_stores(connection: Connection) -> None:
    customers = table(Customer)

    connection.execute(insert(customers), [{**row, "source": "sqlalchemy"} for row in ROWS])
    insert_rows(connection, customers, [{**row, "source": "fast"} for row in ROWS])

    assert _stored(connection, "fast") == _stored(connection, "sqlalchemy")
    loaded = connection.execute(
        select(customers.c.tags, customers.c.created_at).where(customers.c.source == "fast").order_by(customers.c.id)
    )
    assert [tuple(r) for r in loaded] == [
        (["vip"], NOW),
        (["会员", 'say "hi"', "back\\slash"], datetime(2021, 3, 4, 2, tzinfo=UTC)),
        ([], NOW),
    ]


def test_insert_rows_fills_python_defaults_the_way_sqlalchemy_does(connection: Connection) -> None:
    customers = table(Customer)
    row = {"full_name": "Default Dee", "source": "defaults", "created_at": NOW, "updated_at": NOW}

    insert_rows(connection, customers, [row])

    stored = connection.execute(
        select(customers.c.language, customers.c.emails, customers.c.consent_email).where(
            customers.c.source == "defaults"
        )
    ).one()
    assert tuple(stored) == ("en", [], False)
