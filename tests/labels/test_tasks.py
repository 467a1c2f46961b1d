"""The models.train job on CRM labels: the run reads the labelled tickets, and a failure stays on the run."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from rapport.ai.classifier import training
from rapport.ai.classifier.models import TrainingRun
from rapport.ai.classifier.schemas import TrainingRequest
from rapport.labels import tasks
from rapport.privacy.access import Role
from rapport.settings import Settings
from tests.factories import make_customer, make_ticket, make_user, principal_of


def test_a_failing_run_keeps_its_error(session: Session, connection: Connection, tmp_path: Path) -> None:
    customer = make_customer(session)
    for _ in range(3):
        make_ticket(session, customer, intent="order_status")  # too few examples and one label
    admin = principal_of(make_user(session, Role.admin))
    run = training.request(session, admin, TrainingRequest(task="intent"), data_dir=tmp_path)
    session.commit()

    summary = tasks.train(connection, Settings(data_dir=tmp_path, database_url="sqlite://"), run_id=run.id)

    finished = session.get(TrainingRun, run.id)
    assert finished is not None
    session.refresh(finished)
    assert (summary["status"], finished.status) == ("failed", "failed")
    assert "at least 8 examples" in (finished.error or "")
    assert finished.source["n"] == 3
    assert not (tmp_path / "models" / "classifiers" / "ticket-intent" / f".run-{run.id}").exists()
