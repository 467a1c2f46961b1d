"""score_ticket: every promoted ticket model scores a ticket; predictions are recorded; empty columns are filled."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.ai.classifier import registry
from rapport.interactions.models import Interaction
from rapport.labels.flows import score_ticket
from rapport.labels.models import Label
from rapport.settings import Settings
from rapport.tickets.models import Ticket
from tests.ai.classifier.conftest import add_version, train_tiny
from tests.factories import make_customer, make_ticket

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def trained_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory)


def _promote_confident(session: Session, tmp_path: Path, trained_folder: Path) -> None:
    version = add_version(session, tmp_path, trained_folder)
    registry.promote(session, version, user_id=None)
    registry.configure(
        session, "ticket-intent", threshold=0.0, clear_threshold=False, use_llm_fallback=None, user_id=None
    )


def _ticket(session: Session, **values: object) -> Ticket:
    customer = make_customer(session)
    ticket = make_ticket(session, customer, subject="Refund", **values)
    session.add(
        Interaction(
            customer_id=customer.id,
            ticket_id=ticket.id,
            kind="email",
            direction="inbound",
            body="please refund my money",
            occurred_at=ticket.created_at,
        )
    )
    session.flush()
    return ticket


def test_score_ticket_records_the_prediction_and_fills_an_empty_intent(
    session: Session, tmp_path: Path, trained_folder: Path
) -> None:
    _promote_confident(session, tmp_path, trained_folder)
    ticket = _ticket(session)

    (score,) = score_ticket(session, ticket.id, settings=Settings(data_dir=tmp_path))

    label = session.scalar(select(Label).where(Label.entity_id == ticket.id))
    assert score.model == "ticket-intent@1"
    assert score.applied is True
    assert ticket.intent == score.prediction.label
    assert label is not None
    assert (label.source, label.label, label.is_applied) == ("model", score.prediction.label, True)
    assert label.detail["explanation"] == [e.model_dump() for e in score.prediction.explanation]


def test_score_ticket_never_overwrites_a_persons_label(session: Session, tmp_path: Path, trained_folder: Path) -> None:
    _promote_confident(session, tmp_path, trained_folder)
    ticket = _ticket(session, intent="complaint")

    (score,) = score_ticket(session, ticket.id, settings=Settings(data_dir=tmp_path))

    assert score.applied is False
    assert ticket.intent == "complaint"


def test_score_ticket_without_promoted_models_does_nothing(session: Session, tmp_path: Path) -> None:
    ticket = _ticket(session)

    assert score_ticket(session, ticket.id, settings=Settings(data_dir=tmp_path)) == []
