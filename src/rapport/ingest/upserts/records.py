"""Upsert companies, products, interactions and tickets with one generic writer and a spec per entity.

A record is found by its id in the source system (`external_ids`), else by its natural key (a product's SKU, a
company's domain or name), else, for messages and tickets that have neither, by a fingerprint of what they say,
who said it and when, kept in `external_ids` too, so importing the same export twice finds every record again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select

from rapport.customers.models import Company
from rapport.ingest.rows import Prepared
from rapport.ingest.upserts.common import (
    Outcome,
    WriteContext,
    add_external_ids,
    external_ids,
    fingerprint,
    insert_returning_ids,
    resolve_customers,
    table,
    update_many,
    users_by_email,
)
from rapport.interactions.models import Interaction
from rapport.sales.models import Product
from rapport.tickets.models import Ticket

Key = tuple[str, ...]


@dataclass(frozen=True)
class Spec:
    entity: str
    model: Any
    columns: tuple[str, ...]  # columns a row may set
    base: Callable[[WriteContext], dict[str, Any]]  # every other column of a new record
    natural: Callable[[dict[str, Any]], list[tuple[str, str]]] = lambda _v: []  # (column, value) to look up
    fingerprint: Callable[[dict[str, Any]], str] | None = None
    required_new: tuple[str, ...] = ()  # fields a new record needs (an update may leave them out)
    carry: tuple[str, ...] = ()  # fields that are not columns but a new record needs (a ticket's first message)


@dataclass
class _State:
    current: dict[str, Any]
    record_id: int | None = None
    changed: set[str] = field(default_factory=set)
    external_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _write(
    conn: Connection, ctx: WriteContext, rows: list[Prepared], spec: Spec, outcomes: list[Outcome | None]
) -> list[Outcome]:
    keys = [_keys(row, spec) if outcomes[i] is None else [] for i, row in enumerate(rows)]
    found = _lookup(conn, ctx, spec, keys)
    loaded = _load(conn, spec, set(found.values()))
    states: dict[Key, _State] = {}
    by_id: dict[int, _State] = {}
    touched: list[_State | None] = []
    new: list[_State] = []
    for i, row in enumerate(rows):
        if outcomes[i] is not None:
            touched.append(None)
            continue
        state = _find(keys[i], states, found, loaded, by_id)
        if state is None:
            missing = [name for name in spec.required_new if name not in row.values]
            if missing:
                outcomes[i] = Outcome(
                    "quarantined",
                    errors=[*row.errors, *(_missing(row, name, spec.entity) for name in missing)],
                )
                touched.append(None)
                continue
            values = {k: row.values[k] for k in spec.columns if k in row.values}
            defaults = {k: row.defaults[k] for k in spec.columns if k in row.defaults}
            state = _State(
                current={**spec.base(ctx), **defaults, **values},
                external_id=_stored_key(keys[i]),
                extra={k: row.values[k] for k in spec.carry if k in row.values},
            )
            new.append(state)
            outcomes[i] = Outcome("inserted")
        else:
            changed = {k for k in spec.columns if k in row.values and state.current.get(k) != row.values[k]}
            for name in changed:
                state.current[name] = row.values[name]
            state.changed |= changed
            outcomes[i] = Outcome("updated" if changed else "unchanged")
        for key in keys[i]:
            states.setdefault(key, state)
        touched.append(state)
    _flush(conn, ctx, spec, new, by_id)
    result: list[Outcome] = []
    for outcome, state in zip(outcomes, touched, strict=True):
        assert outcome is not None
        if state is not None:
            outcome.record_id = state.record_id
        result.append(outcome)
    return result


def _missing(row: Prepared, name: str, entity: str) -> Any:
    from rapport.ingest.rows import FieldError

    return FieldError(name, None, "required", f"a new {entity[:-1]} needs {name.replace('_', ' ')}")


def _keys(row: Prepared, spec: Spec) -> list[Key]:
    v = row.values
    keys: list[Key] = []
    if v.get("external_id"):
        keys.append(("id", v["external_id"]))
    keys += [("natural", column, value) for column, value in spec.natural(v) if value]
    if not keys and spec.fingerprint is not None:
        keys.append(("id", spec.fingerprint(v)))
    return keys


def _stored_key(keys: list[Key]) -> str | None:
    """The external id (or fingerprint) a new record is remembered by."""
    return keys[0][1] if keys and keys[0][0] == "id" else None


def _lookup(conn: Connection, ctx: WriteContext, spec: Spec, keys: list[list[Key]]) -> dict[Key, int]:
    flat = [key for row_keys in keys for key in row_keys]
    found: dict[Key, int] = {
        ("id", ext): rid
        for ext, rid in external_ids(conn, spec.entity, ctx.source, (k[1] for k in flat if k[0] == "id")).items()
    }
    target = table(spec.model)
    by_column: dict[str, set[str]] = {}
    for key in flat:
        if key[0] == "natural":
            by_column.setdefault(key[1], set()).add(key[2])
    for column, values in by_column.items():
        stmt = select(target.c[column], target.c.id).where(target.c[column].in_(values)).order_by(target.c.id.desc())
        if "deleted_at" in target.c and column != "sku":
            stmt = stmt.where(target.c.deleted_at.is_(None))
        for value, record_id in conn.execute(stmt):
            found[("natural", column, value)] = record_id  # the lowest id wins
    return found


def _load(conn: Connection, spec: Spec, ids: set[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    target = table(spec.model)
    stmt = select(target.c.id, *(target.c[c] for c in spec.columns)).where(target.c.id.in_(ids))
    return {row["id"]: dict(row) for row in conn.execute(stmt).mappings()}


def _find(
    keys: list[Key],
    states: dict[Key, _State],
    found: dict[Key, int],
    loaded: dict[int, dict[str, Any]],
    by_id: dict[int, _State],
) -> _State | None:
    for key in keys:
        if key in states:
            return states[key]
    for key in keys:
        record_id = found.get(key)
        if record_id is not None and record_id in loaded:
            if record_id not in by_id:
                by_id[record_id] = _State(current=dict(loaded[record_id]), record_id=record_id)
            return by_id[record_id]
    return None


def _flush(conn: Connection, ctx: WriteContext, spec: Spec, new: list[_State], existing: dict[int, _State]) -> None:
    target = table(spec.model)
    ids = insert_returning_ids(conn, target, [s.current for s in new])
    for state, record_id in zip(new, ids, strict=True):
        state.record_id = record_id
    add_external_ids(
        conn, spec.entity, ctx.source, [(s.external_id, r) for s, r in zip(new, ids, strict=True) if s.external_id]
    )
    changes = [
        (s.record_id, {**{c: s.current[c] for c in s.changed}, **_touch(target, ctx)})
        for s in existing.values()
        if s.changed and s.record_id is not None
    ]
    update_many(conn, target, changes)
    if spec.entity == "tickets":
        _first_messages(conn, new)


def _touch(target: Any, ctx: WriteContext) -> dict[str, Any]:
    return {"updated_at": ctx.now} if "updated_at" in target.c else {}


def _stamps(ctx: WriteContext) -> dict[str, Any]:
    return {"created_at": ctx.now, "updated_at": ctx.now}


# ---------------------------------------------------------------- companies and products


def _domain_or_name(v: dict[str, Any]) -> list[tuple[str, str]]:
    return [("domain", v["domain"])] if v.get("domain") else [("name", v.get("name", ""))]


COMPANIES = Spec(
    entity="companies",
    model=Company,
    columns=("name", "domain", "industry", "size", "country", "city", "owner_id", "notes"),
    base=lambda ctx: {
        **_stamps(ctx),
        "deleted_at": None,
        **dict.fromkeys(("domain", "industry", "size", "country", "city", "owner_id", "notes")),
    },
    natural=_domain_or_name,
    required_new=("name",),
)

PRODUCTS = Spec(
    entity="products",
    model=Product,
    columns=("sku", "name", "name_zh", "category", "brand", "price", "currency", "stock", "description"),
    base=lambda ctx: {
        **_stamps(ctx),
        "deleted_at": None,
        "name_zh": None,
        "brand": None,
        "stock": 0,
        "description": None,
        "category": "Uncategorised",
        "currency": ctx.options.currency,
    },
    natural=lambda v: [("sku", v.get("sku", ""))],
    required_new=("name", "price"),
)


def write_companies(conn: Connection, ctx: WriteContext, rows: list[Prepared]) -> list[Outcome]:
    owners = users_by_email(conn, (r.values.get("owner_email") for r in rows))
    for row in rows:
        owner = row.values.pop("owner_email", None)
        if owner in owners:
            row.values["owner_id"] = owners[owner]
        elif owner:
            ctx.warnings[f"owner {owner} is not a user; the company has no owner"] += 1
    return _write(conn, ctx, rows, COMPANIES, [None] * len(rows))


def write_products(conn: Connection, ctx: WriteContext, rows: list[Prepared]) -> list[Outcome]:
    return _write(conn, ctx, rows, PRODUCTS, [None] * len(rows))


# ---------------------------------------------------------------- interactions and tickets


def _digest(text: str | None) -> str:
    return hashlib.sha1((text or "").encode()).hexdigest()[:16]


INTERACTIONS = Spec(
    entity="interactions",
    model=Interaction,
    columns=("customer_id", "product_id", "kind", "direction", "subject", "body", "language", "rating", "occurred_at"),
    base=lambda ctx: {
        **_stamps(ctx),
        "ticket_id": None,
        "product_id": None,
        "subject": None,
        "language": None,
        "rating": None,
        "sentiment": None,
        "author_id": None,
    },
    fingerprint=lambda v: fingerprint(
        v.get("customer_id"), v.get("occurred_at"), v.get("kind"), _digest(v.get("body"))
    ),
)

TICKETS = Spec(
    entity="tickets",
    model=Ticket,
    columns=(
        "customer_id",
        "subject",
        "status",
        "priority",
        "channel",
        "assignee_id",
        "intent",
        "language",
        "created_at",
    ),
    base=lambda ctx: {
        **_stamps(ctx),
        "deleted_at": None,
        "assignee_id": None,
        "team_id": None,
        "sla_due_at": None,
        "first_response_at": None,
        "resolved_at": None,
        "intent": None,
        "sentiment": None,
        "language": None,
    },
    fingerprint=lambda v: fingerprint(v.get("customer_id"), v.get("subject"), v.get("created_at")),
    carry=("body",),
)


def write_interactions(conn: Connection, ctx: WriteContext, rows: list[Prepared]) -> list[Outcome]:
    outcomes = resolve_customers(conn, ctx, rows, create=ctx.options.create_missing)
    skus = {r.values.get("product_sku") for r in rows if r.values.get("product_sku")}
    products = table(Product)
    by_sku = (
        {sku: pid for sku, pid in conn.execute(select(products.c.sku, products.c.id).where(products.c.sku.in_(skus)))}
        if skus
        else {}
    )
    for row in rows:
        sku = row.values.pop("product_sku", None)
        if sku in by_sku:
            row.values["product_id"] = by_sku[sku]
        elif sku:
            ctx.warnings[f"no product has the SKU {sku}; the message is kept without it"] += 1
    return _write(conn, ctx, rows, INTERACTIONS, outcomes)


def write_tickets(conn: Connection, ctx: WriteContext, rows: list[Prepared]) -> list[Outcome]:
    outcomes = resolve_customers(conn, ctx, rows, create=ctx.options.create_missing)
    agents = users_by_email(conn, (r.values.get("assignee_email") for r in rows))
    for row in rows:
        agent = row.values.pop("assignee_email", None)
        if agent in agents:
            row.values["assignee_id"] = agents[agent]
        elif agent:
            ctx.warnings[f"assignee {agent} is not a user; the ticket is unassigned"] += 1
    return _write(conn, ctx, rows, TICKETS, outcomes)


def _first_messages(conn: Connection, new: list[_State]) -> None:
    """A new ticket's description becomes its first inbound message, as when a ticket is opened in Rapport."""
    messages = [
        {
            "customer_id": s.current["customer_id"],
            "ticket_id": s.record_id,
            "product_id": None,
            "kind": "email" if s.current["channel"] == "email" else "chat",
            "direction": "inbound",
            "subject": s.current["subject"],
            "body": s.extra["body"],
            "language": s.current.get("language"),
            "rating": None,
            "sentiment": None,
            "author_id": None,
            "occurred_at": s.current["created_at"],
            "created_at": s.current["created_at"],
            "updated_at": s.current["created_at"],
        }
        for s in new
        if s.extra.get("body")
    ]
    if messages:
        conn.execute(insert(table(Interaction)), messages)
