"""Import batches for the doors: upload (whole or in parts), analyse (format, headers, suggested mapping), edit the
mapping and options, preview, queue, cancel, report."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from rapport.errors import Conflict, Invalid
from rapport.ingest import mapping as column_mapping
from rapport.ingest import readers
from rapport.ingest.fields import ENTITIES
from rapport.ingest.models import ImportBatch, QuarantinedRow
from rapport.ingest.pipeline import file_info, is_alive
from rapport.ingest.presets import clean_source, preset_mapping
from rapport.ingest.rows import Context, Options, prepare
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, require
from rapport.privacy.scopes import owned_by
from rapport.store.listing import Listing
from rapport.store.records import Records

AUTO_MAP_SCORE = 82.0
MAX_CHUNK = 5000
EDITABLE = frozenset({"uploading", "ready", "failed", "cancelled"})


def batch_scope(principal: Principal) -> ColumnElement[bool] | None:
    """Reps see the imports they started; managers their teams'; admins all."""
    return owned_by(ImportBatch.created_by_id, principal)


batches = Records(
    model=ImportBatch,
    entity="imports",
    scope=batch_scope,
    listing=Listing(
        id_column=ImportBatch.id,
        sortable={"id": ImportBatch.id, "created_at": ImportBatch.created_at},
        filterable={
            "entity": ImportBatch.entity,
            "status": ImportBatch.status,
            "source": ImportBatch.source,
            "created_by_id": ImportBatch.created_by_id,
            "created_at": ImportBatch.created_at,
        },
        searchable=(ImportBatch.filename,),
    ),
)


def _require_entity(principal: Principal, entity: str) -> None:
    if entity not in ENTITIES:
        raise Invalid(f"cannot import '{entity}'; one of: {', '.join(ENTITIES)}")
    require(principal, "imports", Action.create)
    require(principal, entity, Action.create)
    require(principal, entity, Action.update)


def safe_filename(name: str) -> str:
    base = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^\w.\-]+", "_", base).strip("._") or "upload"
    return cleaned[:200]


def create(
    session: Session,
    principal: Principal,
    *,
    entity: str,
    path: Path,
    filename: str | None = None,
    source: str = "file",
    mapping: Mapping[str, str | None] | None = None,
    preset: str | None = None,
    options: Mapping[str, Any] | None = None,
    chunk_size: int = 2000,
    resume: bool = False,
) -> ImportBatch:
    """A batch for a file already on disk (the CLI's file, or a finished upload), analysed and mapped. With
    `resume`, an unfinished import of the same file with the same mapping is returned instead, to be continued."""
    _require_entity(principal, entity)
    batch = ImportBatch(
        entity=entity,
        source=clean_source(source),
        filename=(filename or path.name)[:255],
        file_path=str(path.resolve()),
        status="ready",
        created_by_id=principal.user_id,
        chunk_size=_chunk(chunk_size),
        options=Options.of(options).as_dict(),
        headers=[],
        mapping={},
    )
    analyse(session, batch, mapping=mapping, preset=preset)
    if resume and batch.file_sha256:
        unfinished = resumable(
            session, entity=entity, source=batch.source, sha256=batch.file_sha256, mapping=batch.mapping
        )
        if unfinished is not None:
            return unfinished
    session.add(batch)
    session.flush()
    audit.record(
        session, principal, action="create", entity="imports", entity_id=batch.id, detail={"file": batch.filename}
    )
    return batch


def start_upload(
    session: Session, principal: Principal, *, entity: str, filename: str, directory: Path, source: str = "file"
) -> ImportBatch:
    """A batch whose file arrives in parts (`append`), for files larger than one request may carry."""
    _require_entity(principal, entity)
    batch = ImportBatch(
        entity=entity,
        source=clean_source(source),
        filename=filename[:255],
        file_path="",
        status="uploading",
        created_by_id=principal.user_id,
        options=Options().as_dict(),
    )
    session.add(batch)
    session.flush()
    target = directory / str(batch.id) / safe_filename(filename)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"")
    batch.file_path = str(target)
    session.flush()
    return batch


