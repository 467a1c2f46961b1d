"""Merging two customers into one, field by field, and unmerging them again.

Survivorship rules pick each field's value: `most_recent` (from the customer updated last), `most_complete` (the
fuller value), `source_priority` (from the system ranked first), `keep` (the kept customer's unless empty), `union`
(lists: every value, deduplicated), `earliest`, `all_consent` (consent survives only if both gave it: an opt-out
is never lost) and `concatenate` (notes). The merge record keeps both customers as they were, the source of every
surviving value and the ids of every row moved, so `unmerge` restores both customers and moves their orders,
interactions, tickets, deals and tasks back. Values edited after the merge are left as edited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rapport.activities.models import Task
from rapport.customers import service as customer_service
from rapport.customers.models import ConsentRecord, Customer, CustomerSourceId
from rapport.errors import Conflict, Invalid, NotFound, RapportError
from rapport.ingest.models import CustomerMerge, DuplicateCandidate
from rapport.interactions.models import Interaction
from rapport.kit.clock import as_utc, utcnow
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, require
from rapport.sales.models import Deal, Order
from rapport.tickets.models import Ticket

FIELDS: Final = (
    "full_name",
    "first_name",
    "last_name",
    "gender",
    "birth_date",
    "language",
    "email",
    "phone",
    "emails",
    "phones",
    "addresses",
    "city",
    "country",
    "company_id",
    "owner_id",
    "lifecycle_stage",
    "tags",
    "consent_email",
    "consent_sms",
    "notes",
    "created_at",
)
DEFAULT_RULES: Final = {
    "full_name": "most_complete",
    "gender": "keep",
    "birth_date": "source_priority",
    "language": "most_recent",
    "email": "most_recent",
    "phone": "most_recent",
    "emails": "union",
    "phones": "union",
    "addresses": "union",
    "company_id": "most_recent",
    "owner_id": "keep",
    "lifecycle_stage": "most_recent",
    "tags": "union",
    "consent_email": "all_consent",
    "consent_sms": "all_consent",
    "notes": "concatenate",
    "created_at": "earliest",
}
RULES: Final = frozenset({*DEFAULT_RULES.values(), "keep"})
# Systems whose data we trust first, for `source_priority` (override per merge).
SOURCE_PRIORITY: Final = ("manual", "salesforce", "hubspot", "twenty", "shop", "file", "demo")
MOVED: Final[dict[str, Any]] = {
    "orders": Order,
    "interactions": Interaction,
    "tickets": Ticket,
    "deals": Deal,
    "tasks": Task,
    "consent_records": ConsentRecord,
    "customer_source_ids": CustomerSourceId,
}


def _require(principal: Principal) -> None:
    require(principal, "customers", Action.update)
    require(principal, "customers", Action.delete)


def _image(customer: Customer) -> dict[str, Any]:
    """The customer's fields as JSON can hold them (the before-image of a merge)."""
    out: dict[str, Any] = {}
    for name in (*FIELDS, "deleted_at", "source"):
        value = getattr(customer, name)
        out[name] = value.isoformat() if isinstance(value, date | datetime) else value
    return out


def _value(name: str, stored: Any) -> Any:
    if stored is None:
        return None
    if name == "birth_date":
        return date.fromisoformat(stored)
    if name in ("created_at", "deleted_at"):
        return as_utc(datetime.fromisoformat(stored))
    return stored


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == "unknown"


def _rank(source: str, priority: Sequence[str]) -> int:
    return priority.index(source) if source in priority else len(priority)


