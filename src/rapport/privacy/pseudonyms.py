"""Stable keyed pseudonyms and the pseudonymised analytics export with its k-anonymity check.

A pseudonym is HMAC-SHA256(key, "<kind>:<value>"), cut to 16 hex characters: the same customer or email gets the
same pseudonym in every export (so exports join over time) and nobody without the key can reverse or recompute it.
The key is `privacy.pseudonym_key` when set, else a random key kept in `data_dir/keys/pseudonym.key` (like the
widget secret). The export has no names, emails, phones or street addresses; birth dates become 10-year age bands,
cities become regions, postcodes keep their first three characters. Rows whose quasi-identifiers (age band, gender,
region, postcode prefix) are shared by fewer than k rows are generalised (postcode, then age band) and, if still
too rare, suppressed; the report says how many of each.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.customers.models import Customer
from rapport.errors import Invalid
from rapport.kit.clock import utcnow
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, require
from rapport.privacy.regions import region_of
from rapport.sales.models import Order

QUASI_IDENTIFIERS = ("age_band", "gender", "region", "postcode_prefix")
COLUMNS = (
    "customer",
    "email",
    *QUASI_IDENTIFIERS,
    "language",
    "lifecycle_stage",
    "orders",
    "spend",
    "first_order_month",
    "last_order_month",
)
SUPPRESSED = "*"


def key_from(configured: str | None, data_dir: Path) -> bytes:
    if configured:
        return configured.encode("utf-8")
    path = data_dir / "keys" / "pseudonym.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_text().strip().encode("utf-8")
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode("utf-8")


def pseudonym(key: bytes, kind: str, value: str | int) -> str:
    """`kind` keeps a customer id and an email that happen to be equal strings apart."""
    text = str(value).strip().lower() if kind == "email" else str(value)
    return hmac.new(key, f"{kind}:{text}".encode(), hashlib.sha256).hexdigest()[:16]


def age_band(birth: date | None, today: date, width: int = 10) -> str:
    if birth is None:
        return "unknown"
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if age < 18:
        return "<18"
    if age >= 80:
        return "80+"
    low = age // width * width
    return f"{max(low, 18)}-{low + width - 1}"


def _postcode(addresses: Iterable[Any]) -> str | None:
    for address in addresses or ():
        if isinstance(address, dict):
            code = address.get("postal_code") or address.get("postcode") or address.get("zip")
            if code:
                return str(code).replace(" ", "")[:3]
    return None


@dataclass
class ExportReport:
    rows_in: int
    rows_out: int
    k: int
    smallest_class_before: int
    smallest_class_after: int
    generalised_postcode: int = 0
    generalised_age: int = 0
    suppressed: int = 0
    quasi_identifiers: tuple[str, ...] = QUASI_IDENTIFIERS
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def smallest_class(rows: list[dict[str, Any]], columns: Iterable[str] = QUASI_IDENTIFIERS) -> int:
    sizes = Counter(tuple(row[c] for c in columns) for row in rows)
    return min(sizes.values()) if sizes else 0


def anonymise(rows: list[dict[str, Any]], k: int) -> tuple[list[dict[str, Any]], ExportReport]:
    """Generalise, then suppress, the rows of classes smaller than k. Pure: rows in, rows and report out."""
    if k < 1:
        raise Invalid("k must be at least 1")
    report = ExportReport(
        rows_in=len(rows), rows_out=0, k=k, smallest_class_before=smallest_class(rows), smallest_class_after=0
    )
    rows = [dict(r) for r in rows]
    for column, width_field in (("postcode_prefix", "generalised_postcode"), ("age_band", "generalised_age")):
        sizes = Counter(tuple(r[c] for c in QUASI_IDENTIFIERS) for r in rows)
        for row in rows:
            if sizes[tuple(row[c] for c in QUASI_IDENTIFIERS)] < k and row[column] != SUPPRESSED:
                row[column] = SUPPRESSED
                setattr(report, width_field, getattr(report, width_field) + 1)
    sizes = Counter(tuple(r[c] for c in QUASI_IDENTIFIERS) for r in rows)
    kept = [r for r in rows if sizes[tuple(r[c] for c in QUASI_IDENTIFIERS)] >= k]
    report.suppressed = len(rows) - len(kept)
    report.rows_out = len(kept)
    report.smallest_class_after = smallest_class(kept)
    return kept, report


def rows_for_export(session: Session, key: bytes, *, today: date | None = None) -> list[dict[str, Any]]:
    today = today or utcnow().date()
    orders = (
        select(
            Order.customer_id,
            func.count(Order.id).label("n"),
            func.coalesce(func.sum(Order.total), 0).label("spend"),
            func.min(Order.placed_at).label("first"),
            func.max(Order.placed_at).label("last"),
        )
        .group_by(Order.customer_id)
        .subquery()
    )
    result = session.execute(
        select(Customer, orders.c.n, orders.c.spend, orders.c.first, orders.c.last)
        .outerjoin(orders, orders.c.customer_id == Customer.id)
        .where(Customer.deleted_at.is_(None))
        .order_by(Customer.id)
    )
    rows = []
    for customer, n, spend, first, last in result:
        rows.append(
            {
                "customer": pseudonym(key, "customer", customer.id),
                "email": pseudonym(key, "email", customer.email) if customer.email else "",
                "age_band": age_band(customer.birth_date, today),
                "gender": (customer.gender or "unknown").lower(),
                "region": region_of(customer.country, customer.city),
                "postcode_prefix": _postcode(customer.addresses) or "unknown",
                "language": customer.language,
                "lifecycle_stage": customer.lifecycle_stage,
                "orders": int(n or 0),
                "spend": f"{float(spend or 0):.2f}",
                "first_order_month": first.strftime("%Y-%m") if first else "",
                "last_order_month": last.strftime("%Y-%m") if last else "",
            }
        )
    return rows


def export_pseudonymised(
    session: Session, principal: Principal, *, key: bytes, k: int = 5, out: Path | None = None
) -> tuple[list[dict[str, Any]], ExportReport]:
    """The k-anonymous rows (written as CSV to `out` when given) and what was done to get them."""
    require(principal, "privacy", Action.read)
    if not 1 <= k <= 1000:
        raise Invalid("k must be between 1 and 1000")
    rows, report = anonymise(rows_for_export(session, key), k)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(to_csv(rows), encoding="utf-8")
    audit.record(
        session,
        principal,
        action="export",
        entity="privacy",
        entity_id="pseudonymised",
        detail={"k": k, "rows": report.rows_out, "suppressed": report.suppressed},
    )
    session.flush()
    return rows, report


def to_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
