"""Jobs asked for inside a transaction are queued only when it commits; a rollback drops them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from rapport.jobs import deferred
from rapport.store.engine import make_sessionmaker


class Recorder:
    """A queue that remembers what it was asked to run (the protocol the doors use)."""

    def __init__(self) -> None:
        self.queued: list[tuple[str, dict[str, Any]]] = []

    def enqueue(self, name: str, *, delay_s: float | None = None, **kwargs: Any) -> str:
        self.queued.append((name, kwargs))
        return str(len(self.queued))


def test_jobs_are_queued_after_commit(connection: Connection) -> None:
    queue = Recorder()
    with make_sessionmaker(connection)() as session:
        deferred.enqueue_after_commit(session, queue, "tickets.triage", ticket_id=1)
        assert queue.queued == []
        session.commit()

    assert queue.queued == [("tickets.triage", {"ticket_id": 1})]


def test_a_rollback_drops_them(connection: Connection) -> None:
    queue = Recorder()
    with make_sessionmaker(connection)() as session:
        deferred.enqueue_after_commit(session, queue, "tickets.triage", ticket_id=1)
        session.rollback()
        session.commit()

    assert queue.queued == []


def test_a_savepoint_rolling_back_keeps_the_outer_jobs(connection: Connection) -> None:
    queue = Recorder()
    with make_sessionmaker(connection)() as session:
        deferred.enqueue_after_commit(session, queue, "mail.send", outbox_id=3)
        nested = session.begin_nested()
        nested.rollback()
        session.commit()

    assert queue.queued == [("mail.send", {"outbox_id": 3})]
