"""Data-subject rights: export everything Rapport holds about one person, and erase it (GDPR arts. 15, 17, 20; PIPL
arts. 45, 47).

Erasing keeps what accounting and compliance need and nothing that names the person:
- the customer row stays as an anonymous stub ("erased", no contact data, soft-deleted), so orders keep their
  `customer_id` (the foreign key is RESTRICT, and revenue, cohorts and lifetime value stay right); their amounts,
  lines and dates stay, the carrier tracking number goes;
- consent history stays (channel, granted or not, when, which staff member or process), with a final withdrawal
  of both channels at the erasure; the audit event "erased customer N" is the proof it was done;
- messages, notes, chats, emails, tasks, analytics profiles, ids in other systems and duplicate pairs are deleted;
  tickets, deals and marketing sends stay as metrics with their texts blanked;
- mentions elsewhere (model answer cache, import quarantine, webhooks, other notes, reports) are swept by the
  person's identifiers (`privacy/mentions.py`).
All of it runs in one savepoint of the caller's transaction: a failure at any step leaves nothing half-erased.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import Engine, Select, delete, inspect, or_, select
from sqlalchemy.orm import Session

from rapport.activities.models import Task
from rapport.analytics.models import CustomerInsight
from rapport.assistant.models import Conversation, ConversationMessage
from rapport.automation.models import FollowUp, TicketTriage
from rapport.customers.models import ConsentRecord, Customer, CustomerSourceId
from rapport.errors import NotFound
from rapport.feedback.models import FeedbackAspect, FeedbackMessage
from rapport.ingest.models import CustomerMerge, DuplicateCandidate
from rapport.interactions.models import Interaction
from rapport.kit.clock import utcnow
from rapport.mail.models import MailMessage, OutboxMessage
from rapport.marketing.models import CampaignRecipient
from rapport.privacy import audit, mentions
from rapport.privacy.access import Action, Principal, can, require
from rapport.privacy.models import AuditEvent
from rapport.sales.models import Deal, Order
from rapport.store.base import Base
from rapport.tickets.models import Ticket

log = logging.getLogger(__name__)

SCHEMA_VERSION: Final = "rapport.subject-export.v1"
ERASED_NAME: Final = "erased"
# Only admins hold more than read on "privacy" (analysts read its aggregates): a person's whole file and their
# erasure are an admin's alone. Export is a create (it makes a document), erase a delete.
_EXPORT, _ERASE = Action.create, Action.delete


@dataclass
class Erasure:
    """What one erase did, per store: rows deleted, rows kept with their texts blanked, rows kept as they were."""

    customer_id: int
    already_erased: bool = False
    deleted: dict[str, int] = field(default_factory=dict)
    blanked: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "already_erased": self.already_erased,
            "deleted": self.deleted,
            "blanked": self.blanked,
            "kept": self.kept,
        }


# -- export ------------------------------------------------------------------------------------------------------
def export_subject(session: Session, principal: Principal, customer_id: int) -> dict[str, Any]:
    """One JSON-ready document with every record about the customer, decrypted; audited as an `export`."""
    customer = _subject(session, principal, _EXPORT, customer_id)
    ticket_ids = _ids(session, select(Ticket.id).where(Ticket.customer_id == customer_id))
    interactions = _rows(session, select(Interaction).where(Interaction.customer_id == customer_id))
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": utcnow().isoformat(),
        "customer_id": customer_id,
        "is_erased": _was_erased(session, customer_id),
        "customer": _plain(customer),
        "source_ids": [_plain(row) for row in customer.source_ids],
        "consent_records": _all(session, select(ConsentRecord).where(ConsentRecord.customer_id == customer_id)),
        "orders": [
            {**_plain(order), "lines": [_plain(line) for line in order.lines]}
            for order in _rows(session, select(Order).where(Order.customer_id == customer_id))
        ],
        "deals": _all(session, select(Deal).where(Deal.customer_id == customer_id)),
        "interactions": [_plain(row) for row in interactions if row.ticket_id is None],
        "tickets": _tickets(session, customer_id, interactions),
        "tasks": _all(session, select(Task).where(Task.customer_id == customer_id)),
        "followups": _all(session, select(FollowUp).where(FollowUp.customer_id == customer_id)),
        "feedback": _feedback(session, customer_id),
        "marketing": _all(session, select(CampaignRecipient).where(CampaignRecipient.customer_id == customer_id)),
        "mail": {
            "outbox": _all(session, _outbox(customer_id, ticket_ids)),
            "messages": _all(session, _mail(customer_id, ticket_ids)),
        },
        "assistant_conversations": _conversations(session, customer_id, ticket_ids),
        "analytics": _all(session, select(CustomerInsight).where(CustomerInsight.customer_id == customer_id)),
        "model_calls": _model_calls(session, customer),
        "audit_events": _all(session, _audit_about(customer_id, ticket_ids)),
    }
    counts = {key: len(value) for key, value in document.items() if isinstance(value, list)}
    audit.record(session, principal, action="export", entity="customers", entity_id=customer_id, detail=counts)
    return document


def _tickets(session: Session, customer_id: int, interactions: Sequence[Interaction]) -> list[dict[str, Any]]:
    tickets = _rows(session, select(Ticket).where(Ticket.customer_id == customer_id))
    out = []
    for ticket in tickets:
        triage = session.get(TicketTriage, ticket.id)
        out.append(
            {
                **_plain(ticket),
                "messages": [_plain(row) for row in interactions if row.ticket_id == ticket.id],
                "triage": None if triage is None else _plain(triage),
            }
        )
    return out


def _feedback(session: Session, customer_id: int) -> list[dict[str, Any]]:
    messages = _rows(session, select(FeedbackMessage).where(FeedbackMessage.customer_id == customer_id))
    interaction_ids = [row.interaction_id for row in messages]
    aspects = _rows(session, select(FeedbackAspect).where(FeedbackAspect.interaction_id.in_(interaction_ids)))
    return [
        {**_plain(row), "aspects": [_plain(a) for a in aspects if a.interaction_id == row.interaction_id]}
        for row in messages
    ]


def _conversations(session: Session, customer_id: int, ticket_ids: list[int]) -> list[dict[str, Any]]:
    conversations = _rows(session, _conversations_of(customer_id, ticket_ids))
    out = []
    for conversation in conversations:
        stmt = select(ConversationMessage).where(ConversationMessage.conversation_id == conversation.id)
        out.append({**_plain(conversation), "messages": _all(session, stmt.order_by(ConversationMessage.id))})
    return out


def _model_calls(session: Session, customer: Customer) -> dict[str, list[dict[str, Any]]]:
    """Model calls keep no prompt and no customer id (`ai_calls`), so what can name the person is the answer cache
    and a call's error text: both are found by the person's identifiers."""
    names = mentions.identifiers(customer)
    by_store = {place.store: place for place in mentions.PLACES}
    return {
        "cached_answers": [_plain(row) for row in mentions.find(session, by_store["ai_cache"], names)],
        "calls": [_plain(row) for row in mentions.find(session, by_store["ai_calls"], names)],
    }


# -- erase -------------------------------------------------------------------------------------------------------
Step = Callable[[Session, Customer, "_Scope", Erasure], None]


@dataclass(frozen=True)
class _Scope:
    """The ids an erase works on, read once before anything changes."""

    ticket_ids: list[int]
    interaction_ids: list[int]
    names: list[str]


def erase_subject(session: Session, principal: Principal, customer_id: int) -> Erasure:
    """Remove the customer's personal data everywhere Rapport keeps it; idempotent (a second call changes nothing
    and says `already_erased`). The door commits; on SQLite it then calls `checkpoint` so old page copies go too."""
    customer = _subject(session, principal, _ERASE, customer_id)
    erasure = Erasure(customer_id=customer_id)
    if _was_erased(session, customer_id):
        erasure.already_erased = True
        audit.record(
            session, principal, action="erase", entity="customers", entity_id=customer_id, detail=erasure.as_dict()
        )
        return erasure
    if session.get_bind().dialect.name == "sqlite":
        # Zero freed cells and pages instead of leaving the old bytes in the file (per connection; cheap).
        session.connection().exec_driver_sql("PRAGMA secure_delete = ON")
    scope = _Scope(
        ticket_ids=_ids(session, select(Ticket.id).where(Ticket.customer_id == customer_id)),
        interaction_ids=_ids(session, select(Interaction.id).where(Interaction.customer_id == customer_id)),
        names=mentions.identifiers(customer),
    )
    with session.begin_nested():
        for step in ERASE_STEPS:
            step(session, customer, scope, erasure)
            session.flush()
        audit.record(
            session,
            principal,
            action="erase",
            entity="customers",
            entity_id=customer_id,
            detail={"message": f"erased customer {customer_id}", **erasure.as_dict()},
        )
    log.info("erased customer %s", customer_id)
    return erasure


def checkpoint(engine: Engine) -> bool:
    """After an erase commits on SQLite: copy the write-ahead log into the database file and truncate it, so the
    pre-erase pages it still held are gone from disk. True when done; False when readers kept it busy (the next
    automatic checkpoint finishes it) or on PostgreSQL, where autovacuum reclaims the dead rows."""
    if engine.dialect.name != "sqlite":
        return False
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        busy, _log_frames, _copied = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
        return not busy
    finally:
        raw.close()


def _erase_linked_texts(session: Session, customer: Customer, scope: _Scope, erasure: Erasure) -> None:
    """Their messages and notes go, with what was computed from them (feedback rows cascade from interactions)."""
    interactions = Interaction.id.in_(scope.interaction_ids)
    _delete(
        session,
        erasure,
        "feedback_aspects",
        delete(FeedbackAspect).where(FeedbackAspect.interaction_id.in_(scope.interaction_ids)),
    )
    _delete(
        session, erasure, "feedback_messages", delete(FeedbackMessage).where(FeedbackMessage.customer_id == customer.id)
    )
    _delete(session, erasure, "mail_messages", delete(MailMessage).where(_mail_filter(customer.id, scope.ticket_ids)))
    _delete(session, erasure, "interactions", delete(Interaction).where(interactions))
    _delete(session, erasure, "tasks", delete(Task).where(Task.customer_id == customer.id))
    _delete(session, erasure, "followups", delete(FollowUp).where(FollowUp.customer_id == customer.id))


def _erase_mail_and_chats(session: Session, customer: Customer, scope: _Scope, erasure: Erasure) -> None:
    sent = select(CampaignRecipient.outbox_id).where(CampaignRecipient.customer_id == customer.id)
    outbox = or_(_outbox_filter(customer.id, scope.ticket_ids), OutboxMessage.id.in_(sent))
    _delete(session, erasure, "mail_outbox", delete(OutboxMessage).where(outbox))
    conversations = _ids(session, _conversations_of(customer.id, scope.ticket_ids).with_only_columns(Conversation.id))
    messages = delete(ConversationMessage).where(ConversationMessage.conversation_id.in_(conversations))
    _delete(session, erasure, "conversation_messages", messages)
    _delete(session, erasure, "conversations", delete(Conversation).where(Conversation.id.in_(conversations)))


def _erase_profiles(session: Session, customer: Customer, _scope: _Scope, erasure: Erasure) -> None:
    """Derived profiles and identity links: analytics, ids in other systems, duplicate pairs, merge snapshots."""
    _delete(
        session, erasure, "customer_insights", delete(CustomerInsight).where(CustomerInsight.customer_id == customer.id)
    )
    _delete(
        session,
        erasure,
        "customer_source_ids",
        delete(CustomerSourceId).where(CustomerSourceId.customer_id == customer.id),
    )
    pairs = or_(DuplicateCandidate.customer_a_id == customer.id, DuplicateCandidate.customer_b_id == customer.id)
    _delete(session, erasure, "duplicate_candidates", delete(DuplicateCandidate).where(pairs))
    merges = session.scalars(
        select(CustomerMerge).where(or_(CustomerMerge.kept_id == customer.id, CustomerMerge.dropped_id == customer.id))
    ).all()
    for merge in merges:  # the snapshots hold every field of both people; an unmerge is no longer possible
        merge.before, merge.after, merge.field_sources = {}, {}, {}
    _count(erasure.blanked, "customer_merges", len(merges))


def _blank_kept_records(session: Session, customer: Customer, scope: _Scope, erasure: Erasure) -> None:
    """Tickets, deals and orders stay for support, pipeline and accounting figures, without their texts."""
    tickets = session.scalars(select(Ticket).where(Ticket.id.in_(scope.ticket_ids))).all()
    for ticket in tickets:
        ticket.subject = ERASED_NAME
    triage = session.scalars(select(TicketTriage).where(TicketTriage.ticket_id.in_(scope.ticket_ids))).all()
    for row in triage:  # explanations quote the message ("mentions 'refund'")
        row.explanations = {}
    deals = session.scalars(select(Deal).where(Deal.customer_id == customer.id)).all()
    for deal in deals:
        deal.name = f"Deal {deal.id}"
    orders = session.scalars(select(Order).where(Order.customer_id == customer.id)).all()
    for order in orders:
        order.tracking_number = None  # a carrier looks the delivery address up by it
    _count(erasure.blanked, "tickets", len(tickets))
    _count(erasure.blanked, "ticket_triage", len(triage))
    _count(erasure.blanked, "deals", len(deals))
    _count(erasure.kept, "orders", len(orders))
    _count(erasure.kept, "order_lines", sum(len(order.lines) for order in orders))
    recipients = _ids(session, select(CampaignRecipient.id).where(CampaignRecipient.customer_id == customer.id))
    _count(erasure.kept, "marketing_recipients", len(recipients))


def _sweep_mentions(session: Session, _customer: Customer, scope: _Scope, erasure: Erasure) -> None:
    for store, count in mentions.sweep(session, scope.names).items():
        place = next(p for p in mentions.PLACES if p.store == store)
        _count(erasure.deleted if place.on_match == "delete" else erasure.blanked, store, count)


def _anonymise_customer(session: Session, customer: Customer, _scope: _Scope, erasure: Erasure) -> None:
    """Through the ORM, attribute by attribute, so encrypted columns and their blind indexes follow."""
    for channel in ("email", "sms"):
        session.add(
            ConsentRecord(customer_id=customer.id, channel=channel, is_granted=False, at=utcnow(), source="erasure")
        )
    customer.full_name = ERASED_NAME
    for name in (
        "first_name",
        "last_name",
        "gender",
        "birth_date",
        "email",
        "phone",
        "city",
        "country",
        "notes",
        "company_id",
    ):
        setattr(customer, name, None)
    customer.emails, customer.phones, customer.addresses, customer.tags = [], [], [], []
    customer.consent_email = customer.consent_sms = False
    customer.deleted_at = customer.deleted_at or utcnow()
    _count(erasure.blanked, "customers", 1)
    consents = _ids(session, select(ConsentRecord.id).where(ConsentRecord.customer_id == customer.id))
    _count(erasure.kept, "consent_records", len(consents))


# The order matters: identifiers are read before the customer row is blanked, and the mention sweep runs after the
# linked rows are gone so it only touches what the links missed.
ERASE_STEPS: tuple[Step, ...] = (
    _erase_linked_texts,
    _erase_mail_and_chats,
    _erase_profiles,
    _blank_kept_records,
    _sweep_mentions,
    _anonymise_customer,
)


# -- shared helpers ----------------------------------------------------------------------------------------------
def _subject(session: Session, principal: Principal, action: Action, customer_id: int) -> Customer:
    if not can(principal, "privacy", action):
        attempted = "export" if action == _EXPORT else "erase"
        audit.deny(session, principal, action=attempted, entity="customers", entity_id=customer_id)
        require(principal, "privacy", action)
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id} not found")
    return customer


def _was_erased(session: Session, customer_id: int) -> bool:
    """The audit chain, not a flag on the row, says whether the erase happened: it cannot be edited unnoticed."""
    stmt = select(AuditEvent.id).where(
        AuditEvent.entity == "customers",
        AuditEvent.entity_id == str(customer_id),
        AuditEvent.action == "erase",
        AuditEvent.outcome == "ok",
    )
    return session.scalar(stmt.limit(1)) is not None


def _outbox_filter(customer_id: int, ticket_ids: list[int]) -> Any:
    return or_(OutboxMessage.customer_id == customer_id, OutboxMessage.ticket_id.in_(ticket_ids))


def _mail_filter(customer_id: int, ticket_ids: list[int]) -> Any:
    return or_(MailMessage.customer_id == customer_id, MailMessage.ticket_id.in_(ticket_ids))


def _outbox(customer_id: int, ticket_ids: list[int]) -> Select[OutboxMessage]:
    return select(OutboxMessage).where(_outbox_filter(customer_id, ticket_ids))


def _mail(customer_id: int, ticket_ids: list[int]) -> Select[MailMessage]:
    return select(MailMessage).where(_mail_filter(customer_id, ticket_ids))


def _conversations_of(customer_id: int, ticket_ids: list[int]) -> Select[Conversation]:
    return select(Conversation).where(
        or_(Conversation.customer_id == customer_id, Conversation.ticket_id.in_(ticket_ids))
    )


def _audit_about(customer_id: int, ticket_ids: list[int]) -> Select[AuditEvent]:
    about_customer = (AuditEvent.entity == "customers") & (AuditEvent.entity_id == str(customer_id))
    about_tickets = (AuditEvent.entity == "tickets") & AuditEvent.entity_id.in_([str(i) for i in ticket_ids])
    return select(AuditEvent).where(or_(about_customer, about_tickets)).order_by(AuditEvent.id)


def _delete(session: Session, erasure: Erasure, store: str, stmt: Any) -> None:
    result = session.execute(stmt.execution_options(synchronize_session=False))
    _count(erasure.deleted, store, int(getattr(result, "rowcount", 0) or 0))


def _count(counts: dict[str, int], store: str, n: int) -> None:
    if n:
        counts[store] = counts.get(store, 0) + n


def _ids(session: Session, stmt: Select[Any]) -> list[int]:
    return [int(value) for value in session.scalars(stmt)]


def _rows(session: Session, stmt: Select[Any]) -> list[Any]:
    return list(session.scalars(stmt.order_by(*_primary_key(stmt))))


def _all(session: Session, stmt: Select[Any]) -> list[dict[str, Any]]:
    return [_plain(row) for row in _rows(session, stmt)]


def _primary_key(stmt: Select[Any]) -> Iterable[Any]:
    entity = stmt.column_descriptions[0]["entity"]
    return inspect(entity).primary_key if entity is not None else ()


def _plain(row: Base) -> dict[str, Any]:
    """Every column of a row as JSON values; through the ORM, so encrypted columns come out decrypted."""
    mapper = inspect(row).mapper
    return {attr.key: _json(getattr(row, attr.key)) for attr in mapper.column_attrs if not attr.key.endswith("vector")}


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None  # vectors and centroids: numbers computed from text, not the person's data in a readable form
    return value
