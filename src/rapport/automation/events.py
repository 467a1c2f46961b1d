"""Where rule events come from, and the context a rule sees for each.

Events are found by polling, each source with a cursor (the last id it has read), so nothing is missed when a door
forgets to announce a change and nothing fires twice: tickets created (announced by triage, after it has run),
ticket updates (from the audit log, which names the changed fields; updates made by automation itself are skipped,
so rules cannot loop), orders placed, segment changes and churn-risk crossings between two analytics runs, and
dates reached (a deal's expected close, a task's due time, an SLA, a birthday).

Analytics belongs to another domain that may not be installed: its tables are read here, read-only, only when
they exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, inspect, select
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.activities.models import Task
from rapport.automation.models import AutomationCursor, TicketTriage
from rapport.automation.schemas import Trigger
from rapport.automation.service import AUTOMATION, COUNTED_ORDER_STATUSES
from rapport.customers.models import Customer
from rapport.kit.clock import as_utc, utcnow
from rapport.privacy.models import AuditEvent
from rapport.sales.models import Deal, Order
from rapport.tickets.models import Ticket


@dataclass(frozen=True)
class Event:
    kind: str
    key: str  # unique per happening: what makes a rule fire once
    entity: str  # tickets | orders | customers | deals | tasks
    entity_id: int
    at: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)


# -- polling with cursors ---------------------------------------------------------------------------------------------
def cursor(session: Session, name: str, start: int) -> int:
    """The cursor's position; a new cursor starts at `start` (now), so rules act on what happens after they exist."""
    row = session.get(AutomationCursor, name)
    if row is None:
        row = AutomationCursor(name=name, position=start, updated_at=utcnow())
        session.add(row)
        session.flush()
    return int(row.position)


def advance(session: Session, name: str, position: int) -> None:
    row = session.get(AutomationCursor, name)
    assert row is not None
    if position > row.position:
        row.position, row.updated_at = position, utcnow()


def ticket_updates(session: Session, *, after_id: int, limit: int = 500) -> list[Event]:
    rows = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.id > after_id,
            AuditEvent.entity == "tickets",
            AuditEvent.action == "update",
            AuditEvent.outcome == "ok",
            AuditEvent.actor != AUTOMATION.label,
        )
        .order_by(AuditEvent.id)
        .limit(limit)
    ).all()
    return [
        Event(
            "ticket.updated",
            f"ticket.updated:audit:{row.id}",
            "tickets",
            int(row.entity_id or 0),
            as_utc(row.at),
            {"changed": list((row.detail or {}).get("fields", [])), "by": row.actor, "audit_id": row.id},
        )
        for row in rows
        if row.entity_id and row.entity_id.isdigit()
    ]


def max_audit_id(session: Session) -> int:
    return int(session.scalar(select(func.max(AuditEvent.id))) or 0)


def orders_placed(session: Session, *, after_id: int, limit: int = 500) -> list[Event]:
    rows = session.execute(
        select(Order.id, Order.placed_at).where(Order.id > after_id).order_by(Order.id).limit(limit)
    ).all()
    return [Event("order.placed", f"order.placed:{oid}", "orders", oid, as_utc(at)) for oid, at in rows]


def max_order_id(session: Session) -> int:
    return int(session.scalar(select(func.max(Order.id))) or 0)


def analytics_available(session: Session) -> bool:
    """Whether the analytics domain is installed and migrated (asked once per session)."""
    known = session.info.get("rapport.analytics_available")
    if known is None:
        try:
            from rapport.analytics.models import AnalyticsRun  # noqa: F401
        except ImportError:
            known = False
        else:
            known = bool(inspect(session.connection()).has_table("customer_insights"))
        session.info["rapport.analytics_available"] = known
    return bool(known)


def latest_runs(session: Session, *, after_id: int = 0, since: datetime | None = None) -> list[int]:
    """Succeeded analytics runs, oldest first (ids), newer than the cursor or finished since `since`."""
    if not analytics_available(session):
        return []
    from rapport.analytics.models import AnalyticsRun

    stmt = select(AnalyticsRun.id).where(AnalyticsRun.status == "succeeded", AnalyticsRun.id > after_id)
    if since is not None:
        stmt = stmt.where(AnalyticsRun.finished_at >= since)
    return list(session.scalars(stmt.order_by(AnalyticsRun.id)))


