"""The reliable storages: a dequeued job stays in flight until acknowledged, a dead worker's jobs come back, due
scheduled jobs move to the queue atomically, and periodic runs are claimed once."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import redis

from rapport.jobs.storage import ReliableRedisStorage, ReliableSqliteStorage, consumer_id


def _sqlite(tmp_path: Path, name: str = "q") -> ReliableSqliteStorage:
    return ReliableSqliteStorage(name, filename=str(tmp_path / "queue.db"), heartbeat_s=0.05, lease_s=0.2)


def test_sqlite_dequeue_keeps_the_job_in_flight_until_ack(tmp_path: Path) -> None:
    storage = _sqlite(tmp_path)
    storage.enqueue(b"job-1")

    data = storage.dequeue()

    assert data == b"job-1"
    assert storage.queue_size() == 0
    assert storage.in_flight() == [(consumer_id(), b"job-1")]
    storage.ack(data)
    assert storage.in_flight() == []


def test_sqlite_jobs_of_a_dead_worker_come_back_first(tmp_path: Path) -> None:
    storage = _sqlite(tmp_path)
    storage.enqueue(b"new")
    storage.sql(
        "insert into inflight (queue, data, priority, owner, taken_at) values (?, ?, 0, ?, ?)",
        ("q", b"orphan", "otherhost:1", time.time()),
        commit=True,
    )

    moved = storage.recover()

    assert moved == 1
    assert storage.dequeue() == b"orphan"


def test_sqlite_a_live_worker_keeps_its_jobs(tmp_path: Path) -> None:
    storage = _sqlite(tmp_path)
    storage.enqueue(b"job")
    storage.dequeue()  # starts this process's heartbeat

    assert storage.recover() == 0
    assert len(storage.in_flight()) == 1


def test_sqlite_requeue_puts_an_interrupted_job_back(tmp_path: Path) -> None:
    storage = _sqlite(tmp_path)
    storage.enqueue(b"job")
    data = storage.dequeue()

    storage.requeue(data)

    assert storage.in_flight() == []
    assert storage.dequeue() == b"job"


def test_sqlite_due_scheduled_jobs_move_to_the_queue(tmp_path: Path) -> None:
    storage = _sqlite(tmp_path)
    now = datetime(2026, 1, 1, 12, 0)  # noqa: DTZ001 (Huey schedules in naive UTC)
    storage.add_to_schedule(b"due", now - timedelta(seconds=1))
    storage.add_to_schedule(b"later", now + timedelta(hours=1))

    returned = storage.read_schedule(now)

    assert returned == []
    assert storage.enqueued_items() == [b"due"]
    assert storage.schedule_size() == 1


def test_sqlite_claims_are_granted_once(tmp_path: Path) -> None:
    storage = _sqlite(tmp_path)

    assert storage.claim("periodic:x:202601011200", 60) is True
    assert storage.claim("periodic:x:202601011200", 60) is False
    assert storage.claim("periodic:x:202601011201", 60) is True


def test_redis_dequeue_ack_and_recovery(redis_url: str, queue_name: str) -> None:
    storage = ReliableRedisStorage(queue_name, url=redis_url, heartbeat_s=0.05, lease_s=0.2, read_timeout=0.1)
    storage.enqueue(b"job-1")
    client = redis.Redis.from_url(redis_url)
    dead = f"huey.inflight.{queue_name}.deadhost:1"
    client.lpush(dead, b"orphan")
    client.sadd(f"huey.inflight.{queue_name}", "deadhost:1")

    moved = storage.recover()
    first, second = storage.dequeue(), storage.dequeue()
    storage.ack(first)

    assert moved == 1
    assert (first, second) == (b"orphan", b"job-1")  # recovered jobs go to the head of the queue
    assert client.exists(dead) == 0
    assert storage.in_flight() == [(consumer_id(), b"job-1")]


def test_redis_due_scheduled_jobs_move_to_the_queue(redis_url: str, queue_name: str) -> None:
    storage = ReliableRedisStorage(queue_name, url=redis_url, read_timeout=0.1)
    now = datetime(2026, 1, 1, 12, 0)  # noqa: DTZ001 (Huey schedules in naive UTC)
    storage.add_to_schedule(b"due", now - timedelta(seconds=1))
    storage.add_to_schedule(b"later", now + timedelta(hours=1))

    assert storage.read_schedule(now) == []
    assert storage.enqueued_items() == [b"due"]
    assert storage.schedule_size() == 1


def test_redis_claims_are_granted_once(redis_url: str, queue_name: str) -> None:
    storage = ReliableRedisStorage(queue_name, url=redis_url)

    assert storage.claim("periodic:x:1", 60) is True
    assert storage.claim("periodic:x:1", 60) is False
