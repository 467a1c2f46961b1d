"""Field-level encryption: AES-GCM values bound to their column, blind-index search, no plaintext in the database
file (ORM, importer and raw reads alike), and online key rotation."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from rapport.customers import blind
from rapport.customers.models import Customer
from rapport.demo.files import write_customers
from rapport.ingest import pipeline
from rapport.ingest import service as ingest_service
from rapport.privacy import crypto, rotation
from rapport.privacy.access import system_principal
from rapport.settings import Settings
from rapport.store import migrate
from rapport.store.engine import make_engine, make_sessionmaker, session_scope

PERSON = {
    "full_name": "Zebulon Quistgaard",
    "email": "zebulon.quistgaard@example.org",
    "phone": "+14155550187",
    "birth_date": date(1979, 3, 14),
    "addresses": [{"line1": "77 Marigoldhaven Lane", "city": "Boston", "country": "US"}],
    "notes": "prefers Thursdays, allergic to Brazilnutzz",
}
SECRETS = ["Zebulon", "Quistgaard", "zebulon.quistgaard", "4155550187", "1979-03-14", "Marigoldhaven", "Brazilnutzz"]


def test_values_are_bound_to_their_column_and_tamper_evident() -> None:
    stored = crypto.encrypt("ann@example.com", "customers.email")

    assert stored.startswith("v1:")
    assert "ann" not in stored
    assert crypto.decrypt(stored, "customers.email") == "ann@example.com"
    assert crypto.encrypt("ann@example.com", "customers.email") != stored  # a fresh nonce each time
    with pytest.raises(crypto.UnreadableField):
        crypto.decrypt(stored, "customers.phone")  # copied into another column
    tampered = stored[:-4] + ("AAAA" if not stored.endswith("AAAA") else "BBBB")
    with pytest.raises(crypto.UnreadableField):
        crypto.decrypt(tampered, "customers.email")


def test_comparing_an_encrypted_column_fails_loudly() -> None:
    with pytest.raises(TypeError, match="blind index"):
        _ = Customer.email == "ann@example.com"
    with pytest.raises(TypeError, match="blind index"):
        Customer.full_name.like("%ann%")
    assert Customer.email.is_(None) is not None


def test_orm_reads_decrypt_and_blind_indexes_find_the_customer(session: Session) -> None:
    customer = Customer(**PERSON, emails=[PERSON["email"], "zq@work.example"], phones=[PERSON["phone"]])
    session.add(customer)
    session.flush()
    session.expire_all()

    found = session.scalars(select(Customer).where(blind.email_clause("ZQ@work.example"))).all()
    assert found == []  # the indexed email is the primary one; secondary ones are in the search index
    found = session.scalars(select(Customer).where(blind.search_clause("zq@work.example"))).all()
    assert [c.id for c in found] == [customer.id]
    again = session.scalars(select(Customer).where(blind.email_clause(PERSON["email"].upper()))).one()
    assert (again.full_name, again.birth_date, again.addresses[0]["line1"]) == (
        "Zebulon Quistgaard",
        date(1979, 3, 14),
        "77 Marigoldhaven Lane",
    )
    assert session.scalars(select(Customer).where(blind.search_clause("quist"))).one().id == customer.id
    raw = session.execute(text("SELECT email, full_name FROM customers WHERE id = :id"), {"id": customer.id}).one()
    assert all(v.startswith("v1:") for v in raw)


@pytest.fixture
def sqlite_file(tmp_path: Path) -> tuple[Path, Engine]:
    path = tmp_path / "plain.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path, make_engine(f"sqlite:///{path}")


def _file_bytes(path: Path) -> bytes:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_no_plaintext_of_encrypted_fields_in_the_database_file(
    sqlite_file: tuple[Path, Engine], tmp_path: Path
) -> None:
    path, engine = sqlite_file
    with session_scope(make_sessionmaker(engine)) as session:
        session.add(Customer(**PERSON, emails=[PERSON["email"]], phones=[PERSON["phone"]]))
    csv = tmp_path / "customers.csv"
    write_customers(csv, 30, seed=5)  # through the importer's executemany path
    with session_scope(make_sessionmaker(engine)) as session:
        batch = ingest_service.create(session, system_principal(), entity="customers", path=csv, source="demo")
        batch_id = batch.id
    pipeline.run_import(engine, batch_id, workers=0)
    with engine.connect() as conn:
        imported = conn.execute(select(Customer.full_name, Customer.email).where(Customer.source == "demo")).all()
    assert len(imported) >= 25
    engine.dispose()

    data = _file_bytes(path)

    leaks = [s for s in SECRETS if s.encode() in data]
    leaks += [value for row in imported for value in row if value and value.encode() in data]
    assert leaks == []


def test_rotation_reencrypts_everything_online_then_retires_the_old_key(
    sqlite_file: tuple[Path, Engine], tmp_path: Path
) -> None:
    _, engine = sqlite_file
    keys = crypto.activate(crypto.KeyFile(tmp_path / "keys" / "fields.json"))
    try:
        factory = make_sessionmaker(engine)
        with session_scope(factory) as session:
            session.add_all(
                [
                    Customer(full_name=f"Person {i}", email=f"p{i}@example.com", emails=[f"p{i}@example.com"])
                    for i in range(40)
                ]
            )
        with engine.begin() as conn:  # a row written before encryption was on: plain text, no blind index
            conn.execute(
                text(
                    "INSERT INTO customers (full_name, email, emails, phones, addresses, tags, language, "
                    "lifecycle_stage, consent_email, consent_sms, source, search_bidx, created_at, updated_at) "
                    "VALUES ('Legacy Lou', 'lou@example.com', :emails, '[]', '[]', '[]', 'en', 'customer', 0, 0, "
                    "'manual', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                ),
                {"emails": json.dumps(["lou@example.com"])},
            )
        old = keys.current_key_id()

        report = rotation.rotate(engine, keys, retire=True, batch=7)

        assert report.plaintext_encrypted >= 3  # Lou's name, email, lists
        assert report.remaining_under_old_keys == 0
        assert report.retired == [old]
        assert rotation.key_usage(engine).keys() == {report.new_key}
        with session_scope(factory) as session:
            lou = session.scalars(select(Customer).where(blind.email_clause("lou@example.com"))).one()
            assert lou.full_name == "Legacy Lou"
            assert (
                session.scalars(select(Customer).where(blind.email_clause("p39@example.com"))).one().full_name
                == "Person 39"
            )
        assert old not in json.loads((tmp_path / "keys" / "fields.json").read_text())["keys"]
    finally:
        crypto.use_settings(Settings())
