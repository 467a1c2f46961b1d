"""What every writer shares: the outcome of a row, the write context, bulk statements and reference lookups."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from rapidfuzz import fuzz
from sqlalchemy import JSON, Connection, Table, bindparam, func, insert, select, update
from sqlalchemy.engine import Dialect

from rapport.accounts.models import User
from rapport.customers import blind
from rapport.customers import service as customer_service
from rapport.customers.models import Customer, CustomerSourceId
from rapport.ingest.cleaning import has_cjk
from rapport.ingest.freetext import detect_language
from rapport.ingest.models import ExternalId
from rapport.ingest.rows import FieldError, Options, Prepared
from rapport.privacy.access import Principal, Reach
from rapport.privacy.crypto import Encrypted


@dataclass
class Outcome:
    kind: str  # inserted | updated | unchanged | quarantined
    record_id: int | None = None
    errors: list[FieldError] = field(default_factory=list)


def quarantined(row: Prepared, field_name: str, code: str, message: str) -> Outcome:
    return Outcome("quarantined", errors=[*row.errors, FieldError(field_name, None, code, message)])


@dataclass
class WriteContext:
    source: str  # the system the file came from: external ids are per system
    batch_id: int | None
    principal: Principal
    now: datetime
    options: Options
    warnings: Counter[str] = field(default_factory=Counter)

    @property
    def owns_only(self) -> bool:
        """Sales and support reps see only their own customers, so what they import becomes theirs."""
        return self.principal.reach == Reach.own


def table(model: Any) -> Table:
    result: Table = model.__table__
    return result


def insert_rows(conn: Connection, target: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Bulk insert of rows that share their keys (one executemany).

    On SQLite the rows go to the driver's executemany as tuples, each value through its column's own bind processor
    (the same conversion SQLAlchemy makes, so the stored values are identical), converted once per distinct value
    where values repeat (the chunk's timestamps, flags, dates). SQLAlchemy's per-row parameter handling cost more
    than SQLite's own work for wide rows such as customers'."""
    if not rows:
        return
    given = set(rows[0])
    keys = tuple(column.key for column in target.c if column.key in given)  # the order the compiled INSERT has
    if (
        conn.dialect.name != "sqlite"
        or len(keys) != len(given)
        or any(column.default is not None and column.key not in given for column in target.c if not column.primary_key)
    ):
        conn.execute(insert(target), list(rows))  # PostgreSQL, or Python-side defaults to fill: SQLAlchemy's way
        return
    columns = []
    for key in keys:
        values = [row[key] for row in rows]
        process = target.c[key].type._cached_bind_processor(conn.dialect)
        if process is None:
            pass
        elif isinstance(target.c[key].type, Encrypted):
            values = [process(value) for value in values]  # each its own nonce: equal values stay unlinkable
        elif isinstance(target.c[key].type, JSON) and getattr(conn.dialect, "_json_serializer", None) is None:
            values = [_json_text(value) if value is not None else process(value) for value in values]
        else:
            values = _processed(process, values)
        columns.append(values)
    sql = _insert_sql(conn.dialect, target, keys)
    conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def _json_text(value: Any) -> str:
    """`json.dumps(value)`, what SQLAlchemy's JSON type stores by default; a list of one plain ASCII string (an
    email, a phone, a tag), the commonest value, is written directly: JSON escapes nothing in it."""
    if value.__class__ is list:
        if not value:
            return "[]"
        if len(value) == 1:
            item = value[0]
            if item.__class__ is str and item.isascii() and item.isprintable() and '"' not in item and "\\" not in item:
                return f'["{item}"]'
    return _JSON_ENCODE(value)


