"""Data-subject rights: the export holds every record about a person; the erase removes them from every store
(checked in the SQLite file's bytes too), keeps orders anonymised, is idempotent, and is all or nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from rapport.activities.models import Task
from rapport.ai.models import CachedCompletion, ModelCall
from rapport.assistant.models import Conversation, ConversationMessage
from rapport.customers.models import ConsentRecord, Customer, CustomerSourceId
from rapport.errors import Forbidden, NotFound
from rapport.feedback.models import FeedbackMessage
from rapport.interactions.models import Interaction
from rapport.kit.clock import utcnow
from rapport.mail.models import OutboxMessage
from rapport.marketing.models import Campaign, CampaignRecipient, Segment
from rapport.privacy import audit, mentions, subjects
from rapport.privacy.access import Principal, Role, system_principal
from rapport.privacy.models import AuditEvent
from rapport.sales.models import Deal, Order, Pipeline, PipelineStage
from rapport.store import migrate
from rapport.store.engine import make_engine, make_sessionmaker, session_scope
from rapport.tickets.models import Ticket
from tests.factories import make_customer, make_order, make_ticket, make_user, principal_of

NAME = "Ingrid Vasquez-Holm"
EMAIL = "ingrid.vh@example.org"
PHONE = "+14155550199"
STREET = "42 Larkspur Lane"


@dataclass
class World:
    customer_id: int
    other_interaction_id: int
    order_total: Decimal


def _world(session: Session) -> World:
    """One person with something in every store, plus another customer's note that names them."""
    now = utcnow()
    person = make_customer(
        session,
        full_name=NAME,
        email=EMAIL,
        phone=PHONE,
        emails=[EMAIL],
        phones=[PHONE],
        addresses=[{"line1": STREET, "city": "Oslo", "country": "NO"}],
        notes="prefers calls after six",
        consent_email=True,
    )
    other = make_customer(session)
    session.add_all(
        [
            CustomerSourceId(customer_id=person.id, system="shop", external_id="shop-77"),
            ConsentRecord(customer_id=person.id, channel="email", is_granted=True, at=now, source="import"),
            ConsentRecord(customer_id=person.id, channel="email", is_granted=False, at=now, source="unsubscribe link"),
        ]
    )
    order = make_order(session, person, tracking_number="1Z999AA10123456784")
    ticket = make_ticket(session, person, subject=f"Refund for {NAME}")
    said = f"Hi, this is {NAME}, call me on {PHONE} or write to {EMAIL}."
    message = Interaction(customer_id=person.id, kind="email", direction="inbound", body=said, occurred_at=now)
    on_ticket = Interaction(
        customer_id=person.id, ticket_id=ticket.id, kind="email", direction="inbound", body=said, occurred_at=now
    )
    note = Interaction(
        customer_id=other.id, kind="note", direction="internal", body=f"Referred by {NAME}.", occurred_at=now
    )
    session.add_all([message, on_ticket, note])
    session.flush()
    session.add(
        FeedbackMessage(
            interaction_id=message.id,
            customer_id=person.id,
            kind="email",
            occurred_at=now,
            sentiment="negative",
            sentiment_score=-0.8,
            sentiment_model="test",
        )
    )
    pipeline = Pipeline(name="Sales", stages=[PipelineStage(name="New", position=1, probability=10)])
    session.add(pipeline)
    session.flush()
    session.add(
        Deal(
            name=f"{NAME} renewal",
            customer_id=person.id,
            pipeline_id=pipeline.id,
            stage_id=pipeline.stages[0].id,
            amount=Decimal("500"),
            probability=10,
        )
    )
    session.add(Task(title=f"Call {NAME}", notes=PHONE, customer_id=person.id))
    segment = Segment(name="Everyone")
    session.add(segment)
    session.flush()
    campaign = Campaign(name="Spring", segment_id=segment.id)
    session.add(campaign)
    session.flush()
    outbox = OutboxMessage(
        message_id="<m1@rapport>",
        from_addr="shop@example.com",
        to_addrs=[EMAIL],
        subject="Spring offer",
        body_text=f"Dear {NAME}",
        customer_id=person.id,
    )
    session.add(outbox)
    session.flush()
    session.add(
        CampaignRecipient(
            campaign_id=campaign.id,
            customer_id=person.id,
            group="A",
            outbox_id=outbox.id,
            sent_at=now,
            clicked_at=now + timedelta(hours=1),
        )
    )
    chat = Conversation(token_hash="a" * 64, customer_id=person.id, identified_by="widget_token")
    session.add(chat)
    session.flush()
    session.add(ConversationMessage(conversation_id=chat.id, role="customer", body=f"I am {NAME}"))
    session.add(
        CachedCompletion(
            key="k" * 64,
            text=f"Draft: Dear {NAME}, your refund is on its way.",
            prompt_tokens=10,
            completion_tokens=10,
            model="test",
            created_at=now,
        )
    )
    session.add(ModelCall(at=now, feature="draft", provider="local", model="test", error=f"timeout for {EMAIL}"))
    session.add(ModelCall(at=now, feature="triage", provider="local", model="test"))
    session.flush()
    return World(customer_id=person.id, other_interaction_id=note.id, order_total=order.total)


