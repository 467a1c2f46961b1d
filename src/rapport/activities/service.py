"""Tasks: created for a person, about a record; visible to the assignee, the creator and their managers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.activities.models import Task
from rapport.customers.models import Company, Customer
from rapport.errors import Invalid, NotFound
from rapport.kit.clock import utcnow
from rapport.privacy.access import Principal
from rapport.privacy.scopes import reachable_user_ids
from rapport.sales.models import Deal, Order
from rapport.store.base import Base
from rapport.store.listing import Listing
from rapport.store.records import Records
from rapport.tickets.models import Ticket

RELATED: dict[str, type[Base]] = {
    "customer": Customer,
    "ticket": Ticket,
    "deal": Deal,
    "order": Order,
    "company": Company,
}


def task_scope(principal: Principal) -> ColumnElement[bool] | None:
    users = reachable_user_ids(principal)
    return None if users is None else or_(Task.assignee_id.in_(users), Task.created_by_id.in_(users))


tasks = Records(
    model=Task,
    entity="tasks",
    scope=task_scope,
    references={"assignee_id": (User, "user")},
    listing=Listing(
        id_column=Task.id,
        sortable={"id": Task.id, "created_at": Task.created_at},
        filterable={
            "assignee_id": Task.assignee_id,
            "status": Task.status,
            "customer_id": Task.customer_id,
            "related_type": Task.related_type,
            "related_id": Task.related_id,
            "due_at": Task.due_at,
        },
        searchable=(Task.title,),
    ),
)


def create(session: Session, principal: Principal, values: Mapping[str, Any]) -> Task:
    values = dict(values)
    values["assignee_id"] = values.get("assignee_id") or principal.user_id
    values["created_by_id"] = principal.user_id
    values["customer_id"] = _customer_of(session, values.get("related_type"), values.get("related_id"))
    return tasks.create(session, principal, values)


def update(session: Session, principal: Principal, task_id: int, values: Mapping[str, Any]) -> Task:
    values = dict(values)
    if values.get("status") == "done":
        values["completed_at"] = utcnow()
    elif values.get("status") == "open":
        values["completed_at"] = None
    return tasks.update(session, principal, task_id, values)


def _customer_of(session: Session, related_type: str | None, related_id: int | None) -> int | None:
    """The customer a task is ultimately about, so it follows that customer's access and erasure."""
    if related_type is None and related_id is None:
        return None
    if related_type is None or related_id is None:
        raise Invalid("give both related_type and related_id, or neither")
    record = session.get(RELATED[related_type], related_id)
    if record is None:
        raise NotFound(f"{related_type} {related_id} not found")
    if isinstance(record, Customer):
        return record.id
    customer_id = getattr(record, "customer_id", None)
    return int(customer_id) if customer_id is not None else None