def append(session: Session, principal: Principal, batch_id: int, *, offset: int, data: bytes) -> int:
    """Add a part at `offset` (the size received so far); a repeated part is ignored. Returns the size now."""
    batch = batches.get(session, principal, batch_id, action=Action.update)
    if batch.status != "uploading":
        raise Conflict(f"import {batch_id} is not receiving a file (it is {batch.status})")
    path = Path(batch.file_path)
    size = path.stat().st_size
    if offset + len(data) <= size:
        return size  # a retried part we already have
    if offset != size:
        raise Conflict(f"expected the part at offset {size}, got {offset}", details={"received_bytes": size})
    with path.open("ab") as fh:
        fh.write(data)
    return size + len(data)


def finish_upload(
    session: Session,
    principal: Principal,
    batch_id: int,
    *,
    mapping: Mapping[str, str | None] | None = None,
    preset: str | None = None,
) -> ImportBatch:
    batch = batches.get(session, principal, batch_id, action=Action.update)
    if batch.status != "uploading":
        raise Conflict(f"import {batch_id} is not receiving a file (it is {batch.status})")
    batch.status = "ready"
    analyse(session, batch, mapping=mapping, preset=preset)
    session.flush()
    return batch


def analyse(
    session: Session,
    batch: ImportBatch,
    *,
    mapping: Mapping[str, str | None] | None = None,
    preset: str | None = None,
) -> None:
    """Sniff the file and set a mapping: the one given, else the preset's plus confident suggestions."""
    path = Path(batch.file_path)
    if not path.is_file() or path.stat().st_size == 0:
        raise Invalid("the file is empty or missing")
    info = readers.detect(path, batch.filename, encoding=batch.options.get("encoding"))
    if not info.headers:
        raise Invalid("the file has no header row (or no rows at all)")
    batch.format, batch.encoding, batch.delimiter = info.format, info.encoding, info.delimiter
    batch.headers, batch.file_size, batch.file_sha256 = info.headers, info.size_bytes, file_digest(path)
    if mapping is not None:
        batch.mapping = column_mapping.check(mapping, batch.entity, info.headers)
    else:
        suggested = suggestions(session, batch, preset)
        batch.mapping = {s.column: s.field for s in suggested if s.field and s.score >= AUTO_MAP_SCORE}
        if preset:
            batch.options = {**batch.options, "preset": preset}


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def suggestions(session: Session, batch: ImportBatch, preset: str | None = None) -> list[column_mapping.Suggestion]:
    preset_name = preset or batch.options.get("preset")
    preset_map = preset_mapping(session, preset_name, batch.entity) if preset_name else None
    if preset_map is None and preset_name is None:
        preset_map = _builtin_forclean_source(batch)
    return column_mapping.suggest(list(batch.headers), batch.entity, preset_map)


def _builtin_forclean_source(batch: ImportBatch) -> dict[str, str] | None:
    for preset in column_mapping.PRESETS.values():
        if preset.source == batch.source and preset.entity == batch.entity:
            return preset.mapping
    return None


def update(
    session: Session,
    principal: Principal,
    batch_id: int,
    *,
    mapping: Mapping[str, str | None] | None = None,
    options: Mapping[str, Any] | None = None,
    source: str | None = None,
    chunk_size: int | None = None,
) -> ImportBatch:
    """Change the mapping, options or source before the import has written anything."""
    batch = batches.get(session, principal, batch_id, action=Action.update)
    if batch.status not in EDITABLE or batch.last_committed_row:
        raise Conflict(f"import {batch_id} has started; start a new import to change how the file is read")
    if mapping is not None:
        batch.mapping = column_mapping.check(mapping, batch.entity, list(batch.headers))
    if options is not None:
        batch.options = {**Options.of({**batch.options, **options}).as_dict(), "preset": batch.options.get("preset")}
    if source is not None:
        batch.source = clean_source(source)
    if chunk_size is not None:
        batch.chunk_size = _chunk(chunk_size)
    session.flush()
    return batch


@dataclass(frozen=True)
class PreviewRow:
    number: int
    line: int
    raw: dict[str, Any]
    values: dict[str, Any]
    errors: list[dict[str, Any]]
    warnings: list[str]


