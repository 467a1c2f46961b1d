"""Huey storages that lose no job when a worker dies mid-job (SIGKILL, OOM, power cut).

Huey's own storages hand a job to a worker by removing it from the queue, so a worker killed while running it takes
the job with it. These storages move the job into the worker's in-flight list instead (atomically: BLMOVE on
Redis, one transaction on SQLite), and remove it only when the job has finished ("ack"). Each worker process writes
a heartbeat; when one stops for `lease_s`, any other worker puts that process's in-flight jobs back at the head of
the queue, and they run again. Jobs must therefore be idempotent, which every Rapport job is.

Due scheduled jobs (delayed retries included) move from the schedule to the queue in one atomic step too, so a
scheduler killed halfway loses nothing either.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any, ClassVar

from huey.storage import RedisExpireStorage, SqliteStorage  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

_MOVE_DUE_LUA = """\
local due = redis.call('zrangebyscore', KEYS[1], '-inf', tonumber(ARGV[1]))
for _, item in ipairs(due) do
    redis.call('lpush', KEYS[2], item)
    redis.call('zrem', KEYS[1], item)
end
return #due"""


def consumer_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class _Heartbeat:
    """Starts one heartbeat thread per process (after a fork, the child starts its own)."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._next_recovery = 0.0

    def ensure(self, beat: Any, adopt: Any) -> None:
        pid = os.getpid()
        if self._pid == pid:
            return
        with self._lock:
            if self._pid == pid:
                return
            me = consumer_id()
            adopt(me)  # a previous process with the same id (pid reuse) left jobs behind: they are not running
            beat(me)
            threading.Thread(target=self._loop, args=(beat, me, pid), name="rapport-heartbeat", daemon=True).start()
            # Only now: another worker thread of this process that saw `_pid` set earlier would dequeue a job that
            # the adoption above then moved back to the queue, and the job would run twice.
            self._pid = pid

    def _loop(self, beat: Any, me: str, pid: int) -> None:
        while os.getpid() == pid:
            time.sleep(self.interval_s)
            try:
                beat(me)
            except Exception:  # a blip must not kill the heartbeat; the next beat retries
                log.warning("heartbeat failed", exc_info=True)

    def recovery_due(self) -> bool:
        now = time.monotonic()
        if now < self._next_recovery:
            return False
        self._next_recovery = now + self.interval_s
        return True


class ReliableRedisStorage(RedisExpireStorage):  # type: ignore[misc]
    """Redis: queue (list) → BLMOVE → `huey.inflight.<queue>.<host:pid>`; heartbeats are keys with a TTL."""

    def __init__(self, name: str = "huey", *, heartbeat_s: float = 5.0, lease_s: float = 30.0, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.lease_s = lease_s
        self.registry_key = f"huey.inflight.{self.name}"
        self._heartbeat = _Heartbeat(heartbeat_s)
        self._move_due = self.conn.register_script(_MOVE_DUE_LUA)

    def _inflight(self, cid: str) -> str:
        return f"huey.inflight.{self.name}.{cid}"

    def _alive(self, cid: str) -> str:
        return f"huey.alive.{self.name}.{cid}"

    def _beat(self, cid: str) -> None:
        pipe = self.conn.pipeline()
        pipe.set(self._alive(cid), b"1", px=int(self.lease_s * 1000))
        pipe.sadd(self.registry_key, cid)
        pipe.execute()

    def dequeue(self) -> bytes | None:
        self._heartbeat.ensure(self._beat, self._requeue_all)
        if self._heartbeat.recovery_due():
            self.recover()
        target = self._inflight(consumer_id())
        try:
            if self.blocking:
                data = self.conn.blmove(self.queue_key, target, self.read_timeout, "RIGHT", "LEFT")
            else:
                data = self.conn.lmove(self.queue_key, target, "RIGHT", "LEFT")
        except (TimeoutError, TypeError, IndexError):
            return None
        return data if isinstance(data, bytes) else None

    def ack(self, data: bytes) -> None:
        self.conn.lrem(self._inflight(consumer_id()), 1, data)

    def requeue(self, data: bytes) -> None:
        pipe = self.conn.pipeline()
        pipe.lrem(self._inflight(consumer_id()), 1, data)
        pipe.rpush(self.queue_key, data)
        pipe.execute()

    def recover(self) -> int:
        """Put the in-flight jobs of every worker whose heartbeat stopped back at the head of the queue."""
        me, moved = consumer_id(), 0
        for raw in self.conn.smembers(self.registry_key):
            cid = raw.decode() if isinstance(raw, bytes) else str(raw)
            if cid == me or self.conn.exists(self._alive(cid)):
                continue
            count = self._requeue_all(cid)
            if count:
                log.warning("worker %s stopped with %d job(s) in flight; they are queued again", cid, count)
            moved += count
            if not self.conn.llen(self._inflight(cid)):
                self.conn.srem(self.registry_key, cid)
        return moved

    def _requeue_all(self, cid: str) -> int:
        moved = 0
        while self.conn.lmove(self._inflight(cid), self.queue_key, "RIGHT", "RIGHT") is not None:
            moved += 1
        return moved

    def in_flight(self) -> list[tuple[str, bytes]]:
        found = []
        for raw in self.conn.smembers(self.registry_key):
            cid = raw.decode() if isinstance(raw, bytes) else str(raw)
            found += [(cid, item) for item in self.conn.lrange(self._inflight(cid), 0, -1)]
        return found

    def read_schedule(self, ts: Any) -> list[bytes]:
        # Due jobs go straight into the queue in one script; Huey's scheduler then has nothing to enqueue.
        self._move_due(keys=[self.schedule_key, self.queue_key], args=[self.convert_ts(ts)])
        return []

    def claim(self, key: str, ttl_s: int) -> bool:
        return bool(self.conn.set(f"huey.claim.{self.name}.{key}", b"1", nx=True, ex=ttl_s))

    def flush_all(self) -> None:
        super().flush_all()
        for raw in self.conn.smembers(self.registry_key):
            cid = raw.decode() if isinstance(raw, bytes) else str(raw)
            self.conn.delete(self._inflight(cid), self._alive(cid))
        self.conn.delete(self.registry_key)


class ReliableSqliteStorage(SqliteStorage):  # type: ignore[misc]
    """SQLite: the job moves from `task` to `inflight` in the same exclusive transaction; heartbeats are rows."""

    ddl: ClassVar[list[str]] = [
        *SqliteStorage.ddl,
        "create table if not exists inflight (id integer not null primary key, queue text not null, "
        "data blob not null, priority real not null default 0.0, owner text not null, taken_at real not null)",
        "create index if not exists inflight_queue_owner on inflight (queue, owner)",
        "create table if not exists consumers (queue text not null, owner text not null, seen_at real not null, "
        "primary key (queue, owner))",
        "create table if not exists claims (queue text not null, key text not null, expires_at real not null, "
        "primary key (queue, key))",
    ]

    def __init__(self, name: str = "huey", *, heartbeat_s: float = 5.0, lease_s: float = 30.0, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.lease_s = lease_s
        self._heartbeat = _Heartbeat(heartbeat_s)

    def _beat(self, cid: str) -> None:
        self.sql(
            "insert or replace into consumers (queue, owner, seen_at) values (?, ?, ?)",
            (self.name, cid, time.time()),
            commit=True,
        )

    def dequeue(self) -> bytes | None:
        self._heartbeat.ensure(self._beat, self._requeue_all)
        if self._heartbeat.recovery_due():
            self.recover()
        if not self.sql("select 1 from task where queue = ? limit 1", (self.name,), results=True):
            return None
        with self.db(commit=True) as curs:
            curs.execute(
                "select id, data, priority from task where queue = ? order by priority desc, id limit 1", (self.name,)
            )
            row = curs.fetchone()
            if row is None:
                return None
            task_id, data, priority = row
            curs.execute("delete from task where id = ?", (task_id,))
            curs.execute(
                "insert into inflight (queue, data, priority, owner, taken_at) values (?, ?, ?, ?, ?)",
                (self.name, data, priority, consumer_id(), time.time()),
            )
            return bytes(data)

    def ack(self, data: bytes) -> None:
        self.sql(
            "delete from inflight where id = (select id from inflight where queue = ? and owner = ? and data = ? "
            "limit 1)",
            (self.name, consumer_id(), self.to_blob(data)),
            commit=True,
        )

    def requeue(self, data: bytes) -> None:
        with self.db(commit=True) as curs:
            curs.execute(
                "select id, priority from inflight where queue = ? and owner = ? and data = ? limit 1",
                (self.name, consumer_id(), self.to_blob(data)),
            )
            row = curs.fetchone()
            if row is not None:
                curs.execute("delete from inflight where id = ?", (row[0],))
                curs.execute(
                    "insert into task (queue, data, priority) values (?, ?, ?)", (self.name, self.to_blob(data), row[1])
                )

    def recover(self) -> int:
        cutoff = time.time() - self.lease_s
        with self.db(commit=True) as curs:
            curs.execute(
                "select distinct owner from inflight where queue = ? and owner not in "
                "(select owner from consumers where queue = ? and seen_at >= ?)",
                (self.name, self.name, cutoff),
            )
            dead = [owner for (owner,) in curs.fetchall() if owner != consumer_id()]
            moved = sum(self._move_back(curs, owner) for owner in dead)
            curs.execute("delete from consumers where queue = ? and seen_at < ?", (self.name, cutoff))
        if moved:
            log.warning("%d job(s) of stopped workers %s are queued again", moved, ", ".join(dead))
        return moved

    def _requeue_all(self, cid: str) -> int:
        with self.db(commit=True) as curs:
            return self._move_back(curs, cid)

    def _move_back(self, curs: Any, owner: str) -> int:
        # The oldest first, with a high priority so they run before newer work.
        curs.execute(
            "insert into task (queue, data, priority) select queue, data, 1000000 from inflight "
            "where queue = ? and owner = ? order by id",
            (self.name, owner),
        )
        moved = int(curs.rowcount or 0)
        curs.execute("delete from inflight where queue = ? and owner = ?", (self.name, owner))
        return moved

    def in_flight(self) -> list[tuple[str, bytes]]:
        rows = self.sql("select owner, data from inflight where queue = ? order by id", (self.name,), results=True)
        return [(owner, bytes(data)) for owner, data in rows]

    def read_schedule(self, ts: Any) -> list[bytes]:
        with self.db(commit=True) as curs:
            params = (self.name, ts.timestamp())
            curs.execute(
                "insert into task (queue, data, priority) select queue, data, 0 from schedule "
                "where queue = ? and timestamp <= ? order by timestamp, id",
                params,
            )
            curs.execute("delete from schedule where queue = ? and timestamp <= ?", params)
        return []

    def claim(self, key: str, ttl_s: int) -> bool:
        now = time.time()
        with self.db(commit=True) as curs:
            curs.execute("delete from claims where queue = ? and expires_at < ?", (self.name, now))
            curs.execute(
                "insert or ignore into claims (queue, key, expires_at) values (?, ?, ?)", (self.name, key, now + ttl_s)
            )
            return bool(curs.rowcount)

    def flush_all(self) -> None:
        super().flush_all()
        for table in ("inflight", "consumers", "claims"):
            self.sql(f"delete from {table} where queue = ?", (self.name,), commit=True)
