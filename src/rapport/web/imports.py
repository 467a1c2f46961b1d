"""The import page: upload a file, map its columns, preview, run with live progress, review and fix quarantined rows.

It drives the ingest domain's services (`rapport.ingest.service` and `.quarantine`) with the viewer's principal.
The import itself runs after the request's transaction commits (a background task of the response), and the page
follows it through the generic progress partial. A file larger than one request may carry goes through the API's
upload in parts instead.
"""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import Response
from sqlalchemy.orm import Session

from rapport.api.deps import DbSession
from rapport.errors import Forbidden, Invalid, RapportError
from rapport.ingest import pipeline
from rapport.ingest import quarantine as quarantine_service
from rapport.ingest import service as import_service
from rapport.ingest.fields import ENTITIES, fields_of
from rapport.ingest.models import ImportBatch
from rapport.privacy.access import Principal
from rapport.store.listing import ListQuery
from rapport.web import progress
from rapport.web.kit import CurrentViewer, FormFields, PageRoute, Viewer, redirect, render

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)
RecordId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
MAPPING_PREFIX = "map:"
FIX_PREFIX = "fix:"
PREVIEW_ROWS = 10
RUNNING = frozenset({"queued", "running", "cancelling"})


def _require_import(viewer: Viewer) -> None:
    if not viewer.can("imports", "create"):
        raise Forbidden("your role may not import data")


@router.get("/imports")
def imports_page(request: Request, db: DbSession, viewer: CurrentViewer) -> Response:
    _require_import(viewer)
    page = import_service.batches.list(db, viewer.principal, ListQuery(limit=20, sort="-created_at"))
    return render(request, "imports/index.html", {"batches": page.items, "entities": ENTITIES})


@router.post("/imports")
def upload(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    file: Annotated[UploadFile, File()],
    entity: Annotated[str, Form(max_length=20)] = "customers",
    source: Annotated[str, Form(max_length=40)] = "file",
) -> Response:
    """Keep the file under the data directory, then let the service analyse it and suggest a mapping."""
    _require_import(viewer)
    if not file.filename:
        raise Invalid("choose a file to import")
    folder = Path(request.app.state.settings.data_dir) / "imports" / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / import_service.safe_filename(file.filename)
    with path.open("wb") as out:
        while chunk := file.file.read(1 << 20):
            out.write(chunk)
    try:
        batch = import_service.create(
            db, viewer.principal, entity=entity, path=path, filename=file.filename, source=source or "file"
        )
    except RapportError:
        path.unlink(missing_ok=True)
        folder.rmdir()
        raise
    return redirect(f"/app/imports/{batch.id}", request)


def _batch_context(db: Session, principal: Principal, batch: ImportBatch) -> dict[str, Any]:
    context: dict[str, Any] = {"batch": batch, "is_running": batch.status in RUNNING}
    editable = batch.status in import_service.EDITABLE and not batch.last_committed_row
    context["editable"] = editable
    if editable:
        suggestions = {s.column: s for s in import_service.suggestions(db, batch)}
        context["fields"] = list(fields_of(batch.entity).values())
        context["suggestions"] = suggestions
        try:
            context["preview"] = import_service.preview(db, principal, batch.id, limit=PREVIEW_ROWS)
            context["preview_error"] = None
        except RapportError as exc:
            context["preview"], context["preview_error"] = [], exc.message
    if context["is_running"]:
        context["progress"] = _progress(db, principal, str(batch.id))
    if batch.status not in RUNNING and batch.rows_read:
        context["report"] = import_service.report(db, batch)
        query = ListQuery(limit=50, sort="row_number", filters={"status": "open"})
        context["quarantine"] = quarantine_service.list_rows(db, principal, batch.id, query).items
    return context


@router.get("/imports/{batch_id}")
def batch_page(request: Request, batch_id: RecordId, db: DbSession, viewer: CurrentViewer) -> Response:
    batch = import_service.batches.get(db, viewer.principal, batch_id)
    return render(request, "imports/batch.html", _batch_context(db, viewer.principal, batch))


@router.post("/imports/{batch_id}/mapping")
def save_mapping(
    request: Request, batch_id: RecordId, db: DbSession, viewer: CurrentViewer, form: FormFields
) -> Response:
    """Each file column maps to one field or to nothing (an empty choice leaves the column out)."""
    mapping = {k[len(MAPPING_PREFIX) :]: (v or None) for k, v in form.items() if k.startswith(MAPPING_PREFIX)}
    import_service.update(db, viewer.principal, batch_id, mapping=mapping)
    return redirect(f"/app/imports/{batch_id}#preview", request)


@router.post("/imports/{batch_id}/run")
def run(
    request: Request, batch_id: RecordId, db: DbSession, viewer: CurrentViewer, background: BackgroundTasks
) -> Response:
    import_service.queue(db, viewer.principal, batch_id)
    # Runs after this request's transaction has committed the queued state (background tasks follow the response).
    background.add_task(_run_import, request.app.state.engine, batch_id)
    return redirect(f"/app/imports/{batch_id}", request)


def _run_import(bind: Any, batch_id: int) -> None:
    # A failure is logged and written on the batch by the pipeline, and the page shows it; nothing to add here.
    with contextlib.suppress(Exception):
        pipeline.run_import(bind, batch_id)


@router.post("/imports/{batch_id}/cancel")
def cancel(request: Request, batch_id: RecordId, db: DbSession, viewer: CurrentViewer) -> Response:
    import_service.cancel(db, viewer.principal, batch_id)
    return redirect(f"/app/imports/{batch_id}", request)


@router.post("/imports/{batch_id}/quarantine/{row_id}")
def fix_row(
    request: Request,
    batch_id: RecordId,
    row_id: RecordId,
    db: DbSession,
    viewer: CurrentViewer,
    form: FormFields,
) -> Response:
    """Store the corrected values; when no error remains, import the row at once."""
    values = {k[len(FIX_PREFIX) :]: v for k, v in form.items() if k.startswith(FIX_PREFIX)}
    if form.get("action") == "discard":
        quarantine_service.discard(db, viewer.principal, row_id)
        return redirect(f"/app/imports/{batch_id}#quarantine", request)
    row, errors = quarantine_service.fix(db, viewer.principal, row_id, values)
    if row.batch_id != batch_id:
        raise Invalid(f"row {row_id} is not part of import {batch_id}")
    if not errors:
        quarantine_service.reimport(db, viewer.principal, batch_id, [row_id])
    return redirect(f"/app/imports/{batch_id}#quarantine", request)


@router.post("/imports/{batch_id}/quarantine")
def reimport_all(request: Request, batch_id: RecordId, db: DbSession, viewer: CurrentViewer) -> Response:
    quarantine_service.reimport(db, viewer.principal, batch_id)
    return redirect(f"/app/imports/{batch_id}#quarantine", request)


def _progress(db: Session, principal: Principal, key: str) -> progress.Progress:
    if not key.isdigit():
        raise Invalid("an import is named by its number")
    batch = import_service.batches.get(db, principal, int(key))
    state = {"running": "running", "cancelling": "running", "queued": "queued", "completed": "done"}.get(
        batch.status, batch.status if batch.status in ("failed", "cancelled") else "queued"
    )
    counts = f"+{batch.rows_inserted} ~{batch.rows_updated} ={batch.rows_unchanged} !{batch.rows_quarantined}"
    return progress.Progress(
        done=batch.rows_read,
        total=None,
        state=state,
        message=batch.error or counts,
        result_url=f"/app/imports/{batch.id}",
        fraction=batch.progress,
    )


progress.register("imports", _progress)
