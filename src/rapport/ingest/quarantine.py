"""The quarantine: rows an import could not take, listed with their reasons, fixed by editing values, re-imported.

A re-import moves a row from the batch's quarantined count to inserted, updated or unchanged, so the batch's
counts still add up to the rows it read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.errors import Conflict, Invalid, NotFound
from rapport.ingest import service as import_service
from rapport.ingest.models import ImportBatch, QuarantinedRow
from rapport.ingest.pipeline import Counts
from rapport.ingest.readers import Record, jsonable
from rapport.ingest.rows import Context, Options, Prepared, prepare
from rapport.ingest.upserts import WRITERS, WriteContext
from rapport.kit.clock import utcnow
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal
from rapport.store.listing import Listing, ListQuery, Page, paginate

LISTING = Listing(
    id_column=QuarantinedRow.id,
    sortable={"id": QuarantinedRow.id, "row_number": QuarantinedRow.row_number},
    filterable={"status": QuarantinedRow.status, "row_number": QuarantinedRow.row_number},
)


def list_rows(session: Session, principal: Principal, batch_id: int, query: ListQuery) -> Page[QuarantinedRow]:
    import_service.batches.get(session, principal, batch_id)
    stmt = select(QuarantinedRow).where(QuarantinedRow.batch_id == batch_id)
    return paginate(session, stmt, LISTING, query)


def get_row(session: Session, principal: Principal, row_id: int, *, action: Action = Action.read) -> QuarantinedRow:
    row = session.get(QuarantinedRow, row_id)
    if row is None:
        raise NotFound(f"quarantined row {row_id} not found")
    import_service.batches.get(session, principal, row.batch_id, action=action)
    return row


def _context(batch: ImportBatch) -> Context:
    return Context(batch.entity, batch.mapping, Options.of(batch.options))


def _prepared(ctx: Context, row: QuarantinedRow) -> Prepared:
    values = {**row.raw, **row.fixed}
    return prepare(ctx, Record(number=row.row_number, line=row.line, values=values))


def fix(
    session: Session, principal: Principal, row_id: int, values: Mapping[str, Any]
) -> tuple[QuarantinedRow, list[dict[str, Any]]]:
    """Store corrected values (file column → value) and say which errors remain; nothing is imported yet."""
    row = get_row(session, principal, row_id, action=Action.update)
    if row.status != "open":
        raise Conflict(f"row {row_id} is {row.status}")
    batch = session.get(ImportBatch, row.batch_id)
    assert batch is not None
    unknown = [column for column in values if column not in batch.headers]
    if unknown:
        raise Invalid(f"not columns of this file: {', '.join(unknown)}")
    row.fixed = {**row.fixed, **{column: jsonable(value) for column, value in values.items()}}
    prepared = _prepared(_context(batch), row)
    session.flush()
    return row, [e.as_dict() for e in prepared.errors]


def discard(session: Session, principal: Principal, row_id: int) -> QuarantinedRow:
    row = get_row(session, principal, row_id, action=Action.update)
    if row.status != "open":
        raise Conflict(f"row {row_id} is {row.status}")
    row.status, row.resolved_at = "discarded", utcnow()
    session.flush()
    return row


def reimport(
    session: Session, principal: Principal, batch_id: int, row_ids: Sequence[int] | None = None
) -> dict[str, int]:
    """Import the open quarantined rows (all, or those named) with their fixes, in the caller's transaction."""
    batch = import_service.batches.get(session, principal, batch_id, action=Action.update)
    import_service._require_entity(principal, batch.entity)
    if batch.status in ("running", "cancelling"):
        raise Conflict(f"import {batch_id} is still running; re-import its quarantine when it is done")
    stmt = select(QuarantinedRow).where(QuarantinedRow.batch_id == batch_id, QuarantinedRow.status == "open")
    if row_ids is not None:
        stmt = stmt.where(QuarantinedRow.id.in_(list(row_ids)))
    rows = list(session.scalars(stmt.order_by(QuarantinedRow.row_number)))
    ctx = _context(batch)
    prepared = [_prepared(ctx, row) for row in rows]
    valid = [p for p in prepared if p.is_valid]
    warnings: Counter[str] = Counter()
    wctx = WriteContext(batch.source, batch.id, principal, utcnow(), ctx.options, warnings)
    written = iter(WRITERS[batch.entity](session.connection(), wctx, valid))
    counts = Counts(read=len(rows))
    for row, item in zip(rows, prepared, strict=True):
        outcome = next(written) if item.is_valid else None
        if outcome is None or outcome.kind == "quarantined":
            errors = item.errors if outcome is None else outcome.errors
            row.errors = [e.as_dict() for e in errors]
            counts.quarantined += 1
            continue
        counts.add(outcome.kind)
        row.status, row.record_id, row.resolved_at = "reimported", outcome.record_id, utcnow()
    counts.check()
    batch.rows_quarantined -= counts.read - counts.quarantined
    batch.rows_inserted += counts.inserted
    batch.rows_updated += counts.updated
    batch.rows_unchanged += counts.unchanged
    batch.warnings = dict(Counter(batch.warnings) + warnings)
    assert batch.rows_read == batch.rows_inserted + batch.rows_updated + batch.rows_unchanged + batch.rows_quarantined
    session.flush()
    result = {
        "rows": counts.read,
        "inserted": counts.inserted,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "still_quarantined": counts.quarantined,
    }
    audit.record(
        session,
        principal,
        action="import",
        entity=batch.entity,
        entity_id=None,
        detail={"batch": batch_id, "step": "reimport", **result},
    )
    session.expire_all()  # the writers went through Core: what the session holds may be stale
    return result
