"""Imports, the quarantine, mapping presets, duplicate review and merges, and exports.

A page drives an import like this: upload the file (`POST /imports`, or in parts through `/imports/uploads` for files
larger than one request may carry) → read the detected format and suggested mapping → `PATCH` the mapping and
options → `GET …/preview` → `POST …/run` (runs in the background once the request has committed) → poll
`GET /imports/{id}` for progress → `GET …/report` → fix rows in `…/quarantine` and re-import them.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Body, File, Form, Query, Request, UploadFile, status
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse

from rapport.api.deps import AppSettings, CurrentPrincipal, DbSession, ListParams, PageOut
from rapport.errors import Invalid
from rapport.ingest import duplicates, pipeline, presets, quarantine
from rapport.ingest import export as exporting
from rapport.ingest import merge as merging
from rapport.ingest import service as import_service
from rapport.ingest.fields import FIELDS
from rapport.ingest.models import ImportBatch
from rapport.ingest.schemas import (
    CandidateRead,
    Entity,
    FieldRead,
    ImportRead,
    ImportUpdate,
    MergeRead,
    MergeRequest,
    MergeResultRead,
    PairRead,
    PresetCreate,
    PresetRead,
    PreviewRowRead,
    QuarantinedRowRead,
    ReimportRead,
    ReimportRequest,
    ReportRead,
    RowFix,
    RowFixRead,
    ScanRead,
    ScanRequest,
    SuggestionRead,
    UploadStart,
)

router = APIRouter()
log = logging.getLogger("rapport.api.ingest")
RecordId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
UPLOAD_BLOCK = 1 << 20


def _read(db: DbSession, batch: ImportBatch) -> ImportRead:
    suggestions = [] if batch.status == "uploading" else import_service.suggestions(db, batch)
    read = ImportRead.model_validate(batch)
    return read.model_copy(
        update={"suggestions": [SuggestionRead.model_validate(s, from_attributes=True) for s in suggestions]}
    )


def _uploads(settings: AppSettings) -> Path:
    return Path(settings.data_dir) / "imports"


# ---------------------------------------------------------------- fields and presets


@router.get("/imports/fields", tags=["imports"])
def list_fields(principal: CurrentPrincipal) -> dict[str, list[FieldRead]]:
    """Every field a column can be mapped to, per entity, with its kind, limits and the header names it knows."""
    return {
        entity: [
            FieldRead(
                name=f.name,
                kind=f.kind,
                required=f.required,
                max_length=f.max_length,
                choices=sorted(set(f.choices.values())),
                synonyms=list(f.synonyms),
            )
            for f in fields
        ]
        for entity, fields in FIELDS.items()
    }


@router.get("/imports/presets", tags=["imports"])
def list_presets(db: DbSession, principal: CurrentPrincipal, entity: Entity | None = None) -> list[PresetRead]:
    """Built-in presets (Salesforce, HubSpot, Twenty, shop exports) and saved ones."""
    return [PresetRead.model_validate(p) for p in presets.list_presets(db, principal, entity)]


@router.post("/imports/presets", status_code=status.HTTP_201_CREATED, tags=["imports"])
def save_preset(body: PresetCreate, db: DbSession, principal: CurrentPrincipal) -> PresetRead:
    options = body.options.model_dump(exclude_none=True) if body.options else None
    preset = presets.save_preset(
        db, principal, name=body.name, entity=body.entity, mapping=body.mapping, source=body.source, options=options
    )
    return PresetRead(
        name=preset.name, entity=preset.entity, source=preset.source, mapping=preset.mapping, is_builtin=False
    )


@router.delete("/imports/presets/{name}", status_code=status.HTTP_204_NO_CONTENT, tags=["imports"])
def delete_preset(name: str, db: DbSession, principal: CurrentPrincipal) -> None:
    presets.delete_preset(db, principal, name)


# ---------------------------------------------------------------- uploads


@router.post("/imports", status_code=status.HTTP_201_CREATED, tags=["imports"])
def upload(
    db: DbSession,
    principal: CurrentPrincipal,
    settings: AppSettings,
    file: Annotated[UploadFile, File(description="CSV, TSV, XLSX, JSON or JSONL.")],
    entity: Annotated[Entity, Form()],
    source: Annotated[str, Form(max_length=40)] = "file",
    preset: Annotated[str | None, Form(max_length=120)] = None,
) -> ImportRead:
    """Upload a whole file (up to the request size limit; larger files go through /imports/uploads)."""
    batch = import_service.start_upload(
        db, principal, entity=entity, filename=file.filename or "upload", directory=_uploads(settings), source=source
    )
    with Path(batch.file_path).open("wb") as out:
        shutil.copyfileobj(file.file, out, UPLOAD_BLOCK)
    return _read(db, import_service.finish_upload(db, principal, batch.id, preset=preset))


@router.post("/imports/uploads", status_code=status.HTTP_201_CREATED, tags=["imports"])
def start_upload(body: UploadStart, db: DbSession, principal: CurrentPrincipal, settings: AppSettings) -> ImportRead:
    """Start an upload in parts: then `PUT …/content?offset=` each part and `POST …/content/complete`."""
    batch = import_service.start_upload(
        db, principal, entity=body.entity, filename=body.filename, directory=_uploads(settings), source=body.source
    )
    return _read(db, batch)


@router.put("/imports/{batch_id}/content", tags=["imports"])
def put_part(
    batch_id: RecordId,
    data: Annotated[bytes, Body(media_type="application/octet-stream", description="The next part of the file.")],
    db: DbSession,
    principal: CurrentPrincipal,
    offset: Annotated[int, Query(ge=0, description="Bytes received so far (a repeated part is ignored).")],
) -> dict[str, int]:
    """Append one part of the file (raw bytes, `application/octet-stream`)."""
    if not data:
        raise Invalid("the part is empty")
    return {"received_bytes": import_service.append(db, principal, batch_id, offset=offset, data=data)}


@router.post("/imports/{batch_id}/content/complete", tags=["imports"])
def complete_upload(
    batch_id: RecordId, db: DbSession, principal: CurrentPrincipal, preset: str | None = None
) -> ImportRead:
    """The last part is in: detect the format and suggest a mapping."""
    return _read(db, import_service.finish_upload(db, principal, batch_id, preset=preset))


# ---------------------------------------------------------------- batches


@router.get("/imports", response_model=PageOut[ImportRead], tags=["imports"])
def list_imports(db: DbSession, principal: CurrentPrincipal, query: ListParams) -> PageOut[ImportRead]:
    """Your imports (all, for admins; your teams', for managers). Filters: entity, status, source, created_by_id."""
    page = import_service.batches.list(db, principal, query)
    return PageOut(
        items=[ImportRead.model_validate(b) for b in page.items], next_cursor=page.next_cursor, limit=page.limit
    )


@router.get("/imports/{batch_id}", tags=["imports"])
def get_import(batch_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> ImportRead:
    """Status, progress (0–1), counts so far, mapping and suggestions: poll this while an import runs."""
    return _read(db, import_service.batches.get(db, principal, batch_id))


@router.patch("/imports/{batch_id}", tags=["imports"])
def update_import(batch_id: RecordId, body: ImportUpdate, db: DbSession, principal: CurrentPrincipal) -> ImportRead:
    """Edit the mapping, options or source before the import runs."""
    options = body.options.model_dump(exclude_none=True) if body.options else None
    batch = import_service.update(
        db, principal, batch_id, mapping=body.mapping, options=options, source=body.source, chunk_size=body.chunk_size
    )
    return _read(db, batch)


@router.get("/imports/{batch_id}/preview", tags=["imports"])
def preview(
    batch_id: RecordId, db: DbSession, principal: CurrentPrincipal, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> list[PreviewRowRead]:
    """The first rows as the import would clean them, with their errors; nothing is written."""
    return [
        PreviewRowRead.model_validate(r, from_attributes=True)
        for r in import_service.preview(db, principal, batch_id, limit=limit)
    ]


def _run_in_background(request: Request, batch_id: int) -> None:
    try:
        pipeline.run_import(request.app.state.engine, batch_id)
    except Exception:  # recorded on the batch (status failed, error) by run_import; a job has no caller to tell
        log.exception("import %s stopped", batch_id)


@router.post("/imports/{batch_id}/run", status_code=status.HTTP_202_ACCEPTED, tags=["imports"])
def run_import(
    batch_id: RecordId, request: Request, background: BackgroundTasks, db: DbSession, principal: CurrentPrincipal
) -> ImportRead:
    """Queue the import; it runs in the background after this request commits. Running a failed or cancelled
    import again continues it from its last committed row."""
    batch = import_service.queue(db, principal, batch_id)
    background.add_task(_run_in_background, request, batch_id)
    return _read(db, batch)


@router.post("/imports/{batch_id}/cancel", tags=["imports"])
def cancel_import(batch_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> ImportRead:
    """Stop after the chunk being written (what is committed stays; `run` continues it)."""
    return _read(db, import_service.cancel(db, principal, batch_id))


@router.get("/imports/{batch_id}/report", tags=["imports"])
def report(batch_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> ReportRead:
    """Rows read = inserted + updated + unchanged + quarantined, speed, commonest errors, warnings."""
    batch = import_service.batches.get(db, principal, batch_id)
    return ReportRead.model_validate(import_service.report(db, batch))


# ---------------------------------------------------------------- quarantine


@router.get("/imports/{batch_id}/quarantine", response_model=PageOut[QuarantinedRowRead], tags=["imports"])
def list_quarantine(
    batch_id: RecordId, db: DbSession, principal: CurrentPrincipal, query: ListParams
) -> PageOut[QuarantinedRowRead]:
    """Rows the import could not take: original content, reasons, fixes. Filters: status (open, reimported…)."""
    page = quarantine.list_rows(db, principal, batch_id, query)
    return PageOut(
        items=[QuarantinedRowRead.model_validate(r) for r in page.items], next_cursor=page.next_cursor, limit=page.limit
    )


@router.patch("/imports/quarantine/{row_id}", tags=["imports"])
def fix_row(row_id: RecordId, body: RowFix, db: DbSession, principal: CurrentPrincipal) -> RowFixRead:
    """Correct values (by file column); the answer says which errors remain. Re-import to apply."""
    row, remaining = quarantine.fix(db, principal, row_id, body.values)
    return RowFixRead(row=QuarantinedRowRead.model_validate(row), remaining_errors=remaining)


@router.post("/imports/quarantine/{row_id}/discard", tags=["imports"])
def discard_row(row_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> QuarantinedRowRead:
    return QuarantinedRowRead.model_validate(quarantine.discard(db, principal, row_id))


@router.post("/imports/{batch_id}/quarantine/reimport", tags=["imports"])
def reimport(batch_id: RecordId, body: ReimportRequest, db: DbSession, principal: CurrentPrincipal) -> ReimportRead:
    """Import the open rows (or those named) with their fixes; rows still wrong stay, with new reasons."""
    return ReimportRead.model_validate(quarantine.reimport(db, principal, batch_id, body.row_ids))


# ---------------------------------------------------------------- duplicates and merges


@router.post("/duplicates/scan", tags=["duplicates"])
def scan(body: ScanRequest, db: DbSession, principal: CurrentPrincipal) -> ScanRead:
    """Find likely duplicate customers and add them to the review queue."""
    result = duplicates.scan(db, principal, min_score=body.min_score, ids=body.customer_ids)
    return ScanRead(customers=result.customers, pairs=result.pairs, new=result.new, updated=result.updated)


@router.get("/duplicates", response_model=PageOut[PairRead], tags=["duplicates"])
def list_duplicates(db: DbSession, principal: CurrentPrincipal, query: ListParams) -> PageOut[PairRead]:
    """The review queue, best first: each pair with its score, reasons and both customers (masked for your role).
    Filters: status (open, merged, rejected), score__gte, customer_a_id, customer_b_id."""
    pairs, cursor = duplicates.list_pairs(db, principal, query)
    items = [PairRead(candidate=CandidateRead.model_validate(p.candidate), a=p.a, b=p.b) for p in pairs]
    return PageOut(items=items, next_cursor=cursor, limit=query.limit)


@router.post("/duplicates/{candidate_id}/reject", tags=["duplicates"])
def reject(candidate_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> CandidateRead:
    """Not the same person: the pair leaves the queue for good."""
    return CandidateRead.model_validate(duplicates.reject(db, principal, candidate_id))


@router.post("/duplicates/merge", tags=["duplicates"])
def merge(body: MergeRequest, db: DbSession, principal: CurrentPrincipal) -> list[MergeResultRead]:
    """Merge pairs (keep, drop) in bulk; each succeeds or fails on its own, with the reason."""
    pairs = [(p.keep_id, p.drop_id) for p in body.pairs]
    return [MergeResultRead.model_validate(r) for r in merging.merge_many(db, principal, pairs, body.rules)]


@router.get("/customers/{customer_id}/merges", tags=["duplicates"])
def merge_history(customer_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> list[MergeRead]:
    """Every merge the customer took part in, with where each surviving value came from."""
    return [MergeRead.model_validate(m) for m in merging.history(db, principal, customer_id)]


@router.post("/merges/{merge_id}/unmerge", tags=["duplicates"])
def unmerge(merge_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> MergeRead:
    """Restore both customers and move their orders, interactions, tickets, deals and tasks back."""
    return MergeRead.model_validate(merging.unmerge(db, principal, merge_id))


# ---------------------------------------------------------------- exports


@router.get("/exports/{entity}", tags=["exports"], response_class=StreamingResponse)
def export(
    entity: str,
    request: Request,
    db: DbSession,
    principal: CurrentPrincipal,
    format: Literal["csv", "jsonl", "xlsx"] = "csv",
    q: Annotated[str | None, Query(max_length=200)] = None,
    redact: bool = False,
) -> StreamingResponse:
    """Stream an entity (customers, companies, products, orders, deals, interactions, tickets, tasks) as CSV, JSONL
    or Excel, with your record reach and masking; other query parameters filter as in the entity's list.
    `redact=true` masks personal data in free-text fields (notes, bodies, subjects) as `<KIND>`."""
    exporting.check(db, principal, entity, format)
    filters = {k: v for k, v in request.query_params.items() if k not in {"format", "q", "redact"}}
    exporting.validate_query(db, principal, entity, filters=filters, q=q)
    chunks = exporting.stream(
        request.app.state.sessionmaker, principal, entity, format, filters=filters, q=q, redact=redact
    )
    return StreamingResponse(
        chunks,
        media_type=exporting.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{entity}.{format}"'},
    )
