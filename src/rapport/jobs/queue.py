"""The queue: a Huey instance built from QueueSettings, with every job of the catalogue and the schedule registered.

Backends: `sqlite` (one machine: a queue file in data_dir, consumed by `rapport worker` or a thread in `rapport
serve`), `redis` (many workers on many machines), `immediate` (jobs run in the caller; for tests and scripts).
Jobs are retried with exponential backoff, journalled (job_runs), and acknowledged only when finished, so a worker
that dies mid-job loses nothing (see jobs/storage.py).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Huey ships no type information; its classes are Any to mypy.
from huey import Huey, crontab  # type: ignore[import-untyped]
from huey.api import Task, TaskWrapper  # type: ignore[import-untyped]
from huey.consumer import Consumer  # type: ignore[import-untyped]
from huey.signals import SIGNAL_INTERRUPTED  # type: ignore[import-untyped]

from rapport.errors import Invalid
from rapport.jobs import journal
from rapport.jobs.catalog import JOBS, JobSpec, configured_queue
from rapport.jobs.runtime import JobRuntime
from rapport.jobs.schedule import PERIODIC
from rapport.jobs.settings import QueueSettings
from rapport.jobs.storage import ReliableRedisStorage, ReliableSqliteStorage, consumer_id
from rapport.settings import Settings

log = logging.getLogger(__name__)
# Task classes are named by the job ("tickets.triage") in this module, on every side of the queue.
TASK_MODULE = "rapport.jobs.queue"


class RapportHuey(Huey):  # type: ignore[misc]
    """Huey that acknowledges a job only once it has finished (or been re-scheduled), and lets one worker per minute
    claim each periodic job."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held = threading.local()
        self._interrupted: set[str] = set()
        self.signal(SIGNAL_INTERRUPTED)(self._on_interrupted)

    def dequeue(self) -> Task | None:
        data = self.storage.dequeue()
        if data is None:
            return None
        try:
            task: Task = self.deserialize_task(data)
        except Exception:
            log.exception("dropping a job that cannot be read (unknown name or corrupt)")
            self._ack(data)
            return None
        self._held.current = (task.id, data)
        return task

    def execute(self, task: Task, timestamp: datetime | None = None) -> Any:
        held = getattr(self._held, "current", None)
        self._held.current = None
        raw = held[1] if held is not None and held[0] == task.id else None
        try:
            return super().execute(task, timestamp)
        finally:
            if raw is not None:
                if task.id in self._interrupted:
                    self._interrupted.discard(task.id)
                    getattr(self.storage, "requeue", lambda _data: None)(raw)
                else:
                    self._ack(raw)

    def read_periodic(self, timestamp: datetime | None) -> list[Task]:
        timestamp = timestamp or self._get_timestamp()
        due: list[Task] = super().read_periodic(timestamp)
        claim = getattr(self.storage, "claim", None)
        if claim is None:
            return due
        return [t for t in due if claim(f"periodic:{t.name}:{timestamp:%Y%m%d%H%M}", 3600)]

    def _ack(self, data: bytes) -> None:
        getattr(self.storage, "ack", lambda _data: None)(data)

    def _on_interrupted(self, _signal: str, task: Task, *_: Any) -> None:
        self._interrupted.add(task.id)


@dataclass(frozen=True)
class QueuedJob:
    id: str
    name: str
    args: dict[str, Any]
    eta: datetime | None
    retries: int
    worker: str | None = None


