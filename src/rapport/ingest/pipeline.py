"""Running an import: read the file, clean each row, write each chunk in its own transaction, quarantine the rest.

`run_import(bind, batch_id)` is a plain function a job, a thread, the CLI or a test can call. Each chunk's rows,
its quarantined rows and the batch's counters and `last_committed_row` are committed together, so a process killed
at any instant leaves the batch exactly at a chunk boundary; running it again skips the rows already committed and
ends with the same database an uninterrupted run gives. Rows are cleaned before the chunk's transaction opens, so
the single SQLite writer is held only while rows are written.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from queue import Full
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.orm import Session

from rapport.accounts import service as account_service
from rapport.accounts.models import User
from rapport.errors import Busy, Invalid, NotFound
from rapport.ingest.models import ImportBatch, QuarantinedRow
from rapport.ingest.readers import FileInfo, Progress, jsonable, read
from rapport.ingest.rows import Context, Options, Prepared, prepare
from rapport.ingest.upserts import WRITERS, Outcome, WriteContext
from rapport.kit.clock import utcnow
from rapport.privacy import audit
from rapport.privacy.access import Principal, system_principal

log = logging.getLogger("rapport.ingest")

RESUMABLE = frozenset({"ready", "queued", "running", "failed", "cancelled"})
PARALLEL_FROM_BYTES = 8 << 20
QUEUE_CHUNKS = 4
SQLITE_CACHE_KIB = 64 * 1024
STALE_AFTER = timedelta(minutes=2)
Bind = Engine | Connection


@dataclass
class Counts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0

    def add(self, kind: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)

    def check(self) -> None:
        """The invariant every import keeps: each row read is inserted, updated, unchanged or quarantined."""
        total = self.inserted + self.updated + self.unchanged + self.quarantined
        if total != self.read:
            raise AssertionError(f"import lost count of rows: read {self.read}, accounted for {total}")


@dataclass
class Snapshot:
    """What a progress bar or a status endpoint shows."""

    batch_id: int
    status: str
    counts: Counts
    progress: float
    seconds: float
    warnings: dict[str, int] = field(default_factory=dict)
    error_counts: dict[str, int] = field(default_factory=dict)

    @property
    def rows_per_s(self) -> float:
        return self.counts.read / self.seconds if self.seconds else 0.0


OnProgress = Callable[[Snapshot], None]


def run_import(
    bind: Bind, batch_id: int, *, on_progress: OnProgress | None = None, workers: int | None = None
) -> Snapshot:
    """Import (or resume) one batch to its end; returns the final snapshot. Raises Busy when another live process
    is running it, NotFound or Invalid for a batch that cannot run; a crash marks it failed (resumable).
    `workers`: 1 cleans rows in a second process, 0 in this one; None decides by the file's size."""
    batch, principal = _claim(bind, batch_id)
    try:
        return _run(bind, batch, principal, on_progress, workers)
    except Exception as exc:
        log.exception("import %s failed", batch_id)
        with _transaction(bind) as conn:
            conn.execute(
                update(_batches()).where(_batches().c.id == batch_id).values(status="failed", error=str(exc)[:2000])
            )
        raise


def _batches() -> Any:
    return ImportBatch.__table__


@contextmanager
def _transaction(bind: Bind) -> Iterator[Connection]:
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            yield conn
    else:
        with bind.begin_nested():
            yield bind


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def is_alive(batch: ImportBatch) -> bool:
    """Is the process that last ran this batch still at it? A dead local pid or a silent worker is not."""
    if batch.status != "running" or not batch.worker:
        return False
    host, _, pid = batch.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit() and int(pid) != os.getpid():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
    return batch.heartbeat_at is not None and utcnow() - batch.heartbeat_at < STALE_AFTER


def _claim(bind: Bind, batch_id: int) -> tuple[ImportBatch, Principal]:
    with _transaction(bind) as conn, _session(conn) as session:
        batch = session.get(ImportBatch, batch_id, with_for_update=conn.dialect.name == "postgresql")
        if batch is None:
            raise NotFound(f"import {batch_id} not found")
        if batch.status == "completed":
            principal = _principal(session, batch)
            session.commit()
            return batch, principal
        if batch.status not in RESUMABLE:
            raise Invalid(f"import {batch_id} is {batch.status}; it cannot run")
        if batch.status == "running" and is_alive(batch):
            raise Busy(f"import {batch_id} is running in {batch.worker}", retry_after_s=30)
        if not batch.mapping:
            raise Invalid(f"import {batch_id} has no column mapping yet")
        now = utcnow()
        batch.status, batch.worker, batch.heartbeat_at, batch.error = "running", worker_id(), now, None
        batch.started_at = batch.started_at or now
        session.flush()
        if batch.last_committed_row == 0:
            audit.record(
                session,
                _principal(session, batch),
                action="import",
                entity=batch.entity,
                entity_id=None,
                detail={"batch": batch.id, "file": batch.filename, "source": batch.source, "step": "start"},
            )
        principal = _principal(session, batch)
        session.commit()
        return batch, principal


