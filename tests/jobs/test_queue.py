"""The queue: jobs by name, journalled with their attempts, follow-up jobs after success, a consumer in-process."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from rapport.errors import Invalid
from rapport.jobs.catalog import JOBS
from rapport.jobs.models import JobRun
from rapport.jobs.queue import Queue, wait_for
from rapport.jobs.runtime import JobRuntime
from rapport.jobs.schedule import PERIODIC
from rapport.jobs.settings import QueueSettings
from rapport.settings import Settings


def test_every_job_is_named_domain_dot_verb_and_every_periodic_job_exists() -> None:
    assert all(name.count(".") == 1 and name == spec.name for name, spec in JOBS.items())
    assert {p.job for p in PERIODIC} <= set(JOBS)


def test_immediate_queue_runs_and_journals_a_job(session: Session, connection: Connection, settings: Settings) -> None:
    queue = Queue(QueueSettings(backend="immediate"), runtime=JobRuntime(settings, bind=connection))

    task_id = queue.enqueue("jobs.ping")

    run = session.scalar(select(JobRun).where(JobRun.task_id == task_id))
    assert run is not None
    assert run.status == "succeeded"
    assert run.name == "jobs.ping"
    assert run.attempt == 1
    assert run.result["pid"] > 0


def test_a_failing_job_is_journalled_as_failed_with_its_error(
    session: Session, connection: Connection, settings: Settings
) -> None:
    queue = Queue(QueueSettings(backend="immediate"), runtime=JobRuntime(settings, bind=connection))

    task_id = queue.enqueue("mail.send", outbox_id=999_999)

    run = session.scalar(select(JobRun).where(JobRun.task_id == task_id))
    assert run is not None
    assert run.status == "failed"
    assert "outbox message 999999 not found" in (run.error or "")


def test_unknown_jobs_are_refused(settings: Settings) -> None:
    queue = Queue(QueueSettings(backend="immediate"), runtime=JobRuntime(settings))

    with pytest.raises(Invalid, match="unknown job"):
        queue.enqueue("nothing.here")


def test_sqlite_queue_shows_pending_and_scheduled_jobs(tmp_path: Path) -> None:
    queue = Queue(QueueSettings(backend="sqlite", sqlite_path=tmp_path / "q.db"))

    first = queue.enqueue("tickets.triage", ticket_id=7)
    later = queue.enqueue("reports.weekly", delay_s=3600)

    assert [(j.id, j.name, j.args) for j in queue.pending()] == [(first, "tickets.triage", {"ticket_id": 7})]
    assert [j.id for j in queue.scheduled()] == [later]


@pytest.mark.timeout(60)
def test_an_in_process_consumer_runs_queued_jobs(tmp_path: Path, engine: object, database_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    queue = Queue(
        QueueSettings(backend="sqlite", sqlite_path=tmp_path / "q.db", workers=1, periodic=False),
        runtime=JobRuntime(settings),
    )

    with queue.running():
        task_id = queue.enqueue("jobs.ping")
        runs = wait_for(queue.runtime.database(), task_id, timeout_s=30)  # type: ignore[union-attr]

    assert [r.status for r in runs] == ["succeeded"]
    assert queue.in_flight() == []


def test_followup_jobs_start_after_success(
    session: Session, connection: Connection, settings: Settings, tmp_path: Path
) -> None:
    from rapport.mail.models import OutboxMessage

    message = OutboxMessage(
        message_id="<m1@test>",
        from_addr="a@example.com",
        to_addrs=["b@example.com"],
        subject="Hi",
        body_text="Hello",
        status="queued",
    )
    session.add(message)
    session.flush()
    message.updated_at = message.updated_at.replace(year=2020)
    session.flush()
    queue = Queue(QueueSettings(backend="immediate"), runtime=JobRuntime(settings, bind=connection))

    queue.enqueue("mail.flush")

    session.refresh(message)
    sends = session.scalars(select(JobRun).where(JobRun.name == "mail.send")).all()
    assert [(r.args, r.status) for r in sends] == [({"outbox_id": message.id}, "succeeded")]
    assert message.status == "sent"
    assert Path(message.path or "").read_bytes().startswith(b"Message-ID: <m1@test>")


def test_serving_runs_workers_in_process_with_the_sqlite_backend(
    tmp_path: Path, engine: object, database_url: str
) -> None:
    from types import SimpleNamespace

    from rapport.jobs.queue import serving

    settings = Settings(data_dir=tmp_path, database_url=database_url)
    state = SimpleNamespace()

    with serving(settings, bind=engine, state=state) as queue:
        task_id = queue.enqueue("jobs.ping")
        runs = wait_for(engine, task_id, timeout_s=30)

    assert state.rapport_queue is queue
    assert [r.status for r in runs] == ["succeeded"]