class Queue:
    """The queue as Rapport uses it: enqueue by job name, look inside, and make consumers.

    A queue that only enqueues (the API) needs no runtime; one that runs jobs (a worker, `immediate`) does.
    """

    def __init__(self, settings: QueueSettings, *, data_dir: Any = None, runtime: JobRuntime | None = None) -> None:
        self.settings = settings
        self.runtime = runtime
        self.huey = _huey(settings, data_dir)
        self.tasks: dict[str, TaskWrapper] = {}
        for spec in JOBS.values():
            self.tasks[spec.name] = self._register(spec)
        if settings.backend != "immediate":
            for periodic in PERIODIC:
                self._register(JOBS[periodic.job], periodic=crontab(**periodic.cron))

    @classmethod
    def for_settings(cls, settings: Settings, *, runtime: JobRuntime | None = None, **overrides: Any) -> Queue:
        options = configured_queue(settings)
        if overrides:
            options = options.model_copy(update={k: v for k, v in overrides.items() if v is not None})
        return cls(options, data_dir=settings.data_dir, runtime=runtime)

    # -- enqueueing ---------------------------------------------------------------------------------------------------
    def enqueue(self, name: str, *, delay_s: float | None = None, task_id: str | None = None, **kwargs: Any) -> str:
        """Queue job `name` with keyword arguments; returns its task id (`task_id` when given)."""
        wrapper = self.tasks.get(name)
        if wrapper is None:
            raise Invalid(f"unknown job '{name}'; known: {', '.join(sorted(self.tasks))}")
        options: dict[str, Any] = {"id": task_id} if task_id else {}
        delayed = bool(delay_s) and self.settings.backend != "immediate"
        if delayed:
            options["delay"] = delay_s
        task = wrapper.s(**kwargs, **options)
        if delayed:
            self.huey.add_schedule(task)  # straight to the schedule, not through a worker
        else:
            self.huey.enqueue(task)
        return str(task.id)

    # -- looking inside -------------------------------------------------------------------------------------------
    def pending(self, limit: int = 100) -> list[QueuedJob]:
        return [_queued(t) for t in self.huey.pending(limit)]

    def scheduled(self, limit: int = 100) -> list[QueuedJob]:
        return [_queued(t) for t in self.huey.scheduled(limit)]

    def in_flight(self) -> list[QueuedJob]:
        listing = getattr(self.huey.storage, "in_flight", None)
        if listing is None:
            return []
        found = []
        for worker, data in listing():
            with contextlib.suppress(Exception):
                found.append(_queued(self.huey.deserialize_task(data), worker))
        return found

    def recover(self) -> int:
        """Re-queue the jobs of workers that stopped beating (each worker also does this on its own)."""
        recover = getattr(self.huey.storage, "recover", None)
        return int(recover()) if recover else 0

    # -- consuming ----------------------------------------------------------------------------------------------------
    def consumer(self, *, workers: int | None = None, periodic: bool | None = None) -> Consumer:
        if self.runtime is None:
            raise Invalid("a queue that runs jobs needs a JobRuntime")
        return Consumer(
            self.huey,
            workers=workers or self.settings.workers,
            periodic=self.settings.periodic if periodic is None else periodic,
            worker_type=self.settings.worker_type,
            initial_delay=0.1,
            max_delay=1.0,
            check_worker_health=True,
            scheduler_interval=1,
        )

    @contextlib.contextmanager
    def running(self, *, workers: int | None = None, periodic: bool | None = None) -> Iterator[Consumer]:
        """Worker threads in this process (what `rapport serve` runs): no signal handlers, stopped on exit."""
        consumer = self.consumer(workers=workers, periodic=periodic)
        consumer.scheduler.start()
        for _, thread in consumer.worker_threads:
            thread.start()
        try:
            yield consumer
        finally:
            consumer.shutdown_timeout = 10
            consumer.stop(graceful=True)

    # -- internals ----------------------------------------------------------------------------------------------------
    def _register(self, spec: JobSpec, *, periodic: Any = None) -> TaskWrapper:
        immediate = self.settings.backend == "immediate"
        retries = 0 if immediate else (self.settings.retries if spec.retries is None else spec.retries)

        def run(task: Task, **kwargs: Any) -> None:
            self._run(spec, task, retries, kwargs)

        run.__module__ = TASK_MODULE
        run.__doc__ = spec.description
        options = {
            "retries": retries,
            "retry_delay": self.settings.retry_delay_s,
            "retry_backoff": self.settings.retry_backoff,
            "context": True,
            "name": spec.name if periodic is None else f"{spec.name}@periodic",
        }
        if spec.timeout_s:
            options["timeout"] = spec.timeout_s
        if periodic is not None:
            return self.huey.periodic_task(periodic, **options)(run)
        return self.huey.task(**options)(run)

    def _run(self, spec: JobSpec, task: Task, retries: int, kwargs: dict[str, Any]) -> None:
        if self.runtime is None:
            raise RuntimeError("this queue has no JobRuntime: it can enqueue, not run jobs")
        bind = self.runtime.database()
        attempt = max(retries - int(task.retries or 0), 0) + 1
        # SQLite has one writer: two jobs of this process writing at once would fail each other ("database is
        # locked" when a read turns into a write), so they take turns. PostgreSQL runs them side by side.
        with _SQLITE_WRITER if bind.dialect.name == "sqlite" else contextlib.nullcontext():
            run_id = journal.start(
                bind, task_id=task.id, name=spec.name, args=kwargs, attempt=attempt, worker=consumer_id()
            )
            try:
                summary = spec.run(bind, self.runtime.settings, **kwargs) or {}
            except Exception as exc:
                status = "retrying" if task.retries else "failed"
                detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                _record(bind, run_id, status=status, error=detail)
                raise
            then = list(summary.pop("then", []))
            _record(bind, run_id, status="succeeded", result=summary)
        for name, arguments in then:
            self.enqueue(name, **arguments)


