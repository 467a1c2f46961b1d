"""Triage uses the promoted ticket-intent model, with the words behind its choice; keywords when none is promoted."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from rapport.ai.classifier import registry
from rapport.automation import service as triage_service
from rapport.automation.intents import KeywordIntentClassifier
from rapport.interactions.models import Interaction
from rapport.labels.triage import TrainedIntentClassifier, triage_for
from rapport.privacy.access import system_principal
from rapport.settings import Settings
from rapport.tickets.models import Ticket
from tests.ai.classifier.conftest import add_version, train_tiny
from tests.factories import make_customer, make_ticket

pytestmark = [pytest.mark.slow, pytest.mark.db]


@pytest.fixture(scope="session")
def trained_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory)


def _ticket(session: Session, subject: str, body: str) -> Ticket:
    customer = make_customer(session)
    ticket = make_ticket(session, customer, subject=subject)
    session.add(
        Interaction(
            customer_id=customer.id,
            ticket_id=ticket.id,
            kind="email",
            direction="inbound",
            body=body,
            occurred_at=ticket.created_at,
        )
    )
    session.flush()
    return ticket


def test_triage_without_a_promoted_model_uses_keywords(session: Session, tmp_path: Path) -> None:
    triage = triage_for(session, Settings(data_dir=tmp_path))

    assert isinstance(triage.classifier, KeywordIntentClassifier)


def test_triage_uses_the_promoted_model_and_stores_its_words(
    session: Session, tmp_path: Path, trained_folder: Path
) -> None:
    version = add_version(session, tmp_path, trained_folder)
    registry.promote(session, version, user_id=None)
    registry.configure(
        session, "ticket-intent", threshold=0.0, clear_threshold=False, use_llm_fallback=None, user_id=None
    )
    settings = Settings(data_dir=tmp_path)
    ticket = _ticket(session, "Refund", "please refund my money for the broken kettle")

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