def _session(conn: Connection) -> Session:
    """An ORM session inside the caller's transaction: its commit releases a savepoint, never the transaction."""
    return Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)


def _principal(session: Session, batch: ImportBatch) -> Principal:
    """The person who started the import, acting through a job; the system when the CLI started it."""
    if batch.created_by_id is None:
        return system_principal("job")
    user = session.get(User, batch.created_by_id)
    return system_principal("job") if user is None else account_service.principal_for(user, via="job")


def file_info(batch: ImportBatch) -> FileInfo:
    return FileInfo(
        format=batch.format or "csv",
        encoding=batch.encoding,
        delimiter=batch.delimiter,
        headers=list(batch.headers),
        size_bytes=batch.file_size,
    )


def _run(
    bind: Bind, batch: ImportBatch, principal: Principal, on_progress: OnProgress | None, workers: int | None
) -> Snapshot:
    counts = Counts(
        batch.rows_read, batch.rows_inserted, batch.rows_updated, batch.rows_unchanged, batch.rows_quarantined
    )
    snapshot = Snapshot(batch.id, batch.status, counts, batch.progress, batch.seconds_running)
    snapshot.warnings, snapshot.error_counts = dict(batch.warnings), dict(batch.error_counts)
    if batch.status == "completed":
        return snapshot
    options = Options.of(batch.options)
    started = time.perf_counter() - batch.seconds_running
    job = _Job(
        batch.file_path,
        file_info(batch),
        batch.entity,
        batch.mapping,
        options.as_dict(),
        batch.last_committed_row,
        batch.chunk_size,
    )
    if workers is None:
        workers = 1 if batch.file_size >= PARALLEL_FROM_BYTES and (os.cpu_count() or 1) > 1 else 0
    chunks = cleaning_process(job) if workers else clean_chunks(job)
    try:
        with collecting_young_only():
            for prepared, fraction in chunks:
                if not _commit_chunk(bind, batch, principal, options, prepared, snapshot, fraction, started):
                    return snapshot
                if on_progress:
                    on_progress(snapshot)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    _finish(bind, batch, principal, snapshot, started)
    if on_progress:
        on_progress(snapshot)
    return snapshot


