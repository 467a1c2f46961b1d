"""Triage uses the promoted ticket-intent model, with the words behind its choice; keywords when none is promoted."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from rapport.automation import service as triage_service
from rapport.automation.intents import KeywordIntentClassifier
from rapport.labels.triage import TrainedIntentClassifier, triage_for
from rapport.privacy.access import system_principal
from rapport.settings import Settings
from tests.ai.classifier.conftest import promote_confident, ticket_with_message, train_tiny

pytestmark = [pytest.mark.slow, pytest.mark.db]


@pytest.fixture(scope="session")
def trained_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory)


def test_triage_without_a_promoted_model_uses_keywords(session: Session, tmp_path: Path) -> None:
    triage = triage_for(session, Settings(data_dir=tmp_path))

    assert isinstance(triage.classifier, KeywordIntentClassifier)


def test_triage_uses_the_promoted_model_and_stores_its_words(
    session: Session, tmp_path: Path, trained_folder: Path
) -> None:
    promote_confident(session, tmp_path, trained_folder)
    settings = Settings(data_dir=tmp_path)
    ticket = ticket_with_message(session, body="please refund my money for the broken kettle")

    triage = triage_for(session, settings)
    row = triage_service.triage_ticket(
        session, system_principal("test"), ticket.id, settings=settings.automation, triage=triage
    )

    assert isinstance(triage.classifier, TrainedIntentClassifier)
    assert row.models["intent"] == "ticket-intent@1"
    why = row.explanations["intent"]
    assert why["label"] == row.intent
    assert row.intent in {"refund", "delivery", "password"}
    assert why["words"], "the trained model's explanation reaches the triage row"
    assert all(word["word"].lower() in "refund please refund my money for the broken kettle" for word in why["words"])
