"""Upsert customers: match each row by its id in the source system, else its email, else its phone, else a
fingerprint of its name; update what changed, insert the rest, record consent changes and source ids.

A row matched only by email or phone must also carry a compatible name: two people who share a family email are
two customers, and re-importing them finds each again by the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from rapport.customers import blind
from rapport.customers import service as customer_service
from rapport.customers.models import Company, ConsentRecord, Customer, CustomerSourceId
from rapport.ingest.rows import Prepared
from rapport.ingest.upserts.common import (
    Outcome,
    WriteContext,
    customer_ids_by_source,
    customer_row,
    fingerprint,
    insert_returning_ids,
    insert_rows,
    names_compatible,
    quarantined,
    table,
    update_many,
    users_by_email,
)

SCALARS = (
    "full_name",
    "first_name",
    "last_name",
    "gender",
    "birth_date",
    "language",
    "city",
    "country",
    "company_id",
    "owner_id",
    "lifecycle_stage",
    "consent_email",
    "consent_sms",
    "notes",
    "created_at",
)
LOADED = (*SCALARS, "id", "email", "phone", "emails", "phones", "addresses", "tags", "deleted_at")


@dataclass
class _State:
    """One customer as the chunk leaves it: loaded from the database or about to be inserted."""

    current: dict[str, Any]
    record_id: int | None = None
    changed: set[str] = field(default_factory=set)
    source_ids: list[str] = field(default_factory=list)
    consents: list[tuple[str, bool]] = field(default_factory=list)


def write(conn: Connection, ctx: WriteContext, rows: list[Prepared]) -> list[Outcome]:
    _resolve_references(conn, ctx, rows)
    keys = [_key(row) for row in rows]
    found = _lookup(conn, ctx, rows, keys)
    loaded = _load(conn, {i for ids in found.values() for i in ids})
    outside = _outside_reach(conn, ctx, set(loaded))
    states: dict[int, _State] = {}  # by customer id, for records that exist
    new_states: list[_State] = []
    by_key: dict[tuple[str, str], list[_State]] = {}
    outcomes: list[Outcome] = []
    touched: list[_State | None] = []
    for row, key in zip(rows, keys, strict=True):
        state = _match(row, key, by_key, found.get(key, []), loaded, states)
        if state is not None and state.record_id in outside:
            outcomes.append(
                quarantined(row, "_row", "forbidden", f"customer {state.record_id} is outside your records")
            )
            touched.append(None)
            continue
        if state is None:
            state = _State(current=customer_row(ctx, row.defaults, row.values))
            _note_new(state, row)
            new_states.append(state)
            outcomes.append(Outcome("inserted"))
        else:
            outcomes.append(Outcome("updated" if _apply(state, row, ctx) else "unchanged"))
        if state not in by_key.setdefault(key, []):
            by_key[key].append(state)
        touched.append(state)
    _flush(conn, ctx, states, new_states)
    for outcome, state in zip(outcomes, touched, strict=True):
        if state is not None:
            outcome.record_id = state.record_id
    return outcomes


def _key(row: Prepared) -> tuple[str, str]:
    v = row.values
    if v.get("external_id"):
        return ("id", v["external_id"])
    if v.get("email"):
        return ("email", v["email"])
    if v.get("phone"):
        return ("phone", v["phone"])
    name = v.get("full_name") or row.defaults.get("full_name")
    return ("fingerprint", fingerprint(name, v.get("birth_date"), (v.get("addresses") or [{}])[0].get("line1")))


def _lookup(
    conn: Connection, ctx: WriteContext, rows: list[Prepared], keys: list[tuple[str, str]]
) -> dict[tuple[str, str], list[int]]:
    """Existing customer ids for every key in the chunk: one query per kind of key."""
    wanted: dict[str, set[str]] = {}
    for kind, value in keys:
        wanted.setdefault(kind, set()).add(value)
    found: dict[tuple[str, str], list[int]] = {}
    by_source = customer_ids_by_source(conn, ctx.source, wanted.get("id", set()) | wanted.get("fingerprint", set()))
    for external_id, customer_id in by_source.items():
        kind = "fingerprint" if external_id.startswith("#") else "id"
        found[(kind, external_id)] = [customer_id]
    customers = table(Customer)
    for kind, index_of in (("email", blind.email_index), ("phone", blind.phone_index)):
        if wanted.get(kind):
            by_index = {index_of(value): value for value in wanted[kind]}
            column = customers.c[f"{kind}_bidx"]
            stmt = (
                select(column, customers.c.id)
                .where(column.in_([i for i in by_index if i]), customers.c.deleted_at.is_(None))
                .order_by(customers.c.id)
            )
            for index, customer_id in conn.execute(stmt):
                found.setdefault((kind, by_index[index]), []).append(customer_id)
    return found


def _load(conn: Connection, ids: set[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    customers = table(Customer)
    stmt = select(*(customers.c[name] for name in LOADED)).where(customers.c.id.in_(ids))
    return {row["id"]: dict(row) for row in conn.execute(stmt).mappings()}


def _outside_reach(conn: Connection, ctx: WriteContext, ids: set[int]) -> set[int]:
    clause = customer_service.customer_scope(ctx.principal)
    if clause is None or not ids:
        return set()
    visible = set(conn.execute(select(Customer.id).where(Customer.id.in_(ids), clause)).scalars())
    return ids - visible


def _match(
    row: Prepared,
    key: tuple[str, str],
    by_key: dict[tuple[str, str], list[_State]],
    existing: list[int],
    loaded: dict[int, dict[str, Any]],
    states: dict[int, _State],
) -> _State | None:
    """The customer this row is about: one seen earlier in the chunk, else one in the database, else None (new)."""
    name = row.values.get("full_name")
    strict = key[0] in ("email", "phone")
    for state in by_key.get(key, []):
        if not strict or names_compatible(name, state.current.get("full_name")):
            return state
    for customer_id in existing:
        if customer_id not in loaded:
            continue
        if strict and not names_compatible(name, loaded[customer_id].get("full_name")):
            continue
        if customer_id not in states:
            states[customer_id] = _State(current=dict(loaded[customer_id]), record_id=customer_id)
        return states[customer_id]
    return None


def _note_new(state: _State, row: Prepared) -> None:
    v = row.values
    if v.get("external_id"):
        state.source_ids.append(v["external_id"])
    elif not (v.get("email") or v.get("phone")):
        state.source_ids.append(_key(row)[1])
    for channel in ("email", "sms"):
        if state.current.get(f"consent_{channel}"):
            state.consents.append((channel, True))
    if not state.current.get("full_name"):
        state.current["full_name"] = row.defaults.get("full_name") or ""


def _apply(state: _State, row: Prepared, ctx: WriteContext) -> bool:
    """Fold a row into a customer; True when anything changed. Blank cells never erase what is known."""
    current, v = state.current, row.values
    before = {name: current.get(name) for name in ("email", "phone", "emails", "phones", "addresses", "tags")}
    changed: set[str] = set()
    for name in SCALARS:
        if name in v and current.get(name) != v[name]:
            if name == "owner_id" and ctx.owns_only:
                continue
            if name.startswith("consent_"):
                state.consents.append((name.removeprefix("consent_"), bool(v[name])))
            current[name] = v[name]
            changed.add(name)
    for single, many in (("email", "emails"), ("phone", "phones")):
        if v.get(many):
            primary = v[many][0]
            rest = [x for x in [*(current.get(many) or []), *v[many][1:]] if x != primary]
            current[single], current[many] = primary, list(dict.fromkeys([primary, *rest]))
    if v.get("addresses"):
        address = v["addresses"][0]
        others = [a for a in current.get("addresses") or [] if a != address]
        current["addresses"] = [address, *others][:20]
        current["city"], current["country"] = address.get("city"), address.get("country")
    if v.get("tags"):
        current["tags"] = list(dict.fromkeys([*(current.get("tags") or []), *v["tags"]]))[:50]
    for name, old in before.items():
        if current.get(name) != old:
            changed.add(name)
    state.changed |= changed
    return bool(changed)


def _resolve_references(conn: Connection, ctx: WriteContext, rows: list[Prepared]) -> None:
    """Owner emails become user ids; company names become company ids (companies that do not exist are made)."""
    owners = users_by_email(conn, (r.values.get("owner_email") for r in rows))
    names = {r.values["company"] for r in rows if r.values.get("company")}
    companies = _companies(conn, ctx, names)
    for row in rows:
        v = row.values
        owner = v.pop("owner_email", None)
        if owner:
            if owner in owners:
                v["owner_id"] = owners[owner]
            else:
                ctx.warnings[f"owner {owner} is not a user; the customer has no owner"] += 1
        company = v.pop("company", None)
        if company:
            v["company_id"] = companies[company]


def _companies(conn: Connection, ctx: WriteContext, names: set[str]) -> dict[str, int]:
    if not names:
        return {}
    companies = table(Company)
    stmt = (
        select(companies.c.name, companies.c.id)
        .where(companies.c.name.in_(names), companies.c.deleted_at.is_(None))
        .order_by(companies.c.id.desc())
    )
    known = {key: value for key, value in conn.execute(stmt)}
    missing = sorted(names - set(known))
    rows = [
        {"name": name, "created_at": ctx.now, "updated_at": ctx.now, "deleted_at": None, "owner_id": None}
        for name in missing
    ]
    known.update(zip(missing, insert_returning_ids(conn, companies, rows), strict=True))
    if missing:
        ctx.warnings["companies created from customers' company names"] += len(missing)
    return known


def _indexes(state: _State) -> dict[str, Any]:
    """The blind indexes again when a value they are made of changed."""
    if {"full_name", "email", "phone", "emails", "phones"} & set(state.changed):
        return blind.index_values(state.current)
    return {}


def _flush(conn: Connection, ctx: WriteContext, states: dict[int, _State], new_states: list[_State]) -> None:
    customers = table(Customer)
    ids = insert_returning_ids(conn, customers, [{**s.current, **blind.index_values(s.current)} for s in new_states])
    for state, record_id in zip(new_states, ids, strict=True):
        state.record_id = record_id
    update_many(
        conn,
        customers,
        (
            (s.record_id, {**{n: s.current[n] for n in s.changed}, **_indexes(s), "updated_at": ctx.now})
            for s in states.values()
            if s.changed and s.record_id is not None
        ),
    )
    everyone = [*new_states, *states.values()]
    source_rows = [
        {"customer_id": s.record_id, "system": ctx.source, "external_id": external_id}
        for s in new_states
        for external_id in dict.fromkeys(s.source_ids)
    ]
    if source_rows:
        insert_rows(conn, table(CustomerSourceId), source_rows)
    consent_rows = [
        {
            "customer_id": s.record_id,
            "channel": channel,
            "is_granted": granted,
            "at": ctx.now,
            "source": f"import:{ctx.batch_id}" if ctx.batch_id else "import",
        }
        for s in everyone
        for channel, granted in s.consents
    ]
    if consent_rows:
        insert_rows(conn, table(ConsentRecord), consent_rows)