@pytest.fixture
def admin(session: Session) -> Principal:
    return principal_of(make_user(session, Role.admin))


def _count(session: Session, model: Any, *where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_export_holds_every_record_about_the_person(session: Session, admin: Principal) -> None:
    world = _world(session)

    document = subjects.export_subject(session, admin, world.customer_id)

    assert document["schema_version"] == subjects.SCHEMA_VERSION
    assert document["customer"]["email"] == EMAIL
    assert document["customer"]["addresses"][0]["line1"] == STREET
    assert [s["external_id"] for s in document["source_ids"]] == ["shop-77"]
    assert [(c["is_granted"], c["source"]) for c in document["consent_records"]] == [
        (True, "import"),
        (False, "unsubscribe link"),
    ]
    assert document["orders"][0]["total"] == str(world.order_total)
    assert len(document["orders"][0]["lines"]) == 1
    assert len(document["interactions"]) == 1
    assert document["tickets"][0]["subject"] == f"Refund for {NAME}"
    assert len(document["tickets"][0]["messages"]) == 1
    assert document["deals"][0]["name"] == f"{NAME} renewal"
    assert document["tasks"][0]["title"] == f"Call {NAME}"
    assert document["feedback"][0]["sentiment"] == "negative"
    assert document["marketing"][0]["clicked_at"] is not None
    assert document["mail"]["outbox"][0]["to_addrs"] == [EMAIL]
    assert document["assistant_conversations"][0]["messages"][0]["body"] == f"I am {NAME}"
    assert len(document["model_calls"]["cached_answers"]) == 1
    assert [c["error"] for c in document["model_calls"]["calls"]] == [f"timeout for {EMAIL}"]
    assert json.loads(json.dumps(document)) == document  # plain JSON through and through


def test_export_is_audited_and_lists_the_audit_trail(session: Session, admin: Principal) -> None:
    world = _world(session)
    subjects.export_subject(session, admin, world.customer_id)

    document = subjects.export_subject(session, admin, world.customer_id)

    assert [e["action"] for e in document["audit_events"]] == ["export"]
    assert document["audit_events"][0]["detail"]["orders"] == 1


def test_erase_removes_personal_data_and_keeps_orders(session: Session, admin: Principal) -> None:
    world = _world(session)
    cid = world.customer_id

    erasure = subjects.erase_subject(session, admin, cid)
    session.expire_all()

    customer = session.get(Customer, cid)
    assert customer is not None
    assert (customer.full_name, customer.email, customer.phone, customer.notes) == ("erased", None, None, None)
    assert (customer.emails, customer.phones, customer.addresses) == ([], [], [])
    assert customer.deleted_at is not None
    order = session.scalars(select(Order).where(Order.customer_id == cid)).one()
    assert (order.total, order.tracking_number, len(order.lines)) == (world.order_total, None, 1)
    assert _count(session, Interaction, Interaction.customer_id == cid) == 0
    assert _count(session, FeedbackMessage, FeedbackMessage.customer_id == cid) == 0
    assert _count(session, Task, Task.customer_id == cid) == 0
    assert _count(session, Conversation, Conversation.customer_id == cid) == 0
    assert _count(session, OutboxMessage) == 0
    assert _count(session, CustomerSourceId, CustomerSourceId.customer_id == cid) == 0
    assert _count(session, CachedCompletion) == 0
    assert session.scalars(select(ModelCall.error).order_by(ModelCall.id)).all() == ["timeout for [erased]", None]
    assert session.scalars(select(Ticket.subject).where(Ticket.customer_id == cid)).all() == ["erased"]
    assert session.scalars(select(Deal.name).where(Deal.customer_id == cid)).one().startswith("Deal ")
    assert _count(session, CampaignRecipient, CampaignRecipient.customer_id == cid) == 1
    other = session.get(Interaction, world.other_interaction_id)
    assert other is not None
    assert other.body == "Referred by [erased]."
    consents = session.scalars(select(ConsentRecord).where(ConsentRecord.customer_id == cid).order_by(ConsentRecord.id))
    assert [(c.channel, c.is_granted, c.source) for c in consents][-2:] == [
        ("email", False, "erasure"),
        ("sms", False, "erasure"),
    ]
    assert erasure.kept["orders"] == 1
    assert erasure.deleted["interactions"] == 2
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).one()
    assert event.detail["message"] == f"erased customer {cid}"
    assert not any(value in json.dumps(event.detail) for value in (NAME, EMAIL, PHONE))
    assert audit.verify(session) == []