def preview(session: Session, principal: Principal, batch_id: int, *, limit: int = 20) -> list[PreviewRow]:
    """The first rows as the import would see them: cleaned values and errors; nothing is written."""
    batch = batches.get(session, principal, batch_id)
    if batch.status == "uploading":
        raise Conflict("the file is still being uploaded")
    ctx = Context(batch.entity, batch.mapping, Options.of(batch.options))
    rows: list[PreviewRow] = []
    for record in readers.read(Path(batch.file_path), file_info(batch)):
        if len(rows) >= limit:
            break
        prepared = prepare(ctx, record)
        rows.append(
            PreviewRow(
                number=record.number,
                line=record.line,
                raw=readers.jsonable(record.values),
                values=readers.jsonable({**prepared.defaults, **prepared.values}),
                errors=[e.as_dict() for e in prepared.errors],
                warnings=prepared.warnings,
            )
        )
    return rows


def queue(session: Session, principal: Principal, batch_id: int) -> ImportBatch:
    """Mark the batch to run (the door starts `run_import` after this commits)."""
    batch = batches.get(session, principal, batch_id, action=Action.update)
    _require_entity(principal, batch.entity)
    if batch.status == "running" and is_alive(batch):
        raise Conflict(f"import {batch_id} is already running")
    if batch.status not in {"ready", "failed", "cancelled", "running", "queued"}:
        raise Conflict(f"import {batch_id} is {batch.status}; it cannot run")
    column_mapping.check(batch.mapping, batch.entity, list(batch.headers))
    batch.status = "queued"
    session.flush()
    return batch


def cancel(session: Session, principal: Principal, batch_id: int) -> ImportBatch:
    """Stop after the chunk being written; what was committed stays, and `run` continues from there later."""
    batch = batches.get(session, principal, batch_id, action=Action.update)
    if batch.status == "running":
        batch.status = "cancelling"
    elif batch.status in {"ready", "queued", "uploading"}:
        batch.status = "cancelled"
    else:
        raise Conflict(f"import {batch_id} is {batch.status}; there is nothing to cancel")
    session.flush()
    return batch


def resumable(
    session: Session, *, entity: str, source: str, sha256: str, mapping: Mapping[str, str]
) -> ImportBatch | None:
    """An unfinished import of the same file with the same mapping: re-running the file continues it."""
    stmt = (
        select(ImportBatch)
        .where(
            ImportBatch.entity == entity,
            ImportBatch.source == source,
            ImportBatch.file_sha256 == sha256,
            ImportBatch.status.in_(("ready", "queued", "running", "failed", "cancelled")),
            ImportBatch.last_committed_row > 0,
        )
        .order_by(ImportBatch.id.desc())
    )
    for batch in session.scalars(stmt):
        if batch.mapping == dict(mapping):
            return batch
    return None


def report(session: Session, batch: ImportBatch) -> dict[str, Any]:
    """Counts (with the invariant), speed, the commonest errors, warnings, and the open quarantine."""
    accounted = batch.rows_inserted + batch.rows_updated + batch.rows_unchanged + batch.rows_quarantined
    open_rows = session.scalar(
        select(func.count(QuarantinedRow.id)).where(
            QuarantinedRow.batch_id == batch.id, QuarantinedRow.status == "open"
        )
    )
    seconds = batch.seconds_running or 0.0
    return {
        "rows_read": batch.rows_read,
        "inserted": batch.rows_inserted,
        "updated": batch.rows_updated,
        "unchanged": batch.rows_unchanged,
        "quarantined": batch.rows_quarantined,
        "counts_add_up": accounted == batch.rows_read,
        "quarantine_open": open_rows or 0,
        "seconds": round(seconds, 2),
        "rows_per_s": round(batch.rows_read / seconds, 1) if seconds else None,
        "errors": dict(sorted(batch.error_counts.items(), key=lambda kv: -int(kv[1]))[:50]),
        "warnings": batch.warnings,
    }


def _chunk(size: int) -> int:
    if not 1 <= size <= MAX_CHUNK:
        raise Invalid(f"chunk size must be 1 to {MAX_CHUNK}")
    return size
