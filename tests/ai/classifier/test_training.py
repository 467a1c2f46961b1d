"""Training runs: one at a time, failures stored on the run, interrupted runs noticed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from rapport.ai.classifier import training
from rapport.ai.classifier.models import TrainingRun
from rapport.ai.classifier.schemas import ExampleIn, TrainingRequest
from rapport.errors import Conflict, Forbidden, Invalid
from rapport.kit.clock import utcnow
from rapport.privacy.access import Role
from rapport.settings import Settings
from tests.factories import make_user, principal_of


def test_a_second_run_waits_for_the_first(session: Session, tmp_path: Path) -> None:
    admin = principal_of(make_user(session, Role.admin))
    first = training.request(session, admin, TrainingRequest(task="intent"), data_dir=tmp_path)

    with pytest.raises(Conflict, match=f"run {first.id}"):
        training.request(session, admin, TrainingRequest(task="sentiment"), data_dir=tmp_path)
    assert (first.name, first.status, first.source["kind"]) == ("ticket-intent", "queued", "crm")


def test_a_run_without_a_heartbeat_for_15_minutes_is_marked_failed(session: Session, tmp_path: Path) -> None:
    admin = principal_of(make_user(session, Role.admin))
    stale = TrainingRun(
        name="ticket-intent", task="intent", status="running", heartbeat_at=utcnow() - timedelta(hours=1)
    )
    session.add(stale)
    session.flush()

    fresh = training.request(session, admin, TrainingRequest(task="intent"), data_dir=tmp_path)

    assert (stale.status, fresh.status) == ("failed", "queued")
    assert "interrupted" in (stale.error or "")


def test_a_run_queued_long_ago_that_never_started_is_marked_failed(session: Session, tmp_path: Path) -> None:
    lost = TrainingRun(name="ticket-intent", task="intent", requested_at=utcnow() - timedelta(hours=1))
    session.add(lost)
    session.flush()

    training.request(
        session, principal_of(make_user(session, Role.admin)), TrainingRequest(task="intent"), data_dir=tmp_path
    )

    assert (lost.status, lost.error) == ("failed", "never started: the process that was to run it stopped")


def test_only_admins_and_managers_train(session: Session, tmp_path: Path) -> None:
    with pytest.raises(Forbidden):
        training.request(
            session, principal_of(make_user(session, Role.support)), TrainingRequest(task="intent"), data_dir=tmp_path
        )


def test_inline_examples_with_one_label_are_refused_before_queueing(session: Session, tmp_path: Path) -> None:
    admin = principal_of(make_user(session, Role.admin))
    body = TrainingRequest(task="intent", examples=[ExampleIn(text=f"text {i}", label="only") for i in range(10)])

    with pytest.raises(Invalid, match="2 labels"):
        training.request(session, admin, body, data_dir=tmp_path)


def test_a_crm_run_without_a_reader_of_labels_fails_with_a_message(
    session: Session, connection: Connection, tmp_path: Path
) -> None:
    admin = principal_of(make_user(session, Role.admin))
    run = training.request(session, admin, TrainingRequest(task="intent"), data_dir=tmp_path)
    session.commit()

    finished = training.execute(connection, Settings(data_dir=tmp_path, database_url="sqlite://"), run.id)

    assert finished.status == "failed"
    assert "no reader" in (finished.error or "")


def test_inline_examples_wait_in_a_file_for_the_run(session: Session, tmp_path: Path) -> None:
    admin = principal_of(make_user(session, Role.admin))
    examples = [ExampleIn(text=f"  text   {i} ", label="ab"[i % 2]) for i in range(10)]

    run = training.request(session, admin, TrainingRequest(task="intent", examples=examples), data_dir=tmp_path)

    lines = training.inbox(tmp_path, run.id).read_text(encoding="utf-8").splitlines()
    assert (len(lines), lines[0]) == (10, '{"text": "text 0", "label": "a"}')
    assert (run.source["kind"], run.source["n"]) == ("examples", 10)