def analytics_changes(session: Session, run_id: int, triggers: list[Trigger]) -> list[Event]:
    """Between run `run_id` and the succeeded run before it: customers whose RFM segment changed, and customers
    whose churn risk crossed each churn.crossed threshold upwards."""
    from rapport.analytics.models import AnalyticsRun, CustomerInsight

    previous = session.scalar(
        select(func.max(AnalyticsRun.id)).where(AnalyticsRun.status == "succeeded", AnalyticsRun.id < run_id)
    )
    if previous is None:
        return []
    old = {
        cid: (seg, risk)
        for cid, seg, risk in session.execute(
            select(CustomerInsight.customer_id, CustomerInsight.rfm_segment, CustomerInsight.churn_risk).where(
                CustomerInsight.run_id == previous
            )
        )
    }
    wants_segments = any(t.event == "segment.changed" for t in triggers)
    thresholds = sorted({t.threshold for t in triggers if t.event == "churn.crossed" and t.threshold is not None})
    events: list[Event] = []
    rows = session.execute(
        select(CustomerInsight.customer_id, CustomerInsight.rfm_segment, CustomerInsight.churn_risk).where(
            CustomerInsight.run_id == run_id
        )
    )
    for cid, segment, risk in rows:
        before_segment, before_risk = old.get(cid, (None, None))
        if wants_segments and before_segment is not None and segment != before_segment:
            events.append(
                Event(
                    "segment.changed",
                    f"segment.changed:{run_id}:{cid}",
                    "customers",
                    cid,
                    None,
                    {"from": before_segment, "to": segment, "run_id": run_id},
                )
            )
        for threshold in thresholds:
            if risk is not None and risk >= threshold and (before_risk is None or before_risk < threshold):
                events.append(
                    Event(
                        "churn.crossed",
                        f"churn.crossed:{threshold}:{run_id}:{cid}",
                        "customers",
                        cid,
                        None,
                        {"from": before_risk, "to": risk, "threshold": threshold, "run_id": run_id},
                    )
                )
    return events


DATE_COLUMNS: dict[tuple[str, str], Any] = {
    ("deals", "expected_close"): Deal.expected_close,
    ("tasks", "due_at"): Task.due_at,
    ("tickets", "sla_due_at"): Ticket.sla_due_at,
}


def feedback_emerging(session: Session, *, after_id: int, limit: int = 500) -> list[Event]:
    """Topics the feedback analysis found rising (or new) this week, one event per topic and week; the context's
    `event` carries the topic's name, volume, baseline and why (event.reason: rising | new)."""
    from rapport.feedback import trends

    return [
        Event(
            "feedback.topic_emerging",
            f"feedback.topic_emerging:{record.topic_id}:{record.week.isoformat()}",
            "feedback_topics",
            record.topic_id,
            record.created_at,
            {
                "emergence_id": record.id,
                "topic_id": topic.id,
                "topic": topic.name,
                "week": record.week.isoformat(),
                "volume": record.volume,
                "baseline": record.baseline,
                "reason": record.reason,
                "negative_share": topic.negative_share,
            },
        )
        for record, topic in trends.emergences_after(session, after_id=after_id, limit=limit)
    ]


def max_feedback_emergence_id(session: Session) -> int:
    from rapport.feedback import trends

    return trends.max_emergence_id(session)


def dates_reached(session: Session, trigger: Trigger, *, start: datetime, end: datetime) -> list[Event]:
    """Records whose date (plus the trigger's offset) falls in [start, end)."""
    assert trigger.entity is not None
    assert trigger.field is not None
    shift = timedelta(days=trigger.offset_days)
    if trigger.entity == "customers":
        return list(_birthdays(session, start - shift, end - shift, trigger.offset_days))
    column = DATE_COLUMNS[(trigger.entity, trigger.field)]
    model = column.class_
    lo, hi = start - shift, end - shift
    if trigger.entity == "deals":
        # A date counts as its midnight (UTC): the dates whose midnight falls in [lo, hi).
        stmt: Select[Any] = select(model.id, column).where(
            column >= _first_day(lo), column < _first_day(hi), model.deleted_at.is_(None)
        )
    else:
        stmt = select(model.id, column).where(column >= lo, column < hi, model.deleted_at.is_(None))
    events = []
    for record_id, value in session.execute(stmt.order_by(column).limit(5000)):
        when = _as_datetime(value) + shift
        events.append(
            Event(
                "date",
                f"date:{trigger.entity}.{trigger.field}{trigger.offset_days:+d}:{record_id}:{_day(value)}",
                trigger.entity,
                record_id,
                when,
                {"field": trigger.field, "date": _day(value), "offset_days": trigger.offset_days},
            )
        )
    return events


def _birthdays(session: Session, start: datetime, end: datetime, offset: int) -> Iterator[Event]:
    days = {(start + timedelta(days=i)).date() for i in range(max((end - start).days, 1))}
    wanted = {(d.month, d.day): d for d in days}
    rows = session.execute(
        select(Customer.id, Customer.birth_date).where(Customer.birth_date.is_not(None), Customer.deleted_at.is_(None))
    )
    for cid, born in rows:
        if born is None:
            continue
        day = wanted.get((born.month, born.day))
        if day is not None:
            yield Event(
                "date",
                f"date:customers.birth_date{offset:+d}:{cid}:{day.isoformat()}",
                "customers",
                cid,
                datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=offset),
                {"field": "birth_date", "date": day.isoformat(), "offset_days": offset},
            )