def _processed(process: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """Each value through `process`, once per distinct value (timestamps and flags repeat across a chunk)."""
    done: dict[Any, Any] = {}
    out = []
    for value in values:
        try:
            out.append(done[value])
        except KeyError:
            done[value] = converted = process(value)
            out.append(converted)
    return out


_JSON_ENCODE: Final = json.JSONEncoder().encode  # json.dumps with its defaults, without its per-call checks
_INSERTS: dict[tuple[str, str, tuple[str, ...]], str] = {}


def _insert_sql(dialect: Dialect, target: Table, keys: tuple[str, ...]) -> str:
    cache_key = (dialect.name, target.name, keys)
    if cache_key not in _INSERTS:
        _INSERTS[cache_key] = str(insert(target).compile(dialect=dialect, column_keys=list(keys)))
    return _INSERTS[cache_key]


def insert_returning_ids(conn: Connection, target: Table, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Bulk insert (one executemany); the new ids in the order of `rows`."""
    if not rows:
        return []
    if conn.dialect.name == "sqlite":
        # SQLite gives each new row of an INTEGER PRIMARY KEY table max(rowid) + 1, and from its first insert this
        # transaction holds the only write lock: the new ids are the last n. A plain executemany is many times
        # faster than RETURNING, which SQLite's driver runs one row at a time.
        insert_rows(conn, target, rows)
        last = conn.execute(select(func.max(target.c.id))).scalar_one()
        return list(range(last - len(rows) + 1, last + 1))
    stmt = insert(target).returning(target.c.id, sort_by_parameter_order=True)
    return [row[0] for row in conn.execute(stmt, list(rows))]


def update_many(conn: Connection, target: Table, changes: Iterable[tuple[int, dict[str, Any]]]) -> None:
    """Bulk updates grouped by the set of columns they change (one executemany per group)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for record_id, values in changes:
        if values:
            groups.setdefault(tuple(sorted(values)), []).append({"_id": record_id, **values})
    for columns, params in groups.items():
        stmt = update(target).where(target.c.id == bindparam("_id")).values({c: bindparam(c) for c in columns})
        conn.execute(stmt, params)


def fingerprint(*parts: Any) -> str:
    """A stable key for a record that has no id in its source system (a `#` marks it as ours)."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return "#" + hashlib.sha1(text.encode()).hexdigest()[:24]


def names_compatible(a: str | None, b: str | None) -> bool:
    """Could these two names belong to one person? Guards matching on a shared (family) email or phone."""
    if not a or not b or "@" in a or "@" in b or a.startswith("+") or b.startswith("+"):
        return True
    return fuzz.token_sort_ratio(a.lower(), b.lower()) >= 70


def users_by_email(conn: Connection, emails: Iterable[str | None]) -> dict[str, int]:
    wanted = {e for e in emails if e}
    if not wanted:
        return {}
    users = table(User)
    return {
        email: uid for uid, email in conn.execute(select(users.c.id, users.c.email).where(users.c.email.in_(wanted)))
    }


def external_ids(conn: Connection, entity: str, system: str, ids: Iterable[str | None]) -> dict[str, int]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    ext = table(ExternalId)
    stmt = select(ext.c.external_id, ext.c.record_id).where(
        ext.c.entity == entity, ext.c.system == system, ext.c.external_id.in_(wanted)
    )
    return {external_id: record_id for external_id, record_id in conn.execute(stmt)}


def add_external_ids(conn: Connection, entity: str, system: str, pairs: Iterable[tuple[str, int]]) -> None:
    rows = [{"entity": entity, "system": system, "external_id": e, "record_id": r} for e, r in pairs]
    insert_rows(conn, table(ExternalId), rows)


def customer_ids_by_source(conn: Connection, system: str, ids: Iterable[str | None]) -> dict[str, int]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    src = table(CustomerSourceId)
    stmt = select(src.c.external_id, src.c.customer_id).where(src.c.system == system, src.c.external_id.in_(wanted))
    return {external_id: customer_id for external_id, customer_id in conn.execute(stmt)}


def resolve_customers(
    conn: Connection, ctx: WriteContext, rows: list[Prepared], *, create: bool
) -> list[Outcome | None]:
    """Set `customer_id` on each row from its customer's id in the source system or email; a row whose customer
    is unknown gets an outcome (quarantined), unless `create` makes the customer from the row's email and name."""
    by_source = customer_ids_by_source(conn, ctx.source, (r.values.get("customer_external_id") for r in rows))
    emails = {str(r.values["customer_email"]) for r in rows if r.values.get("customer_email")}
    by_email = _customers_by_email(conn, ctx.principal, emails)
    outcomes: list[Outcome | None] = []
    to_create: dict[str, dict[str, Any]] = {}
    for row in rows:
        v = row.values
        customer_id = by_source.get(v.get("customer_external_id") or "") or by_email.get(v.get("customer_email") or "")
        if customer_id is None and v.get("customer_external_id") and not v.get("customer_email"):
            outcomes.append(
                quarantined(
                    row, "customer", "not_found", f"no customer has id {v['customer_external_id']} in {ctx.source}"
                )
            )
            continue
        if customer_id is None and not create:
            outcomes.append(
                quarantined(row, "customer", "not_found", f"no customer has the email {v['customer_email']}")
            )
            continue
        if customer_id is None:
            to_create.setdefault(v["customer_email"], _stub_customer(ctx, v))
        v["customer_id"] = customer_id
        outcomes.append(None)
    if to_create:
        stubs = [{**row, **blind.index_values(row)} for row in to_create.values()]
        ids = insert_returning_ids(conn, table(Customer), stubs)
        created = dict(zip(to_create, ids, strict=True))
        ctx.warnings["customers created from their email (not in Rapport yet)"] += len(created)
        for row, outcome in zip(rows, outcomes, strict=True):
            if outcome is None and row.values["customer_id"] is None:
                row.values["customer_id"] = created[row.values["customer_email"]]
    return outcomes


def _customers_by_email(conn: Connection, principal: Principal, emails: set[str]) -> dict[str, int]:
    if not emails:
        return {}
    customers = table(Customer)
    by_index = {blind.email_index(email): email for email in emails}
    stmt = (
        select(customers.c.email_bidx, customers.c.id)
        .where(customers.c.email_bidx.in_(list(by_index)), customers.c.deleted_at.is_(None))
        .order_by(customers.c.id.desc())
    )
    visible = customer_service.visible_ids(principal)
    if visible is not None:
        stmt = stmt.where(customers.c.id.in_(visible))
    return {
        by_index[index]: value for index, value in conn.execute(stmt)
    }  # the last (lowest) id wins: the oldest customer with the email


def _stub_customer(ctx: WriteContext, v: dict[str, Any]) -> dict[str, Any]:
    email = v["customer_email"]
    name = v.get("customer_name") or email
    phone = v.get("customer_phone")
    return customer_row(
        ctx,
        {
            "full_name": name,
            "email": email,
            "emails": [email],
            "phone": phone,
            "phones": [phone] if phone else [],
            "language": "zh" if has_cjk(name) else (detect_language(name) or "en"),
        },
    )


CUSTOMER_DEFAULTS: dict[str, Any] = {
    "full_name": "",
    "first_name": None,
    "last_name": None,
    "gender": None,
    "birth_date": None,
    "language": "en",
    "email": None,
    "phone": None,
    "emails": [],
    "phones": [],
    "addresses": [],
    "city": None,
    "country": None,
    "company_id": None,
    "owner_id": None,
    "lifecycle_stage": "customer",
    "tags": [],
    "consent_email": False,
    "consent_sms": False,
    "notes": None,
    "deleted_at": None,
    "email_bidx": None,
    "phone_bidx": None,
    "search_bidx": "",
}


def customer_row(ctx: WriteContext, *layers: Mapping[str, Any]) -> dict[str, Any]:
    """A complete insert row for `customers` (executemany needs the same keys in every row); each layer of values
    wins over the ones before it."""
    row = {**CUSTOMER_DEFAULTS, "source": ctx.source, "created_at": ctx.now, "updated_at": ctx.now}
    for values in layers:
        for key, value in values.items():
            if key in row:
                row[key] = value
    if ctx.owns_only:
        row["owner_id"] = ctx.principal.user_id
    return row
