"""The job run journal: each attempt of each job, written in its own short transaction by the worker."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.orm import Session

from rapport.jobs.models import JobRun
from rapport.kit.clock import utcnow
from rapport.privacy.access import Action, Principal, require
from rapport.store.engine import make_sessionmaker, session_scope

FINAL = ("succeeded", "failed")


def start(
    bind: Engine | Connection, *, task_id: str, name: str, args: dict[str, Any], attempt: int, worker: str
) -> int:
    """A new running attempt. An earlier attempt of the same task still marked running was cut short (its worker
    died and the job was queued again): it is marked interrupted."""
    with session_scope(make_sessionmaker(bind)) as session:
        session.execute(
            update(JobRun).where(JobRun.task_id == task_id, JobRun.status == "running").values(status="interrupted")
        )
        run = JobRun(
            task_id=task_id,
            name=name,
            args=_plain(args),
            status="running",
            attempt=attempt,
            worker=worker[:80],
            started_at=utcnow(),
        )
        session.add(run)
        session.flush()
        return run.id


def finish(
    bind: Engine | Connection,
    run_id: int,
    *,
    status: str,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    with session_scope(make_sessionmaker(bind)) as session:
        run = session.get(JobRun, run_id)
        if run is None:
            return
        now = utcnow()
        run.status, run.finished_at = status, now
        run.duration_s = round((now - run.started_at).total_seconds(), 3)
        run.result, run.error = _plain(result or {}), error[:4000] if error else None


def recent(session: Session, principal: Principal, *, status: str | None = None, name: str | None = None,
           limit: int = 50) -> list[JobRun]:  # fmt: skip
    require(principal, "jobs", Action.read)
    stmt = select(JobRun).order_by(JobRun.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(JobRun.status == status)
    if name:
        stmt = stmt.where(JobRun.name == name)
    return list(session.scalars(stmt))


def of_task(session: Session, task_id: str) -> list[JobRun]:
    return list(session.scalars(select(JobRun).where(JobRun.task_id == task_id).order_by(JobRun.id)))


def prune(bind: Engine | Connection, *, keep_days: int) -> int:
    with session_scope(make_sessionmaker(bind)) as session:
        cutoff = utcnow() - timedelta(days=keep_days)
        result = session.execute(delete(JobRun).where(JobRun.started_at < cutoff, JobRun.status.in_(FINAL)))
        return int(getattr(result, "rowcount", 0) or 0)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
