"""The customer 360: one customer with everything Rapport knows of them, each part under its own access rule."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.activities import service as task_service
from rapport.activities.models import Task
from rapport.activities.schemas import TaskRead
from rapport.customers import service as customer_service
from rapport.customers.schemas import CompanyRead, CustomerRead
from rapport.interactions import service as interaction_service
from rapport.interactions.models import Interaction
from rapport.interactions.schemas import InteractionRead
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, can
from rapport.sales import service as sales_service
from rapport.sales.models import Deal, Order
from rapport.sales.schemas import DealRead, OrderRead
from rapport.tickets.models import Ticket
from rapport.tickets.schemas import TicketRead

RECENT = 50


class OrderSummary(BaseModel):
    count: int
    total_spent: str
    first_order_at: str | None
    last_order_at: str | None


class Customer360(BaseModel):
    customer: CustomerRead
    company: CompanyRead | None
    order_summary: OrderSummary
    orders: list[OrderRead]
    interactions: list[InteractionRead]
    tickets: list[TicketRead]
    deals: list[DealRead]
    tasks: list[TaskRead]


def overview(session: Session, principal: Principal, customer_id: int, *, recent: int = RECENT) -> Customer360:
    """Profile, the most recent orders, interactions and tickets, open deals and tasks, in one read.

    Sections the principal's role may not read come back empty rather than failing the whole page.
    """
    customer = customer_service.customers.get(session, principal, customer_id, audit_read=False)
    audit.record(session, principal, action="read", entity="customers", entity_id=customer_id, detail={"view": "360"})

    def section(entity: str) -> bool:
        return can(principal, entity, Action.read)

    orders: list[Order] = []
    summary = OrderSummary(count=0, total_spent="0.00", first_order_at=None, last_order_at=None)
    if section("orders"):
        stmt = sales_service.orders.visible(principal).where(Order.customer_id == customer_id)
        orders = list(session.scalars(stmt.order_by(Order.placed_at.desc()).limit(recent)))
        count, total, first, last = session.execute(
            select(func.count(Order.id), func.sum(Order.total), func.min(Order.placed_at), func.max(Order.placed_at))
            .where(Order.customer_id == customer_id)
            .where(Order.status.not_in(["cancelled"]))
        ).one()
        summary = OrderSummary(
            count=count,
            total_spent=f"{(total or 0):.2f}",
            first_order_at=first.isoformat() if first else None,
            last_order_at=last.isoformat() if last else None,
        )
    interactions = []
    if section("interactions"):
        model = Interaction
        stmt_i = interaction_service.interactions.visible(principal).where(model.customer_id == customer_id)
        interactions = list(session.scalars(stmt_i.order_by(model.occurred_at.desc()).limit(recent)))
    tickets = []
    if section("tickets"):
        ticket = Ticket
        stmt_t = select(ticket).where(ticket.customer_id == customer_id, ticket.deleted_at.is_(None))
        tickets = list(session.scalars(stmt_t.order_by(ticket.created_at.desc()).limit(recent)))
    deals = []
    if section("deals"):
        stmt_d = sales_service.deals.visible(principal).where(Deal.customer_id == customer_id)
        deals = list(session.scalars(stmt_d.order_by(Deal.created_at.desc()).limit(recent)))
    tasks = []
    if section("tasks"):
        task = Task
        stmt_k = task_service.tasks.visible(principal).where(task.customer_id == customer_id)
        tasks = list(session.scalars(stmt_k.order_by(task.created_at.desc()).limit(recent)))
    return Customer360(
        customer=customer_service.present(customer, principal),
        company=CompanyRead.model_validate(customer.company) if customer.company else None,
        order_summary=summary,
        orders=[OrderRead.model_validate(o) for o in orders],
        interactions=[InteractionRead.model_validate(i) for i in interactions],
        tickets=[TicketRead.model_validate(t) for t in tickets],
        deals=[DealRead.model_validate(d) for d in deals],
        tasks=[TaskRead.model_validate(t) for t in tasks],
    )
