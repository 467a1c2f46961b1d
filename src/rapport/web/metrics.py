"""Counts and sums the home page and dashboards show, each within the viewer's reach.

Every figure starts from a domain service's `visible(principal)` statement, so a sales rep's dashboard counts their
own customers and a manager's their teams'; a figure the role may not read is None and its panel is left out.
These are aggregates (no personal data), so they are not audited. They belong to `analytics/` once that domain
exists; until then they are the web door's read-side queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func
from sqlalchemy.orm import Session

from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.kit.clock import utcnow
from rapport.privacy.access import Action, Principal, can
from rapport.sales import service as sales_service
from rapport.sales.models import Order
from rapport.tickets import service as ticket_service
from rapport.tickets.models import Ticket

UNSOLVED = ("new", "open", "pending")
NOT_REVENUE = ("cancelled",)


@dataclass(frozen=True)
class MonthFigures:
    month: str
    orders: int
    revenue: Decimal


@dataclass(frozen=True)
class Kpis:
    customers: int | None
    new_customers_30d: int | None
    orders_12m: int | None
    revenue_12m: Decimal | None
    average_order: Decimal | None
    open_tickets: int | None
    my_open_tickets: int | None
    overdue_tickets: int | None


def month_key(session: Session, column: Any) -> ColumnElement[str]:
    """'YYYY-MM' of a timestamp, on SQLite (ISO text) and PostgreSQL (timestamptz, read in UTC)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.substr(cast(column, String), 1, 7)


def months_back(count: int, now: datetime | None = None) -> list[str]:
    """The last `count` months as 'YYYY-MM', oldest first, ending with this month."""
    now = now or utcnow()
    year, month = now.year, now.month
    keys = []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def _month_start(key: str) -> datetime:
    year, month = (int(part) for part in key.split("-"))
    return utcnow().replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


def kpis(session: Session, principal: Principal, months: list[MonthFigures] | None = None) -> Kpis:
    """The headline figures; `months` (from `orders_by_month`, 12 or more) saves scanning the orders again."""
    now = utcnow()
    customers = new_customers = orders = None
    revenue = average = None
    open_tickets = mine = overdue = None
    if can(principal, "customers", Action.read):
        visible = customer_service.customers.visible(principal)
        customers = session.scalar(visible.with_only_columns(func.count(Customer.id)))
        since = now - timedelta(days=30)
        new_customers = session.scalar(
            visible.with_only_columns(func.count(Customer.id)).where(Customer.created_at >= since)
        )
    if can(principal, "orders", Action.read) and months is not None and len(months) >= 12:
        orders = sum(m.orders for m in months[-12:])
        revenue = sum((m.revenue for m in months[-12:]), Decimal(0))
        average = (revenue / orders).quantize(Decimal("0.01")) if orders else None
    elif can(principal, "orders", Action.read):
        start = _month_start(months_back(12, now)[0])
        stmt = sales_service.orders.visible(principal).where(Order.placed_at >= start, Order.status.not_in(NOT_REVENUE))
        orders, total = session.execute(stmt.with_only_columns(func.count(Order.id), func.sum(Order.total))).one()
        revenue = Decimal(total or 0)
        average = (revenue / orders).quantize(Decimal("0.01")) if orders else None
    if can(principal, "tickets", Action.read):
        unsolved = ticket_service.tickets.visible(principal).where(Ticket.status.in_(UNSOLVED))
        open_tickets = session.scalar(unsolved.with_only_columns(func.count(Ticket.id)))
        mine = session.scalar(
            unsolved.with_only_columns(func.count(Ticket.id)).where(Ticket.assignee_id == principal.user_id)
        )
        overdue = session.scalar(unsolved.with_only_columns(func.count(Ticket.id)).where(Ticket.sla_due_at < now))
    return Kpis(customers, new_customers, orders, revenue, average, open_tickets, mine, overdue)


def orders_by_month(session: Session, principal: Principal, months: int = 24) -> list[MonthFigures] | None:
    if not can(principal, "orders", Action.read):
        return None
    keys = months_back(months)
    key = month_key(session, Order.placed_at)
    stmt = (
        sales_service.orders.visible(principal)
        .where(Order.placed_at >= _month_start(keys[0]), Order.status.not_in(NOT_REVENUE))
        .with_only_columns(key, func.count(Order.id), func.sum(Order.total))
        .group_by(key)
    )
    found = {month: (count, Decimal(total or 0)) for month, count, total in session.execute(stmt)}
    return [MonthFigures(k, found.get(k, (0, Decimal(0)))[0], found.get(k, (0, Decimal(0)))[1]) for k in keys]


def tickets_by(session: Session, principal: Principal, field: str, *, unsolved_only: bool = False) -> list[Any] | None:
    """(value, count) pairs, largest first; `field` is one of status, intent, priority, sentiment, channel."""
    if not can(principal, "tickets", Action.read):
        return None
    column = {
        "status": Ticket.status,
        "intent": Ticket.intent,
        "priority": Ticket.priority,
        "sentiment": Ticket.sentiment,
        "channel": Ticket.channel,
    }[field]
    stmt = ticket_service.tickets.visible(principal)
    if unsolved_only:
        stmt = stmt.where(Ticket.status.in_(UNSOLVED))
    counted = (
        stmt.with_only_columns(column, func.count(Ticket.id)).group_by(column).order_by(func.count(Ticket.id).desc())
    )
    return [(value, count) for value, count in session.execute(counted)]


def top_customer_ids(session: Session, principal: Principal, limit: int = 5) -> list[tuple[int, Decimal]] | None:
    if not can(principal, "orders", Action.read):
        return None
    stmt = (
        sales_service.orders.visible(principal)
        .where(Order.status.not_in(NOT_REVENUE))
        .with_only_columns(Order.customer_id, func.sum(Order.total).label("spent"))
        .group_by(Order.customer_id)
        .order_by(func.sum(Order.total).desc())
        .limit(limit)
    )
    return [(cid, Decimal(spent or 0)) for cid, spent in session.execute(stmt)]


def customer_names(session: Session, principal: Principal, ids: list[int]) -> dict[int, str]:
    if not ids or not can(principal, "customers", Action.read):
        return {}
    stmt = customer_service.customers.visible(principal).where(Customer.id.in_(ids))
    return dict(session.execute(stmt.with_only_columns(Customer.id, Customer.full_name)).all())
