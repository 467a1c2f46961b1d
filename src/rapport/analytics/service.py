"""Analytics operations: request and execute runs (load → compute → store), and read results under access rules.

A run never holds a write transaction while it computes: one short transaction marks it running, the frames are
read on a plain connection, the pipeline runs with no transaction open, and one more transaction stores the results
(SQLite has a single writer; a minute-long write lock would stall every request).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.orm import Session

from rapport.analytics import load, pipeline, registry, segments, summary
from rapport.analytics.models import AnalyticsRun, CohortCell, CustomerInsight, SegmentProfile
from rapport.analytics.schemas import (
    AnalyticsSettings,
    RunRead,
    RunRequest,
)
from rapport.errors import Conflict, NotFound
from rapport.kit.clock import as_utc, utcnow
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, can, require, system_principal
from rapport.settings import Settings
from rapport.store.engine import make_sessionmaker, session_scope

log = logging.getLogger(__name__)
ENTITY = "analytics"
STALE_AFTER = timedelta(hours=2)
IN_PROGRESS = ("queued", "running")


def configured(settings: Settings) -> AnalyticsSettings:
    """The analytics settings: `settings.analytics` once Settings nests them, the defaults until then."""
    nested = getattr(settings, "analytics", None)
    return nested if isinstance(nested, AnalyticsSettings) else AnalyticsSettings()


# -- runs ------------------------------------------------------------------------------------------------------------
def request_run(
    session: Session, principal: Principal, request: RunRequest, defaults: AnalyticsSettings
) -> AnalyticsRun:
    """A queued run; refused while another is queued or running (one that has not finished in two hours is
    taken to have died and is marked failed)."""
    require_access(session, principal, Action.create)
    now = utcnow()
    for stale in session.scalars(select(AnalyticsRun).where(AnalyticsRun.status.in_(IN_PROGRESS))):
        if now - (stale.started_at or stale.requested_at) < STALE_AFTER:
            raise Conflict(f"analytics run {stale.id} is {stale.status}; wait for it to finish (GET its status)")
        stale.status, stale.error, stale.finished_at = "failed", "abandoned: did not finish within 2 hours", now
    params = defaults.model_copy(
        update={k: v for k, v in request.model_dump(include={"churn_days", "horizon_days"}).items() if v is not None}
    ).model_dump()
    params["retrain"] = request.retrain
    run = AnalyticsRun(
        status="queued",
        as_of=as_utc(request.as_of) if request.as_of else now,
        requested_at=now,
        requested_by=principal.user_id,
        params=params,
    )
    session.add(run)
    session.flush()
    audit.record(session, principal, action="create", entity=ENTITY, entity_id=run.id, detail={"params": params})
    return run


def run_analytics(
    engine: Engine | Connection,
    settings: Settings,
    as_of: datetime | None = None,
    *,
    retrain: bool | None = None,
    churn_days: int | None = None,
    horizon_days: int | None = None,
    via: str = "job",
) -> AnalyticsRun:
    """Request and execute a run as the system: what `rapport analytics run` and the nightly job call."""
    factory = make_sessionmaker(engine)
    request = RunRequest(as_of=as_of, retrain=retrain, churn_days=churn_days, horizon_days=horizon_days)
    with session_scope(factory) as session:
        run = request_run(session, system_principal(via), request, configured(settings))
        run_id = run.id
    return execute_run(engine, settings, run_id)


def execute_run(
    bind: Engine | Connection,
    settings: Settings,
    run_id: int,
    *,
    describer: segments.Describer | None = None,
    writer: summary.SummaryWriter | None = None,
) -> AnalyticsRun:
    """Load, compute and store run `run_id`. A failure is recorded on the run (status failed, error) and logged."""
    factory = make_sessionmaker(bind)
    with session_scope(factory) as session:
        run = get_run_row(session, run_id)
        if run.status != "queued":
            raise Conflict(f"analytics run {run_id} is {run.status}, not queued; request a new run")
        run.status, run.started_at = "running", utcnow()
        options = AnalyticsSettings.model_validate({k: v for k, v in run.params.items() if k != "retrain"})
        model_row = registry.active(session)
        model = _reusable(settings, options, model_row, run.params.get("retrain"), run.as_of)
        as_of = run.as_of
    try:
        with _reading(bind) as conn:
            frames = load.frames(conn, as_of=as_of)
        result = pipeline.compute(
            frames, as_of, options, churn_model=model, run_id=run_id, describer=describer, writer=writer
        )
        with session_scope(factory) as session:
            run = get_run_row(session, run_id)
            label = model_row.label if model is not None and model_row is not None else None
            if result.is_new_churn_model and result.churn_model is not None:
                label = registry.register(session, settings.data_dir, result.churn_model, run_id=run_id).label
            _store(session, run, result, label)
            _prune(session, options.keep_runs)
            return run
    except Exception as exc:
        log.exception("analytics run %s failed", run_id)
        with session_scope(factory) as session:
            run = get_run_row(session, run_id)
            run.status, run.finished_at, run.error = "failed", utcnow(), f"{type(exc).__name__}: {exc}"[:2000]
            return run


def get_run(session: Session, principal: Principal, run_id: int) -> RunRead:
    require_access(session, principal, Action.read)
    return present_run(get_run_row(session, run_id))


def list_runs(session: Session, principal: Principal, *, limit: int = 20) -> list[RunRead]:
    require_access(session, principal, Action.read)
    runs = session.scalars(select(AnalyticsRun).order_by(AnalyticsRun.id.desc()).limit(limit))
    return [present_run(r) for r in runs]


# -- storing ---------------------------------------------------------------------------------------------------------
def _store(session: Session, run: AnalyticsRun, result: pipeline.RunResult, label: str | None) -> None:
    rows = [{**row, "run_id": run.id} for row in result.insights(label)]
    for chunk in _chunks(rows, 2000):
        session.execute(insert(CustomerInsight), [_plain(r) for r in chunk])
    profiles = [
        {
            "run_id": run.id,
            "kind": "rfm",
            "key": p["key"],
            "name": p["name"],
            "description": p["description"],
            "customers": p["customers"],
            "profile": p,
        }
        for p in result.rfm_profiles
    ]
    if result.learned is not None:
        profiles += [
            {
                "run_id": run.id,
                "kind": "learned",
                "key": p["key"],
                "name": p["name"],
                "description": p["description"],
                "customers": int(p["customers"]),
                "profile": p,
            }
            for p in result.learned.profiles
        ]
    if profiles:
        session.execute(insert(SegmentProfile), [_plain(p) for p in profiles])
    if result.retention is not None and result.retention.height:
        cells = [{**c, "run_id": run.id} for c in result.retention.iter_rows(named=True)]
        session.execute(insert(CohortCell), [_plain(c) for c in cells])
    trends = {"rfm": result.rfm_trend, "learned": result.learned_trend}
    run.trends = _plain({kind: frame.to_dicts() for kind, frame in trends.items() if frame is not None})
    run.metrics = _plain({**result.metrics(), "churn_model": label, "insights": len(rows)})
    run.status, run.finished_at = "succeeded", utcnow()
    session.flush()


def _prune(session: Session, keep: int) -> None:
    """Per-customer insights of all but the latest `keep` succeeded runs go; runs, segments and cohorts stay."""
    kept = select(AnalyticsRun.id).where(AnalyticsRun.status == "succeeded").order_by(AnalyticsRun.id.desc())
    keep_ids = list(session.scalars(kept.limit(keep)))
    if len(keep_ids) == keep:
        session.execute(delete(CustomerInsight).where(CustomerInsight.run_id < min(keep_ids)))


def _reusable(
    settings: Settings,
    options: AnalyticsSettings,
    row: Any,
    retrain: bool | None,
    as_of: datetime,
) -> Any:
    """The active churn model when this run should score with it rather than train a new one."""
    if retrain or row is None:
        return None
    if retrain is None:
        if row.params.get("churn_days") != options.churn_days:
            return None
        if as_of - row.trained_at > timedelta(days=options.retrain_after_days) or options.retrain_after_days == 0:
            return None
    return registry.load(settings.data_dir, row)


def _plain(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN and infinities to null (PostgreSQL's JSON rejects NaN)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


@contextmanager
def _reading(bind: Engine | Connection) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect() as conn:
        yield conn


# -- access ----------------------------------------------------------------------------------------------------------
def require_access(session: Session, principal: Principal, action: Action) -> None:
    if not can(principal, ENTITY, action):
        audit.deny(session, principal, action=str(action), entity=ENTITY, entity_id=None)
        require(principal, ENTITY, action)


def get_run_row(session: Session, run_id: int) -> AnalyticsRun:
    run = session.get(AnalyticsRun, run_id)
    if run is None:
        raise NotFound(f"analytics run {run_id} not found")
    return run


def present_run(run: AnalyticsRun) -> RunRead:
    return RunRead(
        id=run.id,
        status=run.status,
        as_of=run.as_of,
        requested_at=run.requested_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        params=run.params,
        metrics=run.metrics,
        error=run.error,
    )
