"""Queue throughput with one and with several `rapport worker` processes on Redis, on a real job: tickets.triage.

    .venv/bin/python bench/workers.py --workers 1,2

A demo company is generated once (`rapport demo --no-serve`, PostgreSQL by default, a scratch database dropped at
the end); each round gets a fresh copy of it (PostgreSQL: CREATE DATABASE … TEMPLATE; SQLite: a file copy), so every
round triages, routes and runs the rules of the same untouched tickets. A round starts K worker processes (one
worker thread each, as `python -m rapport.jobs --workers 1`), waits until all of them beat, enqueues one
tickets.triage job per ticket and times until every one is final in the journal (job_runs) and the queue is empty
(the follow-up jobs the rules start run too). Prints triage jobs/s, all jobs/s, how the jobs split over the
workers, and each round's speed-up over the first. Needs Redis (RAPPORT_BENCH_REDIS_URL, default db 14) and, with
--db postgresql, a PostgreSQL server that lets `postgres` create databases (RAPPORT_BENCH_PG_URL).
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import redis
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from rapport.jobs.models import JobRun
from rapport.jobs.queue import Queue
from rapport.jobs.settings import QueueSettings
from rapport.store.engine import make_engine
from rapport.tickets.models import Ticket

PG_URL = os.environ.get("RAPPORT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RAPPORT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
FINAL = ("succeeded", "failed")


@dataclass
class Round:
    workers: int
    triage_jobs: int
    all_jobs: int
    triage_s: float
    all_s: float
    per_worker: dict[str, int]
    failed: int
    median_job_s: float  # one triage job's own time (job_runs.duration_s), the queue's overhead left out
    median_gap_s: float  # a worker's idle time between two of its jobs while jobs were waiting

    @property
    def triage_per_s(self) -> float:
        return self.triage_jobs / self.triage_s

    @property
    def all_per_s(self) -> float:
        return self.all_jobs / self.all_s


class Databases:
    """The demo database once, and a fresh copy of it per round."""

    def __init__(self, kind: str, workdir: Path) -> None:
        self.kind, self.workdir, self.tag = kind, workdir, uuid.uuid4().hex[:8]
        self.made: list[str] = []

    def url(self, name: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.workdir / f'{name}.db'}"
        return str(make_url(PG_URL).set(database=f"rapport_bench_{self.tag}_{name}").render_as_string(False))

    def create_empty(self, name: str) -> str:
        if self.kind == "postgresql":
            self._admin(f'CREATE DATABASE "rapport_bench_{self.tag}_{name}"')
        self.made.append(name)
        return self.url(name)

    def copy(self, source: str, name: str) -> str:
        if self.kind == "sqlite":
            shutil.copy(self.workdir / f"{source}.db", self.workdir / f"{name}.db")
        else:
            self._admin(
                f'CREATE DATABASE "rapport_bench_{self.tag}_{name}" TEMPLATE "rapport_bench_{self.tag}_{source}"'
            )
        self.made.append(name)
        return self.url(name)

    def drop_all(self) -> None:
        if self.kind == "postgresql":
            for name in self.made:
                self._admin(f'DROP DATABASE IF EXISTS "rapport_bench_{self.tag}_{name}" WITH (FORCE)')

    def _admin(self, statement: str) -> None:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(statement))
        admin.dispose()


def _env(workdir: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "RAPPORT_DATA_DIR": str(workdir),  # the demo's field-encryption keyring lives here: workers read with it
        "RAPPORT_DATABASE_URL": database_url,
        "RAPPORT_LOG_LEVEL": "WARNING",
        "RAPPORT_LLM__PROVIDER": "none",  # triage on the keyword baseline: no model load inside the timing
    }


def make_demo(databases: Databases, workdir: Path, customers: int) -> str:
    url = databases.create_empty("base")
    rapport = str(Path(sys.executable).with_name("rapport"))
    # The sqlite queue here is only where `rapport demo` leaves its demo.analyse job; nothing consumes it.
    env = {**_env(workdir, url), "RAPPORT_QUEUE__BACKEND": "sqlite"}
    started = time.perf_counter()
    subprocess.run(
        [rapport, "demo", "--customers", str(customers), "--no-serve"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    print(f"demo company of {customers} customers generated in {time.perf_counter() - started:.1f} s", flush=True)
    return url


def start_workers(count: int, queue_name: str, workdir: Path, url: str) -> list[subprocess.Popen[bytes]]:
    command = [
        sys.executable, "-m", "rapport.jobs", "--backend", "redis", "--redis-url", REDIS_URL, "--name", queue_name,
        "--workers", "1", "--no-periodic",
    ]  # fmt: skip
    return [subprocess.Popen(command, env=_env(workdir, url)) for _ in range(count)]


def stop_workers(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_alive(client: redis.Redis, queue_name: str, count: int, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while len(list(client.scan_iter(f"huey.alive.{queue_name}.*"))) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"{count} workers did not start within {timeout_s} s")
        time.sleep(0.1)


def run_round(workers: int, url: str, workdir: Path, jobs: int, client: redis.Redis) -> Round:
    engine = make_engine(url)
    with engine.connect() as conn:
        ticket_ids = list(conn.scalars(select(Ticket.id).order_by(Ticket.id)))
    measured, spare = ticket_ids[:jobs], ticket_ids[jobs:]
    queue_name = f"bench{uuid.uuid4().hex[:10]}"
    queue = Queue(QueueSettings(backend="redis", redis_url=REDIS_URL, name=queue_name))
    processes = start_workers(workers, queue_name, workdir, url)
    try:
        wait_alive(client, queue_name, workers)
        warm_s = warm_up(queue, engine, {f"{socket.gethostname()}:{p.pid}" for p in processes}, spare)
        with engine.connect() as conn:
            after = int(conn.scalar(select(func.max(JobRun.id))) or 0)
        started = time.perf_counter()
        for ticket_id in measured:
            queue.enqueue("tickets.triage", ticket_id=ticket_id)
        triage_s = _wait(lambda: _final(engine, "tickets.triage", after) >= len(measured), started)
        all_s = _wait(lambda: _drained(engine, queue), started)
    finally:
        stop_workers(processes)
        for key in client.scan_iter(f"huey.*{queue_name}*"):
            client.delete(key)
    print(f"  ({workers} worker(s) warmed up in {warm_s:.1f} s: each ran a first triage job, untimed)", flush=True)
    with engine.connect() as conn:
        runs = conn.execute(
            select(JobRun.worker, JobRun.name, JobRun.status, JobRun.duration_s, JobRun.started_at, JobRun.finished_at)
            .where(JobRun.id > after)
            .order_by(JobRun.worker, JobRun.started_at)
        ).all()
    engine.dispose()
    per_worker: dict[str, int] = {}
    for run in runs:
        per_worker[run.worker] = per_worker.get(run.worker, 0) + 1
    durations = [r.duration_s for r in runs if r.name == "tickets.triage" and r.duration_s is not None]
    # Between one job's end and the next one's start on the same worker: dequeue, deserialise, journal.
    gaps = [
        (b.started_at - a.finished_at).total_seconds()
        for a, b in itertools.pairwise(runs)
        if a.worker == b.worker and a.finished_at is not None
    ]
    return Round(
        workers=workers,
        triage_jobs=len(measured),
        all_jobs=sum(1 for r in runs if r.status in FINAL),
        triage_s=triage_s,
        all_s=all_s,
        per_worker=per_worker,
        failed=sum(1 for r in runs if r.status == "failed"),
        median_job_s=statistics.median(durations) if durations else 0.0,
        median_gap_s=statistics.median(gaps) if gaps else 0.0,
    )


def warm_up(queue: Queue, engine: Engine, worker_ids: set[str], spare: list[int], timeout_s: float = 300) -> float:
    """Triage spare tickets until every worker has finished one. A process's first job imports the triage code and
    opens its connections (seconds on a busy machine); the timed round measures what a running worker does."""
    started = time.perf_counter()
    while True:
        with engine.connect() as conn:
            seen = set(conn.scalars(select(JobRun.worker).where(JobRun.status.in_(FINAL))))
        if worker_ids <= seen and _drained(engine, queue):
            return time.perf_counter() - started
        if not queue.pending(1) and not queue.in_flight():
            if len(spare) < len(worker_ids):
                raise SystemExit("not enough tickets to warm the workers up: raise --customers")
            for _ in worker_ids:
                queue.enqueue("tickets.triage", ticket_id=spare.pop())
        if time.perf_counter() - started > timeout_s:
            raise SystemExit(f"the workers did not warm up within {timeout_s} s")
        time.sleep(0.1)


def _final(engine: Engine, name: str, after: int) -> int:
    with engine.connect() as conn:
        stmt = (
            select(func.count())
            .select_from(JobRun)
            .where(JobRun.id > after, JobRun.name == name, JobRun.status.in_(FINAL))
        )
        return int(conn.scalar(stmt) or 0)


def _drained(engine: Engine, queue: Queue) -> bool:
    if queue.pending(1) or queue.in_flight():
        return False
    with engine.connect() as conn:
        return not conn.scalar(select(func.count()).select_from(JobRun).where(JobRun.status == "running"))


def _wait(done: Callable[[], bool], started: float, timeout_s: float = 1800) -> float:
    while not done():
        if time.perf_counter() - started > timeout_s:
            raise SystemExit(f"the jobs did not finish within {timeout_s} s")
        time.sleep(0.1)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="1,2", help="worker process counts to compare, e.g. 1,2,4")
    parser.add_argument("--jobs", type=int, default=300, help="tickets.triage jobs per round (at most the tickets)")
    parser.add_argument("--customers", type=int, default=400, help="demo company size (about 1.1 tickets each)")
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    workdir = Path(tempfile.mkdtemp(prefix="rapport-bench-workers-"))
    databases = Databases(args.db, workdir)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; database {args.db}; Redis {REDIS_URL}")
    try:
        make_demo(databases, workdir, args.customers)
        rounds = []
        for workers in counts:
            url = databases.copy("base", f"w{workers}")
            result = run_round(workers, url, workdir, args.jobs, client)
            rounds.append(result)
            split = ", ".join(str(n) for n in sorted(result.per_worker.values(), reverse=True))
            print(
                f"{workers} worker(s): {result.triage_jobs} triage jobs in {result.triage_s:.1f} s "
                f"= {result.triage_per_s:.1f} jobs/s; all {result.all_jobs} jobs (follow-ups too) "
                f"in {result.all_s:.1f} s = {result.all_per_s:.1f} jobs/s; "
                f"median job {result.median_job_s * 1000:.0f} ms, "
                f"gap between jobs {result.median_gap_s * 1000:.0f} ms; "
                f"runs per worker {split}; failed {result.failed}",
                flush=True,
            )
        first = rounds[0]
        for result in rounds[1:]:
            triage = result.triage_per_s / first.triage_per_s
            every = result.all_per_s / first.all_per_s
            print(
                f"speed-up {result.workers} vs {first.workers} worker(s): triage {triage:.2f}x, all jobs {every:.2f}x"
            )
    finally:
        databases.drop_all()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
