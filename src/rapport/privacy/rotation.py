"""Online key rotation: a new data key becomes current, then every encrypted value is re-encrypted under it in
small transactions while the application keeps running.

Readers never stop: a value under the old key still decrypts (the old key stays in the keyring until nothing uses
it), and other processes pick up the new keyring within a second (KeyFile re-reads a changed file). A second pass
catches values that processes still on the old keyring wrote during the first. Only then, and only when no value
under an old key is left, may the old keys be retired (`--retire`).

Values stored before encryption was turned on (plain text in an encrypted column) are encrypted by the same pass,
and the customers' blind indexes are recomputed, so this is also how an older database is brought up to date.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Table, Text, bindparam, select, type_coerce, update

from rapport.customers import blind
from rapport.privacy import crypto
from rapport.store.models import Base

BATCH = 500


@dataclass
class RotationReport:
    new_key: str
    old_keys: list[str]
    rows: int = 0
    values: int = 0
    plaintext_encrypted: int = 0
    passes: int = 0
    seconds: float = 0.0
    remaining_under_old_keys: int = 0
    retired: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def encrypted_columns() -> dict[Table, list[str]]:
    """Every table with encrypted columns, and those columns (found from the models, so new ones are included)."""
    found: dict[Table, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        names = [c.name for c in table.columns if isinstance(c.type, crypto.Encrypted)]
        if names:
            found[table] = names
    return found


def key_usage(engine: Engine) -> Counter[str]:
    """How many stored values each key id encrypts ('plaintext' for values stored before encryption)."""
    usage: Counter[str] = Counter()
    for table, names in encrypted_columns().items():
        for rows in _batches(engine, table, names):
            for row in rows:
                for name in names:
                    raw = row[name]
                    if raw is not None:
                        usage[crypto.key_id_of(raw) or "plaintext"] += 1
    return usage


def rotate(engine: Engine, provider: crypto.KeyProvider, *, retire: bool = False, batch: int = BATCH) -> RotationReport:
    if not isinstance(provider, crypto.KeyFile):
        raise ValueError("this key provider rotates its keys itself (a KMS): re-encrypt with reencrypt() after it")
    old = provider.key_ids()
    new_key = provider.add_key()
    crypto.activate(provider)
    report = RotationReport(new_key=new_key, old_keys=old)
    started = time.perf_counter()
    reencrypt(engine, new_key, report, batch=batch)
    time.sleep(crypto.KEYRING_RELOAD_S + 0.5)  # every process now encrypts under the new key; catch what they wrote
    reencrypt(engine, new_key, report, batch=batch)
    report.seconds = round(time.perf_counter() - started, 2)
    left = key_usage(engine)
    report.remaining_under_old_keys = sum(n for key, n in left.items() if key != new_key)
    if retire and report.remaining_under_old_keys == 0:
        provider.retire(old)
        report.retired = old
    return report


def reencrypt(engine: Engine, key_id: str, report: RotationReport, *, batch: int = BATCH) -> None:
    """One pass: each value not under `key_id` is decrypted and encrypted again, `batch` rows per transaction."""
    report.passes += 1
    for table, names in encrypted_columns().items():
        contexts = {name: _context(table, name) for name in names}
        for rows in _batches(engine, table, names, batch=batch):
            changes = []
            for row in rows:
                new: dict[str, Any] = {}
                plain: dict[str, Any] = {}
                for name in names:
                    raw = row[name]
                    if raw is None:
                        continue
                    text = crypto.decrypt(raw, contexts[name])
                    plain[name] = text
                    if crypto.key_id_of(raw) != key_id:
                        report.plaintext_encrypted += not crypto.is_encrypted(raw)
                        new[name] = crypto.encrypt(text, contexts[name])
                if table.name == "customers" and (new or not row.get("search_bidx")):
                    new.update(blind.index_values(_customer_values(plain)))
                if new:
                    was = {f"_was_{name}": row[name] for name in names}
                    changes.append({"_id": row["id"], **was, **new})
                    report.values += sum(1 for n in new if n in names)
            if changes:
                _write(engine, table, changes, names)
                report.rows += len(changes)


def _context(table: Table, name: str) -> str:
    column_type = table.columns[name].type
    assert isinstance(column_type, crypto.Encrypted)
    return column_type.context


def _customer_values(plain: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {k: plain.get(k) for k in ("full_name", "email", "phone")}
    for key in ("emails", "phones"):
        values[key] = json.loads(plain[key]) if plain.get(key) else []
    return values


def _batches(engine: Engine, table: Table, names: list[str], *, batch: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    """The stored (raw) values, `batch` rows at a time, each batch read in its own short transaction."""
    extra = [table.c.search_bidx] if table.name == "customers" else []
    columns = [table.c.id, *(type_coerce(table.c[n], Text).label(n) for n in names), *extra]
    last = 0
    while True:
        with engine.connect() as conn:
            stmt = select(*columns).where(table.c.id > last).order_by(table.c.id).limit(batch)
            rows = [dict(r) for r in conn.execute(stmt).mappings()]
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]


def _write(engine: Engine, table: Table, changes: list[dict[str, Any]], encrypted: list[str]) -> None:
    """Each row only where its encrypted values are still the ones read: a row the application changed meanwhile
    is left alone (it was written under the new key, or the next pass takes it)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in changes:
        groups.setdefault(tuple(sorted(k for k in change if not k.startswith("_"))), []).append(change)
    with engine.begin() as conn:
        for columns, params in groups.items():
            unchanged = [
                type_coerce(table.c[c], Text).is_not_distinct_from(bindparam(f"_was_{c}", type_=Text()))
                for c in encrypted
            ]
            values = {c: bindparam(c, type_=Text()) for c in columns}
            stmt = update(table).where(table.c.id == bindparam("_id"), *unchanged).values(values)
            conn.execute(stmt, params)
