"""The weekly report's KPI tables, computed from the database for a period and the period before it.

Every number the report shows, charts and narrative included, comes from these tables; the narrative checker
verifies the text against them. Values are rounded here, once, to what is shown (money 2 decimals, percentages 1).
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.customers.models import Customer
from rapport.kit.clock import as_utc
from rapport.reports.schemas import Table
from rapport.sales.models import Order
from rapport.tickets.models import Ticket

REVENUE_STATUSES: Final = ("paid", "shipped", "delivered")
TOP_INTENTS: Final = 8
S = TypeVar("S", bound="Select[*tuple[Any, ...]]")


def week_of(as_of: datetime) -> tuple[datetime, datetime]:
    """The last complete Monday-to-Monday week (UTC) before `as_of`."""
    as_of = as_utc(as_of)
    monday = (as_of - timedelta(days=as_of.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday - timedelta(days=7), monday


def weekly_tables(session: Session, start: datetime, end: datetime) -> dict[str, Table]:
    previous = start - (end - start)
    this, last = _summary(session, start, end), _summary(session, previous, start)
    rows = [[name, this[name], last[name], _change(this[name], last[name])] for name in this]
    return {
        "period": Table(
            title="Period",
            columns=["field", "value"],
            rows=[
                ["start", start.date().isoformat()],
                ["end", (end - timedelta(days=1)).date().isoformat()],
                ["previous_start", previous.date().isoformat()],
                ["previous_end", (start - timedelta(days=1)).date().isoformat()],
            ],
        ),
        "summary": Table(
            title="This week and the week before",
            columns=["metric", "this_week", "previous_week", "change_pct"],
            rows=rows,
        ),
        "tickets_by_intent": _intents(session, start, end),
        "revenue_by_channel": _channels(session, start, end),
        "daily": _daily(session, start, end),
        "agents": _agents(session, start, end),
    }


def _summary(session: Session, start: datetime, end: datetime) -> dict[str, float | int]:
    orders, revenue = session.execute(
        _in(select(func.count(Order.id), func.coalesce(func.sum(Order.total), 0)), Order.placed_at, start, end).where(
            Order.status.in_(REVENUE_STATUSES)
        )
    ).one()
    new_customers = session.scalar(
        _in(select(func.count(Customer.id)), Customer.created_at, start, end).where(Customer.deleted_at.is_(None))
    )
    opened = session.scalar(
        _in(select(func.count(Ticket.id)), Ticket.created_at, start, end).where(Ticket.deleted_at.is_(None))
    )
    solved = session.scalar(
        _in(select(func.count(Ticket.id)), Ticket.resolved_at, start, end).where(Ticket.deleted_at.is_(None))
    )
    due = session.execute(
        _in(select(Ticket.first_response_at, Ticket.sla_due_at), Ticket.sla_due_at, start, end).where(
            Ticket.deleted_at.is_(None)
        )
    ).all()
    met = sum(
        1 for responded, sla in due if responded is not None and sla is not None and as_utc(responded) <= as_utc(sla)
    )
    responses = session.execute(
        _in(select(Ticket.created_at, Ticket.first_response_at), Ticket.first_response_at, start, end).where(
            Ticket.deleted_at.is_(None)
        )
    ).all()
    hours = [
        (as_utc(responded) - as_utc(created)).total_seconds() / 3600 for created, responded in responses if responded
    ]
    backlog = session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.created_at < end,
            Ticket.deleted_at.is_(None),
            (Ticket.resolved_at.is_(None)) | (Ticket.resolved_at >= end),
        )
    )
    revenue_f = round(float(revenue or 0), 2)
    return {
        "orders": int(orders or 0),
        "revenue": revenue_f,
        "average_order_value": round(revenue_f / orders, 2) if orders else 0.0,
        "new_customers": int(new_customers or 0),
        "tickets_opened": int(opened or 0),
        "tickets_solved": int(solved or 0),
        "tickets_due": len(due),
        "sla_met_pct": round(100 * met / len(due), 1) if due else 0.0,
        "median_first_response_h": round(statistics.median(hours), 1) if hours else 0.0,
        "open_backlog": int(backlog or 0),
    }


def _intents(session: Session, start: datetime, end: datetime) -> Table:
    counted = session.execute(
        _in(select(Ticket.intent, func.count(Ticket.id)), Ticket.created_at, start, end)
        .where(Ticket.deleted_at.is_(None))
        .group_by(Ticket.intent)
    ).all()
    rows = [(intent or "unknown", int(n)) for intent, n in counted]
    total = sum(n for _, n in rows) or 1
    ranked = sorted(rows, key=lambda r: (-r[1], r[0]))[:TOP_INTENTS]
    return Table(
        title="Tickets by intent",
        columns=["intent", "tickets", "share_pct"],
        rows=[[intent, n, round(100 * n / total, 1)] for intent, n in ranked],
    )


def _channels(session: Session, start: datetime, end: datetime) -> Table:
    rows = session.execute(
        _in(
            select(Order.channel, func.count(Order.id), func.coalesce(func.sum(Order.total), 0)),
            Order.placed_at,
            start,
            end,
        )
        .where(Order.status.in_(REVENUE_STATUSES))
        .group_by(Order.channel)
    ).all()
    ranked = sorted(((ch, int(n), round(float(rev), 2)) for ch, n, rev in rows), key=lambda r: (-r[2], r[0]))
    return Table(title="Revenue by channel", columns=["channel", "orders", "revenue"], rows=[list(r) for r in ranked])


def _daily(session: Session, start: datetime, end: datetime) -> Table:
    days = [(start + timedelta(days=i)).date() for i in range((end - start).days)]
    orders: dict[Any, list[float]] = {d: [0, 0.0] for d in days}
    for placed, total in session.execute(
        _in(select(Order.placed_at, Order.total), Order.placed_at, start, end).where(Order.status.in_(REVENUE_STATUSES))
    ):
        slot = orders.get(as_utc(placed).date())
        if slot is not None:
            slot[0] += 1
            slot[1] += float(total)
    tickets = dict.fromkeys(days, 0)
    for (created,) in session.execute(
        _in(select(Ticket.created_at), Ticket.created_at, start, end).where(Ticket.deleted_at.is_(None))
    ):
        day = as_utc(created).date()
        if day in tickets:
            tickets[day] += 1
    return Table(
        title="Day by day",
        columns=["day", "orders", "revenue", "tickets"],
        rows=[[d.isoformat(), int(orders[d][0]), round(orders[d][1], 2), tickets[d]] for d in days],
    )


def _agents(session: Session, start: datetime, end: datetime) -> Table:
    names = dict(session.execute(select(User.id, User.name)).all())
    stats: dict[int, list[int]] = {}
    for assignee, created, resolved, responded, sla in session.execute(
        select(
            Ticket.assignee_id, Ticket.created_at, Ticket.resolved_at, Ticket.first_response_at, Ticket.sla_due_at
        ).where(
            Ticket.assignee_id.is_not(None),
            Ticket.deleted_at.is_(None),
            ((Ticket.created_at >= start) & (Ticket.created_at < end))
            | ((Ticket.resolved_at >= start) & (Ticket.resolved_at < end))
            | ((Ticket.sla_due_at >= start) & (Ticket.sla_due_at < end)),
        )
    ):
        if assignee is None:
            continue
        row = stats.setdefault(assignee, [0, 0, 0, 0])  # opened, solved, due, met
        row[0] += int(start <= as_utc(created) < end)
        row[1] += int(resolved is not None and start <= as_utc(resolved) < end)
        if sla is not None and start <= as_utc(sla) < end:
            row[2] += 1
            row[3] += int(responded is not None and as_utc(responded) <= as_utc(sla))
    rows = [
        [names.get(uid, f"user {uid}"), s[0], s[1], round(100 * s[3] / s[2], 1) if s[2] else 0.0]
        for uid, s in sorted(stats.items(), key=lambda kv: (-kv[1][1], kv[0]))
    ]
    return Table(title="Agents", columns=["agent", "assigned", "solved", "sla_met_pct"], rows=rows)


def _in(stmt: S, column: Any, start: datetime, end: datetime) -> S:
    return stmt.where(column >= start, column < end)


def _change(this: float, last: float) -> float | None:
    return round(100 * (this - last) / last, 1) if last else None
