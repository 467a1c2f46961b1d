"""score_ticket: every promoted ticket model scores a ticket; predictions are recorded; empty columns are filled."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.labels.flows import score_ticket
from rapport.labels.models import Label
from rapport.settings import Settings
from tests.ai.classifier.conftest import promote_confident, ticket_with_message, train_tiny

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def trained_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory)


def test_score_ticket_records_the_prediction_and_fills_an_empty_intent(
    session: Session, tmp_path: Path, trained_folder: Path
) -> None:
    promote_confident(session, tmp_path, trained_folder)
    ticket = ticket_with_message(session)

    (score,) = score_ticket(session, ticket.id, settings=Settings(data_dir=tmp_path))

    label = session.scalar(select(Label).where(Label.entity_id == ticket.id))
    assert score.model == "ticket-intent@1"
    assert score.applied is True
    assert ticket.intent == score.prediction.label
    assert label is not None
    assert (label.source, label.label, label.is_applied) == ("model", score.prediction.label, True)
    assert label.detail["explanation"] == [e.model_dump() for e in score.prediction.explanation]


def test_score_ticket_never_overwrites_a_persons_label(session: Session, tmp_path: Path, trained_folder: Path) -> None:
    promote_confident(session, tmp_path, trained_folder)
    ticket = ticket_with_message(session, intent="complaint")

    (score,) = score_ticket(session, ticket.id, settings=Settings(data_dir=tmp_path))

    assert score.applied is False
    assert ticket.intent == "complaint"


def test_score_ticket_without_promoted_models_does_nothing(session: Session, tmp_path: Path) -> None:
    ticket = ticket_with_message(session)

    assert score_ticket(session, ticket.id, settings=Settings(data_dir=tmp_path)) == []