_SQLITE_WRITER = threading.RLock()


def _record(bind: Any, run_id: int, **outcome: Any) -> None:
    """Journal the outcome; a journal that cannot be written must not turn a done job into a failed one."""
    try:
        journal.finish(bind, run_id, **outcome)
    except Exception:
        log.exception("could not journal the outcome of job run %s", run_id)


@contextlib.contextmanager
def serving(settings: Settings, *, bind: Any, state: Any = None) -> Iterator[Queue]:
    """What `rapport serve` runs the web server inside: the app's queue, and with the sqlite backend (and
    `in_process` on) worker threads and the periodic schedule in the same process, so one command runs everything
    on a laptop. With Redis, workers are separate `rapport worker` processes. `state` (the app's state) gets the
    queue, so requests enqueue into it."""
    queue = Queue.for_settings(settings, runtime=JobRuntime(settings, bind=bind))
    if state is not None:
        state.rapport_queue = queue
    if queue.settings.backend == "sqlite" and queue.settings.in_process:
        log.info("running %d worker thread(s) in this process", queue.settings.workers)
        with queue.running():
            yield queue
    else:
        yield queue


def _huey(settings: QueueSettings, data_dir: Any) -> RapportHuey:
    common: dict[str, Any] = {"results": False, "utc": True}
    if settings.backend == "immediate":
        return RapportHuey(settings.name, immediate=True, **common)
    if settings.backend == "redis":
        return RapportHuey(
            settings.name,
            storage_class=ReliableRedisStorage,
            url=settings.redis_url,
            heartbeat_s=settings.heartbeat_s,
            lease_s=settings.lease_s,
            **common,
        )
    from pathlib import Path

    path = settings.sqlite_path or Path(data_dir or "var") / "queue.db"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return RapportHuey(
        settings.name,
        storage_class=ReliableSqliteStorage,
        filename=str(path),
        heartbeat_s=settings.heartbeat_s,
        lease_s=settings.lease_s,
        **common,
    )


def _queued(task: Task, worker: str | None = None) -> QueuedJob:
    name = str(task.name).removesuffix("@periodic")
    eta = task.eta.replace(tzinfo=UTC) if isinstance(task.eta, datetime) and task.eta.tzinfo is None else task.eta
    return QueuedJob(
        id=str(task.id), name=name, args=dict(task.kwargs or {}), eta=eta, retries=int(task.retries or 0), worker=worker
    )


def wait_for(bind: Any, task_id: str, *, timeout_s: float = 60.0, poll_s: float = 0.2) -> list[Any]:
    """The journal rows of a task once one of them is final (succeeded or failed), or [] after the timeout."""
    from rapport.store.engine import make_sessionmaker

    deadline = time.monotonic() + timeout_s
    factory = make_sessionmaker(bind)
    while time.monotonic() < deadline:
        with factory() as session:
            runs = journal.of_task(session, task_id)
            if any(r.status in journal.FINAL for r in runs):
                return runs
        time.sleep(poll_s)
    return []
