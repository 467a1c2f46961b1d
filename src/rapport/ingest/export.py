"""Export any entity, or a filtered list of it, to CSV, JSONL or Excel, a page at a time.

Rows come from the entity's own service (`Records.visible`, so record-level reach applies) and are shaped by its
own Read schema or `present` function, so masked fields stay masked in the file. One audit event records the export.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, Final

from pydantic import BaseModel
from sqlalchemy.orm import Session

from rapport.errors import Invalid
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, can, require
from rapport.privacy.redaction import PiiRedactor
from rapport.store.listing import ListQuery, paginate
from rapport.store.records import Records

FORMATS: Final = ("csv", "jsonl", "xlsx")
STREAM_CHUNK: Final = 64 * 1024
PAGE: Final = 1000
MEDIA_TYPES: Final = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Exporter:
    records: Records[Any]
    present: Callable[[Any, Principal], BaseModel]


# Free-text fields a redacted export masks; names, emails and phones in their own columns follow the role's masking.
FREE_TEXT = frozenset({"notes", "body", "subject", "description", "summary", "text", "content", "title"})


def exporters() -> dict[str, Exporter]:
    """Entity → how to list and shape it. Built on demand: the domain services are imported only when used."""
    from rapport.activities import service as task_service
    from rapport.activities.schemas import TaskRead
    from rapport.customers import service as customer_service
    from rapport.interactions import service as interaction_service
    from rapport.interactions.schemas import InteractionRead
    from rapport.sales import service as sales_service
    from rapport.sales.schemas import DealRead, OrderRead, ProductRead
    from rapport.tickets import service as ticket_service
    from rapport.tickets.schemas import TicketRead

    def shape(schema: type[BaseModel]) -> Callable[[Any, Principal], BaseModel]:
        return lambda record, _principal: schema.model_validate(record)

    return {
        "customers": Exporter(customer_service.customers, customer_service.present),
        "companies": Exporter(customer_service.companies, customer_service.present_company),
        "products": Exporter(sales_service.products, shape(ProductRead)),
        "orders": Exporter(sales_service.orders, shape(OrderRead)),
        "deals": Exporter(sales_service.deals, shape(DealRead)),
        "interactions": Exporter(interaction_service.interactions, shape(InteractionRead)),
        "tickets": Exporter(ticket_service.tickets, shape(TicketRead)),
        "tasks": Exporter(task_service.tasks, shape(TaskRead)),
    }


def check(session: Session, principal: Principal, entity: str, fmt: str) -> Exporter:
    """The exporter for `entity`, or why not: an unknown entity or format (Invalid), no right to read it (Forbidden)."""
    known = exporters()
    if entity not in known:
        raise Invalid(f"cannot export '{entity}'; one of: {', '.join(sorted(known))}")
    if fmt not in FORMATS:
        raise Invalid(f"format must be one of {', '.join(FORMATS)}")
    for needed in ("exports", entity):
        if not can(principal, needed, Action.read):
            audit.deny(session, principal, action="export", entity=entity, entity_id=None)
            require(principal, needed, Action.read)
    return known[entity]


def rows(
    session: Session,
    principal: Principal,
    entity: str,
    *,
    filters: Mapping[str, str] | None = None,
    q: str | None = None,
    redact: bool = False,
) -> Iterator[dict[str, Any]]:
    """Every visible record, shaped for this principal, page by page (constant memory). `redact`: personal data in
    free-text fields (notes, bodies, subjects …) becomes `<KIND>` (rapport.privacy.redaction.PiiRedactor.mask)."""
    exporter = check(session, principal, entity, "csv")
    redactor = PiiRedactor() if redact else None
    cursor: str | None = None
    while True:
        query = ListQuery(limit=PAGE, cursor=cursor, sort="id", q=q, filters=dict(filters or {}))
        page = paginate(session, exporter.records.visible(principal), exporter.records.listing, query)
        for record in page.items:
            shaped = exporter.present(record, principal).model_dump(mode="json")
            if redactor is not None:
                shaped = {
                    k: redactor.mask(v) if k in FREE_TEXT and isinstance(v, str) else v for k, v in shaped.items()
                }
            yield shaped
        session.expunge_all()
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def write(records: Iterator[dict[str, Any]], fmt: str, out: IO[bytes]) -> int:
    """Write records to a binary stream as CSV (UTF-8 with BOM, so Excel reads Chinese), JSONL or Excel."""
    if fmt == "jsonl":
        count = 0
        for record in records:
            out.write((json.dumps(record, ensure_ascii=False) + "\n").encode())
            count += 1
        return count
    if fmt == "xlsx":
        return _write_xlsx(records, out)
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    try:
        return _write_csv(records, text)
    finally:
        text.detach()


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _write_csv(records: Iterator[dict[str, Any]], text: IO[str]) -> int:
    writer: csv.DictWriter[str] | None = None
    count = 0
    for record in records:
        if writer is None:
            writer = csv.DictWriter(text, fieldnames=list(record))
            writer.writeheader()
        writer.writerow({k: _cell(v) for k, v in record.items()})
        count += 1
    return count


def _write_xlsx(records: Iterator[dict[str, Any]], out: IO[bytes]) -> int:
    from openpyxl import Workbook  # only Excel exports need it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("export")
    header: list[str] | None = None
    count = 0
    for record in records:
        if header is None:
            header = list(record)
            sheet.append(header)
        sheet.append([_cell(record.get(name)) for name in header])
        count += 1
    workbook.save(out)
    return count


def export(
    session: Session,
    principal: Principal,
    entity: str,
    fmt: str,
    out: IO[bytes],
    *,
    filters: Mapping[str, str] | None = None,
    q: str | None = None,
    redact: bool = False,
) -> int:
    """Write the export and record it in the audit log; returns the number of records."""
    check(session, principal, entity, fmt)
    count = write(rows(session, principal, entity, filters=filters, q=q, redact=redact), fmt, out)
    audit.record(
        session,
        principal,
        action="export",
        entity=entity,
        detail={"count": count, "format": fmt, "filters": dict(filters or {}), "q": q, "redacted": redact},
    )
    return count


def validate_query(
    session: Session, principal: Principal, entity: str, *, filters: Mapping[str, str] | None, q: str | None
) -> None:
    """Refuse bad filters before a streamed response has started (an error mid-stream would cut the file)."""
    exporter = exporters()[entity]
    query = ListQuery(limit=1, sort="id", q=q, filters=dict(filters or {}))
    paginate(session, exporter.records.visible(principal), exporter.records.listing, query)


def stream(
    open_session: Callable[[], Session],
    principal: Principal,
    entity: str,
    fmt: str,
    *,
    filters: Mapping[str, str] | None = None,
    q: str | None = None,
    redact: bool = False,
) -> Iterator[bytes]:
    """The export as chunks of bytes, read in its own session (a streamed response outlives the request's),
    audited once the last chunk is out."""
    with open_session() as session:
        counted = _Counted(rows(session, principal, entity, filters=filters, q=q, redact=redact))
        if fmt == "xlsx":
            with tempfile.SpooledTemporaryFile(max_size=32 << 20) as spool:
                _write_xlsx(counted, spool)
                spool.seek(0)
                yield from iter(lambda: spool.read(STREAM_CHUNK), b"")
        else:
            yield from _text_chunks(counted, fmt)
        audit.record(
            session,
            principal,
            action="export",
            entity=entity,
            detail={"count": counted.count, "format": fmt, "filters": dict(filters or {}), "q": q, "redacted": redact},
        )
        session.commit()


class _Counted:
    def __init__(self, records: Iterator[dict[str, Any]]) -> None:
        self.records = records
        self.count = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self

    def __next__(self) -> dict[str, Any]:
        record = next(self.records)
        self.count += 1
        return record


def _text_chunks(records: Iterator[dict[str, Any]], fmt: str) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer: csv.DictWriter[str] | None = None
    if fmt == "csv":
        buffer.write("\ufeff")
    for record in records:
        if fmt == "jsonl":
            buffer.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            if writer is None:
                writer = csv.DictWriter(buffer, fieldnames=list(record))
                writer.writeheader()
            writer.writerow({k: _cell(v) for k, v in record.items()})
        if buffer.tell() >= STREAM_CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()