# -- context ------------------------------------------------------------------------------------------------------
class Context(dict[str, Any]):
    """A rule's context; the costly parts (customer with spend, analytics insight) load on first use, so a rule
    whose conditions never look at them costs one or two queries per event."""

    def __init__(self, values: dict[str, Any], loaders: dict[str, Callable[[], Any]]) -> None:
        super().__init__(values)
        self._loaders = loaders

    def __missing__(self, key: str) -> Any:
        loader = self._loaders.pop(key, None)
        if loader is None:
            raise KeyError(key)
        self[key] = value = loader()
        return value

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key) or key in self._loaders

    def loaded(self) -> dict[str, Any]:
        """Everything, loaded (for webhook payloads)."""
        for key in list(self._loaders):
            self.get(key)
        return dict(self)


def context_for(session: Session, event: Event, *, triage: Callable[[int], dict[str, Any]] | None = None) -> Context:
    """What a rule's conditions and templates can refer to: event, ticket, triage, customer, order, deal, task,
    insight. Only what the event is about is filled in. `triage` stands in for a ticket not triaged yet (dry
    runs over old tickets)."""
    context: dict[str, Any] = {
        "event": {"kind": event.kind, "key": event.key, "at": event.at, **event.data},
        "now": utcnow(),
    }
    customer_id: int | None = None
    if event.entity == "tickets":
        ticket = session.get(Ticket, event.entity_id)
        if ticket is not None:
            context["ticket"] = _columns(ticket)
            row = session.get(TicketTriage, ticket.id)
            context["triage"] = _columns(row) if row else triage(ticket.id) if triage else {}
            if row is None and context["triage"]:
                # As triage would have done before the rules ran: fill what the ticket lacks.
                for name in ("intent", "sentiment", "language"):
                    if context["ticket"].get(name) is None:
                        context["ticket"][name] = context["triage"].get(name)
            customer_id = ticket.customer_id
    elif event.entity == "orders":
        order = session.get(Order, event.entity_id)
        if order is not None:
            context["order"] = _columns(order) | {"lines": len(order.lines)}
            customer_id = order.customer_id
    elif event.entity == "deals":
        deal = session.get(Deal, event.entity_id)
        if deal is not None:
            context["deal"] = _columns(deal) | {"stage": deal.stage.name}
            customer_id = deal.customer_id
    elif event.entity == "tasks":
        task = session.get(Task, event.entity_id)
        if task is not None:
            context["task"] = _columns(task)
            customer_id = task.customer_id
    elif event.entity == "customers":
        customer_id = event.entity_id
    loaders: dict[str, Callable[[], Any]] = {}
    if customer_id is not None:
        cid = customer_id
        loaders = {"customer": lambda: customer_context(session, cid), "insight": lambda: insight_context(session, cid)}
    return Context(context, loaders)


def customer_context(session: Session, customer_id: int) -> dict[str, Any]:
    customer = session.get(Customer, customer_id)
    if customer is None:
        return {}
    spent, orders = session.execute(
        select(func.coalesce(func.sum(Order.total), 0), func.count(Order.id)).where(
            Order.customer_id == customer_id, Order.status.in_(COUNTED_ORDER_STATUSES)
        )
    ).one()
    values = {
        k: getattr(customer, k)
        for k in (
            "id", "full_name", "first_name", "last_name", "email", "language", "city", "country", "owner_id",
            "lifecycle_stage", "consent_email", "source", "company_id", "created_at", "deleted_at",
        )
    }  # fmt: skip
    owner = session.get(User, customer.owner_id) if customer.owner_id else None
    return values | {
        "tags": [str(t).lower() for t in customer.tags or []],
        "total_spent": float(spent or Decimal(0)),
        "orders_count": int(orders or 0),
        "owner_name": owner.name if owner else None,
        "owner_email": owner.email if owner else None,
    }


def insight_context(session: Session, customer_id: int) -> dict[str, Any]:
    if not analytics_available(session):
        return {}
    from rapport.analytics.models import AnalyticsRun, CustomerInsight

    row = session.execute(
        select(CustomerInsight)
        .join(AnalyticsRun, AnalyticsRun.id == CustomerInsight.run_id)
        .where(CustomerInsight.customer_id == customer_id, AnalyticsRun.status == "succeeded")
        .order_by(CustomerInsight.run_id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if row is None:
        return {}
    return {
        "run_id": row.run_id,
        "rfm_segment": row.rfm_segment,
        "learned_segment": row.learned_segment,
        "churn_risk": row.churn_risk,
        "clv": row.clv,
        "churn_reasons": row.churn_reasons,
    }


def _columns(record: Any) -> dict[str, Any]:
    return {c.key: getattr(record, c.key) for c in inspect(record).mapper.column_attrs}


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _first_day(moment: datetime) -> date:
    """The first date whose midnight is at or after `moment`."""
    day = moment.date()
    return day if moment == datetime(day.year, day.month, day.day, tzinfo=moment.tzinfo) else day + timedelta(days=1)


def _day(value: date | datetime) -> str:
    return (value.date() if isinstance(value, datetime) else value).isoformat()
