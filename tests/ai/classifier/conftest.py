"""Fixtures for the classifier tests: a tiny intent model trained once per session, and a helper that registers a
copy of it as a version in the test database."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from rapport.ai.classifier import registry
from rapport.ai.classifier.data import Example
from rapport.ai.classifier.finetune import FinetuneConfig
from rapport.ai.classifier.models import ModelVersion
from rapport.ai.classifier.pipeline import Trained, TrainPlan, train_version
from rapport.ai.classifier.runtime import Card
from rapport.interactions.models import Interaction
from rapport.tickets.models import Ticket
from tests.factories import make_customer, make_ticket

_TEXTS = {
    "refund": [
        "I want my money back for order 1001",
        "please refund the broken kettle",
        "how long does a refund take",
        "refund my payment please",
        "I returned the shoes, where is my refund",
        "can I get a refund to my card",
        "money back please, the item was faulty",
        "我要退款",
        "退款什么时候到账",
        "请给我退款",
        "refund request for the headphones",
        "I still have not received my refund",
    ],
    "delivery": [
        "where is my parcel",
        "my order has not arrived yet",
        "when will the package be delivered",
        "tracking says it is stuck in transit",
        "the courier never came",
        "delivery is late by a week",
        "has my order shipped yet",
        "我的快递到哪里了",
        "包裹还没到",
        "什么时候发货",
        "the parcel is lost",
        "is my delivery on its way",
    ],
    "password": [
        "I forgot my password",
        "cannot log in to my account",
        "reset my password please",
        "my account is locked",
        "the login page says wrong password",
        "how do I change my password",
        "I am locked out of my account",
        "忘记密码了",
        "账号登录不了",
        "怎么重置密码",
        "password reset email never arrived",
        "two factor code does not work",
    ],
}
EXAMPLES = [Example(text=text, label=label) for label, texts in _TEXTS.items() for text in texts]
TINY = FinetuneConfig(epochs=1, max_length=32, batch_size=8, learning_rate=3e-4, head_learning_rate=1e-2, threads=None)


_TRAINED: dict[str, Path] = {}


def train_tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A version folder of a MiniLM intent model fine-tuned for one epoch on 36 texts (no baseline), trained once
    per test process (the API tests share it through this function)."""
    if "folder" not in _TRAINED:
        data_dir = tmp_path_factory.mktemp("classifier-data")
        plan = TrainPlan(name="ticket-intent", task="intent", encoder="minilm", baseline=False, finetune=TINY)
        _TRAINED["folder"] = train_version(EXAMPLES, plan, data_dir=data_dir, folder=data_dir / "trained").folder
    return _TRAINED["folder"]


@pytest.fixture(scope="session")
def trained_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory)


def add_version(
    session: Session,
    data_dir: Path,
    trained_folder: Path,
    *,
    name: str = "ticket-intent",
    entity: str | None = "tickets",
) -> ModelVersion:
    """Register a copy of the trained folder as the next version of `name` under `data_dir`."""
    staging = registry.staging_folder(data_dir, name, "test")
    shutil.copytree(trained_folder, staging)
    card = Card.read(staging)
    card.name = name
    report = json.loads((staging / "report.json").read_text(encoding="utf-8"))
    return registry.register(session, data_dir, Trained(card, report, staging), entity=entity, created_by=None)


def promote_confident(session: Session, data_dir: Path, trained_folder: Path) -> ModelVersion:
    """Register and promote the tiny model as ticket-intent with threshold 0, so every prediction is confident."""
    version = add_version(session, data_dir, trained_folder)
    registry.promote(session, version, user_id=None)
    registry.configure(
        session, "ticket-intent", threshold=0.0, clear_threshold=False, use_llm_fallback=None, user_id=None
    )
    return version


def ticket_with_message(
    session: Session, subject: str = "Refund", body: str = "please refund my money", **values: object
) -> Ticket:
    """A ticket of a new customer with its first inbound message (what a classifier reads)."""
    customer = make_customer(session)
    ticket = make_ticket(session, customer, subject=subject, **values)
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