def survive(
    keep: Customer, drop: Customer, rules: Mapping[str, str], priority: Sequence[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(values for the kept customer, where each came from)."""
    recent = keep if keep.updated_at >= drop.updated_at else drop
    values: dict[str, Any] = {}
    sources: dict[str, Any] = {}

    def take(name: str, winner: Customer, rule: str, value: Any = None) -> None:
        values[name] = getattr(winner, name) if value is None else value
        sources[name] = {"customer_id": winner.id, "source": winner.source, "rule": rule}

    for name in FIELDS:
        if name in ("first_name", "last_name", "city", "country"):
            continue  # follow full_name and the first address
        rule = rules.get(name, DEFAULT_RULES.get(name, "keep"))
        mine, theirs = getattr(keep, name), getattr(drop, name)
        if rule == "union":
            take(name, keep, rule, _union(mine, theirs))
        elif rule == "all_consent":
            take(name, keep if not mine else drop, rule, bool(mine and theirs))
        elif rule == "concatenate":
            parts = [p for p in (mine, theirs) if p]
            take(name, keep, rule, "\n\n".join(dict.fromkeys(parts)) if parts else None)
        elif rule == "earliest":
            take(name, keep if mine <= theirs else drop, rule)
        elif _empty(mine) or _empty(theirs):
            take(name, drop if _empty(mine) and not _empty(theirs) else keep, rule)
        elif rule == "most_recent":
            take(name, recent, rule)
        elif rule == "most_complete":
            take(name, drop if len(str(theirs)) > len(str(mine)) else keep, rule)
        elif rule == "source_priority":
            take(name, drop if _rank(drop.source, priority) < _rank(keep.source, priority) else keep, rule)
        else:
            take(name, keep, rule)
    name_winner = keep if sources["full_name"]["customer_id"] == keep.id else drop
    for name in ("first_name", "last_name"):
        take(name, name_winner, "with full_name")
    first_address = (values["addresses"] or [{}])[0]
    values["city"], values["country"] = first_address.get("city"), first_address.get("country")
    if values["email"] and values["email"] in values["emails"]:
        values["emails"] = [values["email"], *[e for e in values["emails"] if e != values["email"]]]
    if values["phone"] and values["phone"] in values["phones"]:
        values["phones"] = [values["phone"], *[p for p in values["phones"] if p != values["phone"]]]
    return values, sources


def _union(mine: list[Any] | None, theirs: list[Any] | None) -> list[Any]:
    out: list[Any] = []
    for item in [*(mine or []), *(theirs or [])]:
        if item not in out:
            out.append(item)
    return out


def merge(
    session: Session,
    principal: Principal,
    *,
    keep_id: int,
    drop_id: int,
    rules: Mapping[str, str] | None = None,
    source_priority: Sequence[str] = SOURCE_PRIORITY,
) -> CustomerMerge:
    """Fold customer `drop_id` into `keep_id`: fields by survivorship, every related row moved, `drop` soft-deleted."""
    _require(principal)
    if keep_id == drop_id:
        raise Invalid("a customer cannot be merged into itself")
    unknown = {f"{k}={v}" for k, v in (rules or {}).items() if k not in FIELDS or v not in RULES}
    if unknown:
        raise Invalid(f"unknown survivorship rules: {', '.join(sorted(unknown))}; rules: {', '.join(sorted(RULES))}")
    keep = customer_service.customers.get(session, principal, keep_id, action=Action.update, audit_read=False)
    drop = customer_service.customers.get(session, principal, drop_id, action=Action.update, audit_read=False)
    for customer in (keep, drop):
        if customer.deleted_at is not None:
            raise Conflict(f"customer {customer.id} is deleted (or merged already)")
    before = {"kept": _image(keep), "dropped": _image(drop)}
    values, sources = survive(keep, drop, {**DEFAULT_RULES, **(rules or {})}, source_priority)
    for name, value in values.items():
        setattr(keep, name, value)
    drop.deleted_at = utcnow()
    session.flush()
    moved = {}
    for table, model in MOVED.items():
        ids = list(session.scalars(select(model.id).where(model.customer_id == drop.id)))
        if ids:
            session.execute(update(model).where(model.id.in_(ids)).values(customer_id=keep.id))
        moved[table] = ids
    record = CustomerMerge(
        kept_id=keep.id,
        dropped_id=drop.id,
        before=before,
        after=_image(keep),
        field_sources=sources,
        moved=moved,
        rules={**DEFAULT_RULES, **(rules or {}), "source_priority": list(source_priority)},
        merged_at=utcnow(),
        merged_by_id=principal.user_id,
    )
    session.add(record)
    session.flush()
    _decide(session, principal, keep.id, drop.id, "merged", record.id)
    session.expire(keep)
    audit.record(
        session,
        principal,
        action="merge",
        entity="customers",
        entity_id=keep.id,
        detail={"dropped": drop.id, "merge": record.id, "moved": {k: len(v) for k, v in moved.items()}},
    )
    return record


def unmerge(session: Session, principal: Principal, merge_id: int) -> CustomerMerge:
    """Undo a merge: both customers as they were (fields edited since stay edited), their rows moved back."""
    _require(principal)
    record = session.get(CustomerMerge, merge_id)
    if record is None:
        raise NotFound(f"merge {merge_id} not found")
    if record.unmerged_at is not None:
        raise Conflict(f"merge {merge_id} was undone already")
    keep = customer_service.customers.get(session, principal, record.kept_id, action=Action.update, audit_read=False)
    drop = session.get(Customer, record.dropped_id)
    if drop is None:
        raise NotFound(f"customer {record.dropped_id} no longer exists (erased?); the merge cannot be undone")
    if keep.deleted_at is not None:
        raise Conflict(f"customer {keep.id} was merged into another since; undo that merge first")
    kept_before, after = record.before["kept"], record.after
    for name in FIELDS:
        if _image(keep)[name] == after.get(name):
            setattr(keep, name, _value(name, kept_before.get(name)))
    for name, stored in record.before["dropped"].items():
        if name != "source":
            setattr(drop, name, _value(name, stored))
    session.flush()
    for table, ids in record.moved.items():
        model = MOVED[table]
        if ids:
            session.execute(
                update(model).where(model.id.in_(ids), model.customer_id == keep.id).values(customer_id=drop.id)
            )
    record.unmerged_at, record.unmerged_by_id = utcnow(), principal.user_id
    session.flush()
    _decide(session, principal, keep.id, drop.id, "rejected", None)
    session.expire(keep)
    session.expire(drop)
    audit.record(
        session,
        principal,
        action="unmerge",
        entity="customers",
        entity_id=keep.id,
        detail={"restored": drop.id, "merge": record.id},
    )
    return record


def _decide(session: Session, principal: Principal, a: int, b: int, status: str, merge_id: int | None) -> None:
    low, high = sorted((a, b))
    candidate = session.scalar(
        select(DuplicateCandidate).where(
            DuplicateCandidate.customer_a_id == low, DuplicateCandidate.customer_b_id == high
        )
    )
    if candidate is not None:
        candidate.status, candidate.decided_at, candidate.decided_by_id = status, utcnow(), principal.user_id
        candidate.merge_id = merge_id if merge_id is not None else candidate.merge_id
        session.flush()


def merge_many(
    session: Session, principal: Principal, pairs: Sequence[tuple[int, int]], rules: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Merge several pairs, each in its own savepoint: one that fails (deleted, out of reach) leaves the others."""
    _require(principal)
    results: list[dict[str, Any]] = []
    for keep_id, drop_id in pairs:
        try:
            with session.begin_nested():
                record = merge(session, principal, keep_id=keep_id, drop_id=drop_id, rules=rules)
            results.append({"keep_id": keep_id, "drop_id": drop_id, "merge_id": record.id, "error": None})
        except RapportError as exc:
            results.append({"keep_id": keep_id, "drop_id": drop_id, "merge_id": None, "error": exc.message})
    return results


def history(session: Session, principal: Principal, customer_id: int) -> list[CustomerMerge]:
    """Every merge a customer took part in, newest first."""
    customer_service.customers.get(session, principal, customer_id, audit_read=False)
    stmt = (
        select(CustomerMerge)
        .where((CustomerMerge.kept_id == customer_id) | (CustomerMerge.dropped_id == customer_id))
        .order_by(CustomerMerge.id.desc())
    )
    return list(session.scalars(stmt))