def test_second_erase_changes_nothing(session: Session, admin: Principal) -> None:
    world = _world(session)
    subjects.erase_subject(session, admin, world.customer_id)

    again = subjects.erase_subject(session, admin, world.customer_id)

    assert again.as_dict() == {
        "customer_id": world.customer_id,
        "already_erased": True,
        "deleted": {},
        "blanked": {},
        "kept": {},
    }
    consents = _count(session, ConsentRecord, ConsentRecord.source == "erasure")
    assert consents == 2


def test_export_after_erase_says_so_and_names_no_one(session: Session, admin: Principal) -> None:
    world = _world(session)
    subjects.erase_subject(session, admin, world.customer_id)

    document = subjects.export_subject(session, admin, world.customer_id)

    assert document["is_erased"] is True
    assert not any(value in json.dumps(document) for value in (NAME, EMAIL, PHONE, STREET))
    assert document["orders"][0]["total"] == str(world.order_total)


@pytest.mark.parametrize("role", [Role.analyst, Role.support, Role.manager])
def test_only_admins_export_or_erase(session: Session, role: Role) -> None:
    world = _world(session)
    principal = principal_of(make_user(session, role))

    with pytest.raises(Forbidden):
        subjects.export_subject(session, principal, world.customer_id)
    with pytest.raises(Forbidden):
        subjects.erase_subject(session, principal, world.customer_id)

    assert session.get(Customer, world.customer_id).email == EMAIL  # type: ignore[union-attr]


def test_unknown_customer_is_not_found(session: Session, admin: Principal) -> None:
    with pytest.raises(NotFound):
        subjects.erase_subject(session, admin, 987_654_321)


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [("Maria", False), ("Maria Lopez", True), ("王芳", True), ("Li", False)],
)
def test_identifiers_skip_names_that_would_match_strangers(session: Session, full_name: str, expected: bool) -> None:
    customer = make_customer(session, full_name=full_name, email="x@example.com", phone=None, phones=[])

    assert (full_name in mentions.identifiers(customer)) is expected


# -- on a committed SQLite file: what is left on disk, and a crash half way ---------------------------------------
@pytest.fixture
def file_engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'subjects.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _disk_bytes(engine: Engine) -> bytes:
    path = Path(str(engine.url.database))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_erase_leaves_no_trace_in_the_database_file(file_engine: Engine) -> None:
    factory = make_sessionmaker(file_engine)
    with session_scope(factory) as session:
        cid = _world(session).customer_id
    subjects.checkpoint(file_engine)
    before = _disk_bytes(file_engine)
    # the check can see them (in messages and notes; the customer row itself is encrypted at rest)
    assert all(value.encode() in before for value in (NAME, EMAIL, PHONE))

    with session_scope(factory) as session:
        subjects.erase_subject(session, system_principal(), cid)
    assert subjects.checkpoint(file_engine) is True

    after = _disk_bytes(file_engine)
    assert [value for value in (NAME, EMAIL, PHONE, STREET) if value.encode() in after] == []
    with session_scope(factory) as session:
        assert _count(session, Order, Order.customer_id == cid) == 1


def test_crash_mid_erase_leaves_everything_as_it_was(file_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    factory = make_sessionmaker(file_engine)
    with session_scope(factory) as session:
        cid = _world(session).customer_id

    def crash(*_args: object) -> None:
        raise RuntimeError("power cut")

    # every real step but the last runs and flushes first; then the process "dies"
    monkeypatch.setattr(subjects, "ERASE_STEPS", (*subjects.ERASE_STEPS[:-1], crash))
    with pytest.raises(RuntimeError, match="power cut"), session_scope(factory) as session:
        subjects.erase_subject(session, system_principal(), cid)

    with session_scope(factory) as session:
        customer = session.get(Customer, cid)
        assert customer is not None
        assert (customer.email, customer.full_name) == (EMAIL, NAME)
        assert _count(session, Interaction, Interaction.customer_id == cid) == 2
        assert _count(session, CachedCompletion) == 1
        assert session.scalars(select(Ticket.subject).where(Ticket.customer_id == cid)).one() == f"Refund for {NAME}"
        assert _count(session, AuditEvent, AuditEvent.action == "erase") == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks, Person Number7.", "Thanks, [erased]."),
        ("From Person Number70", "From Person Number70"),
        ("mail p7@example.com or ap7@example.com", "mail [erased] or ap7@example.com"),
        ("call +14155550007, not +141555500071", "call [erased], not +141555500071"),
        ("我是王芳，订单没到", "我是[erased]，订单没到"),
    ],
)
def test_scrub_replaces_whole_identifiers_only(text: str, expected: str) -> None:
    names = ["Person Number7", "p7@example.com", "+14155550007", "王芳"]

    assert mentions.scrub({"body": [text]}, names) == {"body": [expected]}