@contextmanager
def collecting_young_only() -> Iterator[None]:
    """Keep the garbage collector off the objects that existed before the import (modules, metadata, caches).

    An import allocates dozens of objects per row, so Python's collector runs thousands of times, and its full
    collections walk every object the process holds: with SQLAlchemy, phonenumbers' metadata and the rest loaded,
    that was a large part of an import's CPU. `gc.freeze()` sets those objects aside until the import ends; objects
    the import makes are collected as usual."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@dataclass(frozen=True)
class _Job:
    """What the cleaning side needs (picklable, for a cleaning process)."""

    path: str
    info: FileInfo
    entity: str
    mapping: dict[str, str]
    options: dict[str, Any]
    skip: int  # records already committed
    chunk_size: int


Chunk = tuple[list[Prepared], float]  # cleaned rows, fraction of the file read


def clean_chunks(job: _Job) -> Iterator[Chunk]:
    """Read and clean the file in chunks, in this process."""
    ctx = Context(job.entity, job.mapping, Options.of(job.options))
    progress = Progress()
    chunk: list[Prepared] = []
    for record in read(Path(job.path), job.info, progress):
        if record.number <= job.skip:
            continue
        chunk.append(prepare(ctx, record))
        if len(chunk) >= job.chunk_size:
            yield chunk, progress.fraction
            chunk = []
    if chunk:
        yield chunk, progress.fraction


def cleaning_process(job: _Job) -> Iterator[Chunk]:
    """Read and clean in a second process while this one writes: on two cores a large import takes about as long
    as its writes alone. The queue holds a few chunks, so memory stays flat; the child exits if we die."""
    context = multiprocessing.get_context("spawn")
    queue: Any = context.Queue(maxsize=QUEUE_CHUNKS)
    child = context.Process(target=_clean_into, args=(job, queue, os.getpid()), daemon=True)
    child.start()
    try:
        while True:
            item = queue.get()
            if item is None:
                return
            if isinstance(item, str):
                raise RuntimeError(f"cleaning process failed: {item}")
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)


def _clean_into(job: _Job, queue: Any, parent: int) -> None:
    gc.freeze()  # this process only cleans: what it imported at start need never be collected
    try:
        for chunk in clean_chunks(job):
            while True:
                try:
                    queue.put(chunk, timeout=1)
                    break
                except Full:
                    if os.getppid() != parent:
                        return  # the importing process is gone (killed): stop, nobody will read this
        queue.put(None)
    except Exception as exc:  # reported to the parent, which fails the batch with it
        queue.put(f"{type(exc).__name__}: {exc}")


def _commit_chunk(
    bind: Bind,
    batch: ImportBatch,
    principal: Principal,
    options: Options,
    prepared: list[Prepared],
    snapshot: Snapshot,
    fraction: float,
    started: float,
) -> bool:
    """Write one chunk and the batch's new position in one transaction; False when the import was cancelled."""
    valid = [row for row in prepared if row.is_valid]
    warnings: Counter[str] = Counter()
    for row in prepared:
        warnings.update(row.warnings)
    with _transaction(bind) as conn:
        if conn.dialect.name == "sqlite":
            # A bigger page cache keeps the customers table's eight indexes in memory as they grow past millions.
            conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        status = conn.execute(select(_batches().c.status).where(_batches().c.id == batch.id)).scalar_one()
        if status != "running":
            snapshot.status = status if status != "cancelling" else "cancelled"
            if status == "cancelling":
                conn.execute(update(_batches()).where(_batches().c.id == batch.id).values(status="cancelled"))
            return False
        wctx = WriteContext(batch.source, batch.id, principal, utcnow(), options, warnings)
        written = iter(WRITERS[batch.entity](conn, wctx, valid))
        outcomes: list[Outcome] = [
            next(written) if row.is_valid else Outcome("quarantined", errors=row.errors) for row in prepared
        ]
        chunk_counts = Counts(read=len(prepared))
        errors: Counter[str] = Counter()
        quarantine = []
        for row, outcome in zip(prepared, outcomes, strict=True):
            chunk_counts.add(outcome.kind)
            if outcome.kind == "quarantined":
                quarantine.append(_quarantine_row(batch.id, row, outcome))
                errors.update({f"{e.field}: {e.code}" for e in outcome.errors})
        chunk_counts.check()
        if quarantine:
            conn.execute(insert(QuarantinedRow), quarantine)
        counts = snapshot.counts
        for name in ("read", "inserted", "updated", "unchanged", "quarantined"):
            setattr(counts, name, getattr(counts, name) + getattr(chunk_counts, name))
        counts.check()
        snapshot.warnings = dict(Counter(snapshot.warnings) + warnings)
        snapshot.error_counts = dict(Counter(snapshot.error_counts) + errors)
        snapshot.progress = round(fraction, 4)
        snapshot.seconds = time.perf_counter() - started
        snapshot.status = "running"
        conn.execute(
            update(_batches())
            .where(_batches().c.id == batch.id)
            .values(
                **_counter_values(counts),
                last_committed_row=prepared[-1].record.number,
                progress=snapshot.progress,
                warnings=snapshot.warnings,
                error_counts=snapshot.error_counts,
                heartbeat_at=utcnow(),
                seconds_running=snapshot.seconds,
                updated_at=utcnow(),
            )
        )
    return True


def _counter_values(counts: Counts) -> dict[str, int]:
    return {
        "rows_read": counts.read,
        "rows_inserted": counts.inserted,
        "rows_updated": counts.updated,
        "rows_unchanged": counts.unchanged,
        "rows_quarantined": counts.quarantined,
    }


def _quarantine_row(batch_id: int, row: Prepared, outcome: Outcome) -> dict[str, Any]:
    now = utcnow()
    return {
        "batch_id": batch_id,
        "row_number": row.record.number,
        "line": row.record.line,
        "raw": jsonable(row.record.values),
        "errors": [e.as_dict() for e in outcome.errors],
        "fixed": {},
        "status": "open",
        "record_id": None,
        "resolved_at": None,
        "created_at": now,
        "updated_at": now,
    }


def _finish(bind: Bind, batch: ImportBatch, principal: Principal, snapshot: Snapshot, started: float) -> None:
    snapshot.counts.check()
    snapshot.status, snapshot.progress = "completed", 1.0
    snapshot.seconds = time.perf_counter() - started
    with _transaction(bind) as conn, _session(conn) as session:
        now = utcnow()
        conn.execute(
            update(_batches())
            .where(_batches().c.id == batch.id)
            .values(status="completed", progress=1.0, finished_at=now, updated_at=now, seconds_running=snapshot.seconds)
        )
        audit.record(
            session,
            principal,
            action="import",
            entity=batch.entity,
            entity_id=None,
            detail={"batch": batch.id, "step": "completed", **_counter_values(snapshot.counts)},
        )
        session.commit()
