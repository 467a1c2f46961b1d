"""The merge review queue: scan customers for likely duplicates, list the pairs with their reasons, reject one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.customers.schemas import CustomerRead
from rapport.errors import Conflict, NotFound
from rapport.ingest import dedupe
from rapport.ingest.models import DuplicateCandidate
from rapport.kit.clock import utcnow
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, require
from rapport.store.listing import Listing, ListQuery, Page, paginate

LISTING = Listing(
    id_column=DuplicateCandidate.id,
    sortable={"id": DuplicateCandidate.id, "score": DuplicateCandidate.score},
    filterable={
        "status": DuplicateCandidate.status,
        "score": DuplicateCandidate.score,
        "customer_a_id": DuplicateCandidate.customer_a_id,
        "customer_b_id": DuplicateCandidate.customer_b_id,
        "method": DuplicateCandidate.method,
    },
)
SCAN_PAGE = 5000


@dataclass(frozen=True)
class ScanResult:
    customers: int
    pairs: int
    new: int
    updated: int


def _people(session: Session, principal: Principal, ids: Sequence[int] | None) -> list[dedupe.Person]:
    """Every live customer the principal may see (or those named), read in pages of plain columns."""
    columns = (
        Customer.id,
        Customer.full_name,
        Customer.email,
        Customer.emails,
        Customer.phone,
        Customer.phones,
        Customer.addresses,
        Customer.birth_date,
        Customer.source,
    )
    stmt = customer_service.customers.visible(principal).with_only_columns(*columns).order_by(Customer.id)
    if ids is not None:
        stmt = stmt.where(Customer.id.in_(list(ids)))
    people: list[dedupe.Person] = []
    last = 0
    while True:
        rows = session.execute(stmt.where(Customer.id > last).limit(SCAN_PAGE)).mappings().all()
        if not rows:
            return people
        people += [dedupe.person_from_row(dict(row)) for row in rows]
        last = rows[-1]["id"]


def scan(
    session: Session,
    principal: Principal,
    *,
    min_score: float = dedupe.POSSIBLE,
    ids: Sequence[int] | None = None,
    embed: dedupe.Embed | None = None,
    judge: dedupe.PairJudge | None = None,
) -> ScanResult:
    """Find duplicate pairs and put them in the review queue; pairs already decided keep their decision."""
    require(principal, "customers", Action.update)
    people = _people(session, principal, ids)
    matches = dedupe.find(people, embed=embed, judge=judge, min_score=min_score)
    existing = {
        (c.customer_a_id, c.customer_b_id): c
        for c in session.scalars(select(DuplicateCandidate).where(DuplicateCandidate.status == "open"))
    }
    decided_rows = session.execute(
        select(DuplicateCandidate.customer_a_id, DuplicateCandidate.customer_b_id).where(
            DuplicateCandidate.status != "open"
        )
    )
    decided = {(a, b) for a, b in decided_rows}
    new = updated = 0
    for match in matches:
        pair = (match.a, match.b)
        if pair in decided:
            continue
        candidate = existing.get(pair)
        if candidate is None:
            session.add(
                DuplicateCandidate(
                    customer_a_id=match.a, customer_b_id=match.b, score=match.score, reasons=match.reasons,
                    method=match.method, status="open",
                )
            )  # fmt: skip
            new += 1
        elif candidate.score != match.score or candidate.reasons != match.reasons:
            candidate.score, candidate.reasons, candidate.method = match.score, match.reasons, match.method
            updated += 1
    session.flush()
    audit.record(
        session, principal, action="scan", entity="customers",
        detail={"customers": len(people), "pairs": len(matches), "new": new},
    )  # fmt: skip
    return ScanResult(customers=len(people), pairs=len(matches), new=new, updated=updated)


@dataclass(frozen=True)
class Pair:
    candidate: DuplicateCandidate
    a: CustomerRead
    b: CustomerRead


def list_pairs(session: Session, principal: Principal, query: ListQuery) -> tuple[list[Pair], str | None]:
    """Pairs in the queue (default: open, best first) with both customers as the principal may see them."""
    require(principal, "customers", Action.read)
    filters = dict(query.filters)
    filters.setdefault("status", "open")
    sort = query.sort if query.sort != "id" else "-score"
    page: Page[DuplicateCandidate] = paginate(
        session,
        select(DuplicateCandidate),
        LISTING,
        ListQuery(limit=query.limit, cursor=query.cursor, sort=sort, filters=filters),
    )
    ids = {c.customer_a_id for c in page.items} | {c.customer_b_id for c in page.items}
    visible = {
        c.id: c
        for c in session.scalars(
            customer_service.customers.visible(principal, include_deleted=True).where(Customer.id.in_(ids))
        )
    }
    pairs = [
        Pair(
            c,
            customer_service.present(visible[c.customer_a_id], principal),
            customer_service.present(visible[c.customer_b_id], principal),
        )
        for c in page.items
        if c.customer_a_id in visible and c.customer_b_id in visible
    ]
    return pairs, page.next_cursor


def reject(session: Session, principal: Principal, candidate_id: int) -> DuplicateCandidate:
    """Not the same person: the pair leaves the queue and later scans leave it out."""
    require(principal, "customers", Action.update)
    candidate = session.get(DuplicateCandidate, candidate_id)
    if candidate is None:
        raise NotFound(f"duplicate pair {candidate_id} not found")
    if candidate.status != "open":
        raise Conflict(f"pair {candidate_id} is {candidate.status} already")
    candidate.status, candidate.decided_at, candidate.decided_by_id = "rejected", utcnow(), principal.user_id
    session.flush()
    return candidate
