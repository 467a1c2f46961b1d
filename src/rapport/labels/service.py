"""Label operations: the text a classifier reads for a ticket or interaction, corrections, imports, training data.

A record's training label for a task is its newest human label (source demo, agent or import) in the `labels`
table; a record with no label rows at all falls back to its own column (tickets.intent, .sentiment, .language;
interactions.sentiment, .language), which is where demo and imported data keep theirs. A column that still holds what a
model wrote there (a label row with source model or llm and `is_applied`) is left out: a classifier must never learn
from its own guesses.

An agent's correction is an update of the record (the ticket's `intent` changes, audited as any update) plus a
label row saying who corrected it and when, so the next training run learns from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.ai.classifier.data import Example, clean
from rapport.errors import Invalid
from rapport.interactions import service as interaction_service
from rapport.interactions.models import Interaction
from rapport.labels.models import HUMAN_SOURCES, Label
from rapport.labels.schemas import LabelRead
from rapport.privacy.access import Action, Principal
from rapport.tickets import service as ticket_service
from rapport.tickets.models import Ticket


@dataclass(frozen=True)
class Source:
    """A kind of record that can be classified: its table and the tasks it keeps a column for."""

    entity: str
    columns: frozenset[str]


SOURCES = {
    "tickets": Source("tickets", frozenset({"intent", "sentiment", "language"})),
    "interactions": Source("interactions", frozenset({"sentiment", "language"})),
}


def source(entity: str) -> Source:
    try:
        return SOURCES[entity]
    except KeyError:
        raise Invalid(f"unknown entity {entity!r}; labels exist for {', '.join(SOURCES)}") from None


def texts(session: Session, entity: str, ids: Sequence[int] | None = None) -> dict[int, str]:
    """What a classifier reads per record: a ticket's subject and first inbound message; an interaction's text."""
    if source(entity).entity == "tickets":
        first = (
            select(Interaction.ticket_id, func.min(Interaction.id).label("first_id"))
            .where(Interaction.direction == "inbound", Interaction.ticket_id.is_not(None))
            .group_by(Interaction.ticket_id)
            .subquery()
        )
        stmt = (
            select(Ticket.id, Ticket.subject, Interaction.body)
            .outerjoin(first, first.c.ticket_id == Ticket.id)
            .outerjoin(Interaction, Interaction.id == first.c.first_id)
            .where(Ticket.deleted_at.is_(None))
        )
        if ids is not None:
            stmt = stmt.where(Ticket.id.in_(ids))
        return {row.id: clean(f"{row.subject}\n{row.body or ''}") for row in session.execute(stmt)}
    stmt2 = select(Interaction.id, Interaction.subject, Interaction.body)
    if ids is not None:
        stmt2 = stmt2.where(Interaction.id.in_(ids))
    return {row.id: clean(f"{row.subject or ''}\n{row.body}") for row in session.execute(stmt2)}


def training_examples(session: Session, *, entity: str, task: str) -> list[Example]:
    """Every record of `entity` with a human label for `task`, as examples (see the module docstring)."""
    spec = source(entity)
    newest_human: dict[int, str] = {}
    written_by_model: dict[int, str] = {}  # the value a model last wrote into the record's column
    rows = session.execute(
        select(Label.entity_id, Label.label, Label.source, Label.is_applied)
        .where(Label.entity == entity, Label.task == task)
        .order_by(Label.created_at, Label.id)
    )
    for entity_id, label, origin, is_applied in rows:
        if origin in HUMAN_SOURCES:
            newest_human[entity_id] = label
        if is_applied:
            if origin in HUMAN_SOURCES:
                written_by_model.pop(entity_id, None)
            else:
                written_by_model[entity_id] = label
    column_labels: dict[int, str] = {}
    if task in spec.columns:
        model = Ticket if entity == "tickets" else Interaction
        column = getattr(model, task)
        stmt = select(model.id, column).where(column.is_not(None))
        if entity == "tickets":
            stmt = stmt.where(Ticket.deleted_at.is_(None))
        # A column still holding what a model wrote is the model's guess; one changed since is a person's edit.
        column_labels = {
            record_id: value for record_id, value in session.execute(stmt) if written_by_model.get(record_id) != value
        }
    chosen = column_labels | newest_human
    found = texts(session, entity, None if len(chosen) > 5000 else list(chosen))
    return [
        Example(text=found[record_id], label=label, ref=f"{entity}:{record_id}")
        for record_id, label in sorted(chosen.items())
        if found.get(record_id)
    ]


def correct(
    session: Session, principal: Principal, *, entity: str, entity_id: int, task: str, label: str, origin: str = "agent"
) -> Label:
    """Record a human label, and set the record's column when the task has one. Needs update rights on the record."""
    spec = source(entity)
    label = label.strip()
    if not label or len(label) > 80:
        raise Invalid("a label is 1 to 80 characters")
    records = ticket_service.tickets if entity == "tickets" else interaction_service.interactions
    records.get(session, principal, entity_id, action=Action.update)  # 404 / 403 (audited) as for any update
    if task in spec.columns:
        if entity == "tickets":
            ticket_service.update(session, principal, entity_id, {task: label})
        else:
            records.update(session, principal, entity_id, {task: label})
    row = Label(
        entity=entity,
        entity_id=entity_id,
        task=task,
        label=label,
        source=origin,
        user_id=principal.user_id,
        is_applied=task in spec.columns,
    )
    session.add(row)
    session.flush()
    return row


def import_labels(session: Session, principal: Principal, rows: Iterable[Mapping[str, Any]]) -> int:
    """Bulk labels (entity, entity_id, task, label) as source "import"; each is a correction of its record."""
    count = 0
    for row in rows:
        try:
            entity, entity_id = str(row["entity"]), int(row["entity_id"])
            task, label = str(row["task"]), str(row["label"])
        except (KeyError, TypeError, ValueError) as error:
            raise Invalid(f"label row {count + 1}: needs entity, entity_id, task and label ({error})") from None
        correct(session, principal, entity=entity, entity_id=entity_id, task=task, label=label, origin="import")
        count += 1
    return count


def history(session: Session, principal: Principal, *, entity: str, entity_id: int) -> list[Label]:
    """Every label of a record, oldest first; needs read access to the record (audited as a read of it)."""
    source(entity)
    records = ticket_service.tickets if entity == "tickets" else interaction_service.interactions
    records.get(session, principal, entity_id)
    stmt = select(Label).where(Label.entity == entity, Label.entity_id == entity_id).order_by(Label.id)
    return list(session.scalars(stmt))


def present(label: Label) -> LabelRead:
    return LabelRead.model_validate(label)
