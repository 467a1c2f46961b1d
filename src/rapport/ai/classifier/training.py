"""Training runs: requested in a request's transaction, executed afterwards with progress stored in the run's row.

`request` only checks and records the run; the door starts `execute` after its transaction commits (the API as a
background task, the CLI in the foreground with a progress bar). `execute` never holds a transaction across the
training: it reads the examples in one short transaction, writes progress every few seconds in others, and registers
the version in a last one. One run at a time: the CPU is the scarce resource, and a second run would halve both.
A run whose heartbeat stopped (the process died) is marked failed when the next run is requested.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from rapport.ai.classifier import registry
from rapport.ai.classifier.data import Example, clean, data_hash, read_examples, sample
from rapport.ai.classifier.finetune import FinetuneConfig, Progress
from rapport.ai.classifier.models import ModelVersion, TrainingRun
from rapport.ai.classifier.pipeline import TrainPlan, check, train_version
from rapport.ai.classifier.schemas import RunRead, TrainingRequest
from rapport.errors import Conflict, Invalid, NotFound
from rapport.kit.clock import as_utc, utcnow
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal
from rapport.privacy.access import require as require_permission
from rapport.settings import Settings
from rapport.store.engine import make_sessionmaker, session_scope

log = logging.getLogger(__name__)
ENTITY = "models"
ACTIVE = ("queued", "running")
ExampleSource = Callable[[Session, str, str], list[Example]]  # (session, entity, task) -> labelled examples
STALE_AFTER = timedelta(minutes=15)  # no heartbeat for this long: the process running it is gone
HEARTBEAT_S = 3.0


def require(session: Session, principal: Principal, action: Action) -> None:
    from rapport.privacy.access import can

    if not can(principal, ENTITY, action):
        audit.deny(session, principal, action=str(action), entity=ENTITY, entity_id=None)
        require_permission(principal, ENTITY, action)


def plan_of(body: TrainingRequest, *, threads: int | None = None) -> TrainPlan:
    return TrainPlan(
        name=registry.check_name(body.model_name()),
        task=body.task,
        encoder=body.encoder,
        validation=body.validation_fraction,
        test=body.test_fraction,
        baseline=body.baseline,
        finetune=FinetuneConfig(
            max_length=body.max_length,
            epochs=body.epochs,
            batch_size=body.batch_size,
            learning_rate=body.learning_rate,
            patience=body.patience,
            seed=body.seed,
            threads=threads,
        ),
    )


def request(session: Session, principal: Principal, body: TrainingRequest, *, data_dir: Path) -> TrainingRun:
    """Record a queued run (403 without models:create, 409 while another runs, 422 for unusable inline data).

    Inline examples are written to a file under data_dir, so the run needs nothing but its id to execute (in this
    process or in a queue worker); the file is removed when the run succeeds.
    """
    require(session, principal, Action.create)
    _fail_stale(session)
    busy = session.scalar(select(TrainingRun).where(TrainingRun.status.in_(ACTIVE)).limit(1))
    if busy is not None:
        raise Conflict(f"training run {busy.id} ({busy.name}) is {busy.status}; one run at a time")
    plan_of(body)  # checks the name
    if body.examples is not None:
        examples = [Example(text=clean(e.text), label=e.label) for e in body.examples]
        check(examples)
        source: dict[str, Any] = {"kind": "examples", "n": len(examples), "hash": data_hash(examples)}
    else:
        source = {"kind": "crm", "entity": body.entity, "task": body.task}
    run = TrainingRun(
        name=body.model_name(),
        task=body.task,
        params=body.model_dump(exclude={"examples"}),
        source=source,
        requested_by=principal.user_id,
    )
    session.add(run)
    session.flush()
    if source["kind"] == "examples":
        path = inbox(data_dir, run.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as handle:
            for example in examples:
                handle.write(json.dumps({"text": example.text, "label": example.label}, ensure_ascii=False) + "\n")
    audit.record(session, principal, action="train", entity=ENTITY, entity_id=run.id, detail={"name": run.name})
    return run


def inbox(data_dir: Path, run_id: int) -> Path:
    return registry.root(data_dir) / ".inbox" / f"run-{run_id}.jsonl"


def _fail_stale(session: Session) -> None:
    cutoff = utcnow() - STALE_AFTER
    for run in session.scalars(select(TrainingRun).where(TrainingRun.status.in_(ACTIVE))):
        beat = run.heartbeat_at or run.started_at or run.requested_at
        if as_utc(beat) < cutoff:
            run.error = (
                "interrupted: the process running it stopped (no progress for 15 minutes)"
                if run.status == "running"
                else "never started: the process that was to run it stopped"
            )
            run.status, run.finished_at = "failed", utcnow()
    session.flush()


def execute(
    bind: Engine | Connection,
    settings: Settings,
    run_id: int,
    *,
    load_examples: ExampleSource | None = None,
    on_progress: Progress | None = None,
    threads: int | None = None,
) -> TrainingRun:
    """Run `run_id` to the end. A failure is stored on the run (status failed, error) and logged, never raised.

    `load_examples(session, entity, task)` reads a CRM run's labelled records (rapport.labels supplies it; this
    layer knows no CRM tables). Runs of inline examples read their file instead.
    """
    factory = make_sessionmaker(bind)
    with session_scope(factory) as session:
        run = _get(session, run_id)
        run.status, run.started_at, run.heartbeat_at, run.stage = "running", utcnow(), utcnow(), "reading data"
        body = TrainingRequest.model_validate(run.params)
        is_crm = run.source.get("kind") == "crm"
        requested_by = run.requested_by
    staging = registry.staging_folder(settings.data_dir, body.model_name(), run_id)
    shutil.rmtree(staging, ignore_errors=True)
    beat = _Heartbeat(factory, run_id)
    try:
        examples = _examples(factory, settings, run_id, body, load_examples if is_crm else None, is_crm=is_crm)
        trained = train_version(
            examples,
            plan_of(body, threads=threads),
            data_dir=settings.data_dir,
            folder=staging,
            on_progress=beat.progress_with(on_progress),
            on_stage=beat.stage,
        )
        with session_scope(factory) as session:
            run = _get(session, run_id)
            entity = body.entity if is_crm else None
            version = registry.register(session, settings.data_dir, trained, entity=entity, created_by=requested_by)
            if body.promote:
                registry.promote(session, version, user_id=requested_by)
            run.status, run.stage, run.progress, run.finished_at = "succeeded", "done", 1.0, utcnow()
            run.version_id, run.message = version.id, f"trained {version.label}"
        if not is_crm:
            inbox(settings.data_dir, run_id).unlink(missing_ok=True)
        return run
    except Exception as exc:
        log.exception("training run %s failed", run_id)
        shutil.rmtree(staging, ignore_errors=True)
        with session_scope(factory) as session:
            run = _get(session, run_id)
            run.status, run.finished_at, run.error = "failed", utcnow(), f"{type(exc).__name__}: {exc}"[:2000]
            return run


def _examples(
    factory: Any, settings: Settings, run_id: int, body: TrainingRequest, load: ExampleSource | None, *, is_crm: bool
) -> list[Example]:
    """The run's examples: its CRM records (read in one short transaction) or its inline examples' file."""
    if not is_crm:
        examples = read_examples(inbox(settings.data_dir, run_id))
    elif load is None:
        raise Invalid(f"run {run_id} trains on CRM labels, and no reader of them was given")
    else:
        with session_scope(factory) as session:
            examples = load(session, body.entity, body.task)
    if body.max_examples is not None:
        examples = sample(examples, body.max_examples, seed=body.seed)
    if is_crm:
        with session_scope(factory) as session:
            run = _get(session, run_id)
            run.source = run.source | {"n": len(examples), "hash": data_hash(examples)}
    return examples


class _Heartbeat:
    """Writes stage, progress and the latest line to the run at most every HEARTBEAT_S seconds."""

    def __init__(self, factory: Any, run_id: int) -> None:
        self.factory = factory
        self.run_id = run_id
        self.name = "preparing"
        self.fraction = 0.0
        self.message = ""
        self.written_at = 0.0

    def stage(self, name: str, fraction: float) -> None:
        changed = name != self.name
        self.name, self.fraction = name, fraction
        self._write(force=changed)

    def progress_with(self, also: Progress | None) -> Progress:
        def progress(done: int, total: int, line: str) -> None:
            self.message = line
            self._write(force=False)
            if also is not None:
                also(done, total, line)

        return progress

    def _write(self, *, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self.written_at < HEARTBEAT_S:
            return
        self.written_at = now
        with session_scope(self.factory) as session:
            run = _get(session, self.run_id)
            run.stage, run.progress, run.message = self.name, round(self.fraction, 4), self.message[:300]
            run.heartbeat_at = utcnow()


def _get(session: Session, run_id: int) -> TrainingRun:
    run = session.get(TrainingRun, run_id)
    if run is None:
        raise NotFound(f"training run {run_id} not found")
    return run


def get(session: Session, principal: Principal, run_id: int) -> RunRead:
    require(session, principal, Action.read)
    return present(session, _get(session, run_id))


def listing(session: Session, principal: Principal, *, limit: int = 20) -> list[RunRead]:
    require(session, principal, Action.read)
    runs = session.scalars(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(limit))
    return [present(session, run) for run in runs]


def present(session: Session, run: TrainingRun) -> RunRead:
    version = session.get(ModelVersion, run.version_id) if run.version_id else None
    read = RunRead.model_validate(run)
    read.version = version.label if version else None
    return read
