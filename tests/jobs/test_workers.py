"""Redis mode with two worker processes: a worker killed mid-job (SIGKILL) loses no job; the other one runs it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine

from rapport.jobs.queue import Queue, wait_for
from rapport.jobs.settings import QueueSettings

LEASE_S = 5.0  # long enough that a loaded CI machine does not miss a heartbeat and re-run a live job


@pytest.fixture
def workers(
    redis_url: str, queue_name: str, database_url: str, engine: Engine, tmp_path: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Two `python -m rapport.jobs` processes on the same Redis queue, each with one worker thread."""
    env = {
        **os.environ,
        "RAPPORT_DATABASE_URL": database_url,
        "RAPPORT_DATA_DIR": str(tmp_path),
        "RAPPORT_LOG_LEVEL": "WARNING",
    }
    args = [
        sys.executable,
        "-m",
        "rapport.jobs",
        "--backend",
        "redis",
        "--redis-url",
        redis_url,
        "--name",
        queue_name,
        "--workers",
        "1",
        "--no-periodic",
        "--heartbeat-s",
        "0.3",
        "--lease-s",
        str(LEASE_S),
    ]
    started = [subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_until_alive(redis_url: str, queue_name: str, count: int, timeout_s: float = 60) -> None:
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if len(list(client.scan_iter(f"huey.alive.{queue_name}.*"))) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"{count} workers did not start within {timeout_s} s")


def _lines(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


@pytest.mark.timeout(240)
def test_two_workers_share_jobs_and_a_killed_workers_job_runs_again(
    workers: list[subprocess.Popen[bytes]], redis_url: str, queue_name: str, engine: Engine, tmp_path: Path
) -> None:
    _wait_until_alive(redis_url, queue_name, 2)
    queue = Queue(QueueSettings(backend="redis", redis_url=redis_url, name=queue_name))
    pids = {p.pid for p in workers}

    # Both workers take jobs from the one queue: each has one thread, so while one holds a job the other takes the next.
    shared = [queue.enqueue("jobs.ping", hold_s=3) for _ in range(2)]
    shared_runs = [wait_for(engine, task_id, timeout_s=60) for task_id in shared]
    # A worker is killed while it runs a job (it holds it for twice the lease).
    marker = tmp_path / "started-by"
    task_id = queue.enqueue("jobs.ping", hold_s=LEASE_S * 2, marker=str(marker))
    deadline = time.monotonic() + 30
    while not _lines(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    victim = _lines(marker)[0]
    os.kill(victim, signal.SIGKILL)
    runs = wait_for(engine, task_id, timeout_s=60)

    survivor = (pids - {victim}).pop()
    assert all(r and r[-1].status == "succeeded" for r in shared_runs)
    assert {r[-1].result["pid"] for r in shared_runs} == pids
    assert victim in pids
    assert _lines(marker) == [victim, survivor]  # started twice: once by each worker
    assert [r.status for r in runs] == ["interrupted", "succeeded"]
    assert runs[-1].result["pid"] == survivor
    assert queue.in_flight() == []
    assert queue.pending() == []


def _frozen_mid_job(queue: Queue, pids: set[int], timeout_s: float = 30) -> tuple[int, str]:
    """A worker stopped (SIGSTOP) while it holds a job, and that job's id: frozen, the worker can neither finish the
    job nor take another, so the SIGKILL that follows lands mid-job. One caught between two jobs is let go."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for pid in sorted(pids):
            os.kill(pid, signal.SIGSTOP)
            held = [job.id for job in queue.in_flight() if job.worker == f"{socket.gethostname()}:{pid}"]
            if held:
                return pid, held[0]
            os.kill(pid, signal.SIGCONT)
        time.sleep(0.02)
    raise AssertionError(f"no worker was caught holding a job within {timeout_s} s")


@pytest.mark.timeout(300)
def test_forty_jobs_spread_over_both_workers_and_none_is_lost_or_finished_twice_when_one_dies(
    workers: list[subprocess.Popen[bytes]], redis_url: str, queue_name: str, engine: Engine, tmp_path: Path
) -> None:
    _wait_until_alive(redis_url, queue_name, 2)
    queue = Queue(QueueSettings(backend="redis", redis_url=redis_url, name=queue_name))
    pids = {p.pid for p in workers}
    marker = tmp_path / "started-by"

    task_ids = [queue.enqueue("jobs.ping", hold_s=0.25, marker=str(marker)) for _ in range(40)]
    deadline = time.monotonic() + 60
    while set(_lines(marker)) != pids and time.monotonic() < deadline:  # both have started jobs
        time.sleep(0.05)
    victim, held = _frozen_mid_job(queue, pids)
    os.kill(victim, signal.SIGKILL)
    runs = {task_id: wait_for(engine, task_id, timeout_s=90) for task_id in task_ids}

    host = socket.gethostname()
    survivor = f"{host}:{(pids - {victim}).pop()}"
    statuses = {task_id: [r.status for r in rows] for task_id, rows in runs.items()}
    assert all(s == ["succeeded"] for task_id, s in statuses.items() if task_id != held)
    # The job the victim held ran again on the other worker; had it started, its first run reads "interrupted".
    assert statuses[held] in (["interrupted", "succeeded"], ["succeeded"])
    assert runs[held][-1].worker == survivor
    assert {r.worker for rows in runs.values() for r in rows} == {f"{host}:{pid}" for pid in pids}
    assert len(_lines(marker)) == 40 + statuses[held].count("interrupted")  # no other job started twice
    assert queue.in_flight() == []
    assert queue.pending() == []
