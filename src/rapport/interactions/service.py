"""Interactions: recorded on a customer (and optionally a ticket), visible to whoever sees that customer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.interactions.models import Interaction
from rapport.kit.clock import utcnow
from rapport.privacy.access import Principal
from rapport.sales.models import Product
from rapport.store.listing import Listing
from rapport.store.records import Records
from rapport.tickets.models import Ticket


def interaction_scope(principal: Principal) -> ColumnElement[bool] | None:
    ids = customer_service.visible_ids(principal)
    return None if ids is None else Interaction.customer_id.in_(ids)


interactions = Records(
    model=Interaction,
    entity="interactions",
    scope=interaction_scope,
    is_personal=True,
    references={
        "customer_id": (Customer, "customer"),
        "ticket_id": (Ticket, "ticket"),
        "product_id": (Product, "product"),
    },
    listing=Listing(
        id_column=Interaction.id,
        sortable={"id": Interaction.id, "occurred_at": Interaction.occurred_at},
        filterable={
            "customer_id": Interaction.customer_id,
            "ticket_id": Interaction.ticket_id,
            "product_id": Interaction.product_id,
            "kind": Interaction.kind,
            "direction": Interaction.direction,
            "language": Interaction.language,
            "sentiment": Interaction.sentiment,
            "occurred_at": Interaction.occurred_at,
        },
        searchable=(Interaction.subject, Interaction.body),
    ),
)


def create(session: Session, principal: Principal, values: Mapping[str, Any]) -> Interaction:
    values = dict(values)
    customer_service.get(session, principal, values["customer_id"])  # 403/404 for a customer out of reach
    values["occurred_at"] = values.get("occurred_at") or utcnow()
    values["author_id"] = principal.user_id if values.get("direction") != "inbound" else None
    return interactions.create(session, principal, values)
