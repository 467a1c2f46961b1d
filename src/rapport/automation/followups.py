"""Follow-up tasks created from events: a deal idle for two weeks, a valuable customer whose churn risk crossed
the threshold, and a promise an agent made in an outgoing message ("I'll send it tomorrow", "明天发给您").

Each follow-up has a key (what it is about, and when), so a scan run twice creates each task once. Promises are
found by rules now; a model can take over through the PromiseDetector protocol (e.g. with
`Gateway.generate_json`), keeping the same task and dedupe logic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.activities import service as task_service
from rapport.activities.models import Task
from rapport.automation import events
from rapport.automation.models import FollowUp
from rapport.automation.schemas import AutomationSettings
from rapport.automation.service import COUNTED_ORDER_STATUSES
from rapport.customers.models import Customer
from rapport.interactions.models import Interaction
from rapport.kit.clock import as_utc, utcnow
from rapport.privacy.access import Principal
from rapport.sales.models import Deal, Order

WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Promise:
    sentence: str
    due_at: datetime
    why: str


class PromiseDetector(Protocol):
    name: str

    def find(self, text: str, sent_at: datetime) -> list[Promise]: ...


_EN_PROMISE = re.compile(
    r"\b(?:i'll|i will|we'll|we will|i am going to|i'm going to)\s+(?:\w+\s+){0,3}?"
    r"(?:send|email|call|get back|follow up|update|ship|refund|check|keep an eye|let you know|contact|reply|"
    r"arrange|look into|post|confirm)\b|\bwill ship within\b",
    re.IGNORECASE,
)
_ZH_PROMISE = (
    re.compile(
        r"(明天|今天|稍后|马上|尽快|下周|\d+\s*个?(?:工作日|小时|天)内?).{0,12}(发|寄|回复|联系|处理|通知|补发|退款|给您|跟进)"
    ),
    re.compile(r"(我|我们)(会|将).{0,15}(发|寄|回复|联系|处理|通知|补发|退款|给您|跟进)"),
    re.compile(r"会(第一时间|尽快|及时).{0,6}(通知|联系|回复|处理)"),
)
_SENTENCES = re.compile(r"[^.!?。！？\n]+[.!?。！？]?")


class RulePromiseDetector:
    """Commitments in the first person (or "will ship within"), with a due time read from the same sentence."""

    name = "promise-rules@1"

    def find(self, text: str, sent_at: datetime) -> list[Promise]:
        found = []
        for match in _SENTENCES.finditer(text):
            sentence = match.group(0).strip()
            if len(sentence) < 4:
                continue
            hit = _EN_PROMISE.search(sentence) or next(
                (p.search(sentence) for p in _ZH_PROMISE if p.search(sentence)), None
            )
            if hit is None:
                continue
            due, why = due_from(sentence, sent_at)
            found.append(Promise(sentence[:300], due, f"'{hit.group(0)}'; {why}"))
        return found


def due_from(sentence: str, sent_at: datetime) -> tuple[datetime, str]:
    """When the promise falls due, from words in the sentence; a day after sending when it names no time."""
    lowered = sentence.lower()
    if number := re.search(r"(\d+)\s*(?:business|working)\s*days?|(\d+)\s*个?工作日", lowered):
        days = int(number.group(1) or number.group(2))
        return _business_days(sent_at, days), f"within {days} business days"
    if number := re.search(r"(\d+)\s*(?:hours?|hrs?)|(\d+)\s*个?小时", lowered):
        hours = int(number.group(1) or number.group(2))
        return sent_at + timedelta(hours=hours), f"within {hours} hours"
    if number := re.search(r"(\d+)\s*days?|(\d+)\s*天", lowered):
        days = int(number.group(1) or number.group(2))
        return sent_at + timedelta(days=days), f"within {days} days"
    if "tomorrow" in lowered or "明天" in sentence:
        return sent_at + timedelta(days=1), "tomorrow"
    if "next week" in lowered or "下周" in sentence:
        return sent_at + timedelta(days=7), "next week"
    if "today" in lowered or "今天" in sentence or "tonight" in lowered:
        return sent_at + timedelta(hours=6), "today"
    for index, day in enumerate(WEEKDAYS):
        if re.search(rf"\b(?:by|on)\s+{day}\b", lowered):
            ahead = (index - sent_at.weekday()) % 7 or 7
            return sent_at + timedelta(days=ahead), f"by {day.title()}"
    return sent_at + timedelta(days=1), "no time named: a day"


def scan_promises(
    session: Session,
    principal: Principal,
    *,
    settings: AutomationSettings,
    detector: PromiseDetector | None = None,
    now: datetime | None = None,
    limit: int = 1000,
) -> list[FollowUp]:
    """Outgoing messages written by people since the last scan (at first, the last `promise_lookback_days`)."""
    detector = detector or RulePromiseDetector()
    now = now or utcnow()
    start = session.scalar(
        select(func.min(Interaction.id)).where(
            Interaction.occurred_at >= now - timedelta(days=settings.promise_lookback_days)
        )
    )
    after = events.cursor(session, "promises", (start or (_max_interaction(session) + 1)) - 1)
    rows = session.scalars(
        select(Interaction)
        .where(
            Interaction.id > after,
            Interaction.direction == "outbound",
            Interaction.author_id.is_not(None),
            Interaction.kind.in_(("email", "chat")),
        )
        .order_by(Interaction.id)
        .limit(limit)
    ).all()
    created = []
    for row in rows:
        promises = detector.find(row.body, as_utc(row.occurred_at))
        key = f"promise:{row.id}"
        if promises and not _exists(session, key):
            first = min(promises, key=lambda p: p.due_at)
            related = ("ticket", row.ticket_id) if row.ticket_id else ("customer", row.customer_id)
            title = f"Promised: {first.sentence[:200]}"
            notes = "\n".join(f"- {p.sentence} (due {p.due_at:%Y-%m-%d %H:%M} UTC: {p.why})" for p in promises)
            created.append(
                _task(
                    session,
                    principal,
                    "promise",
                    key,
                    title,
                    notes,
                    first.due_at,
                    row.author_id,
                    related,
                    row.customer_id,
                    now,
                )
            )
    if rows:
        events.advance(session, "promises", rows[-1].id)
    return created


def scan_idle_deals(
    session: Session,
    principal: Principal,
    *,
    settings: AutomationSettings,
    now: datetime | None = None,
    max_per_run: int = 100,
) -> list[FollowUp]:
    """Open deals with no change, message or task for `idle_deal_days`: a nudge for their owner (at most
    `max_per_run` per run, the longest idle first; the rest come in the next runs)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=settings.idle_deal_days)
    deals = session.scalars(select(Deal).where(Deal.status == "open", Deal.deleted_at.is_(None))).all()
    customer_ids = [d.customer_id for d in deals if d.customer_id]
    last_message = dict(
        session.execute(
            select(Interaction.customer_id, func.max(Interaction.occurred_at))
            .where(Interaction.customer_id.in_(customer_ids))
            .group_by(Interaction.customer_id)
        ).all()
    )
    last_task = dict(
        session.execute(
            select(Task.related_id, func.max(Task.created_at))
            .where(Task.related_type == "deal", Task.deleted_at.is_(None))
            .group_by(Task.related_id)
        ).all()
    )
    idle: list[tuple[datetime, Deal]] = []
    for deal in deals:
        moments = [
            deal.updated_at,
            last_message.get(deal.customer_id) if deal.customer_id else None,
            last_task.get(deal.id),
        ]
        last = max(as_utc(m) for m in moments if m is not None)
        if last < cutoff:
            idle.append((last, deal))
    created: list[FollowUp] = []
    for last, deal in sorted(idle, key=lambda pair: pair[0]):
        if len(created) >= max_per_run:
            break
        key = f"deal_idle:{deal.id}:{last.date().isoformat()}"
        if _exists(session, key):
            continue
        days = (now - last).days
        title = f"Deal '{deal.name}' has been idle {days} days"
        notes = f"No change, message or task since {last:%Y-%m-%d}. Amount {deal.amount} {deal.currency}."
        created.append(
            _task(
                session,
                principal,
                "deal_idle",
                key,
                title,
                notes,
                now + timedelta(days=1),
                deal.owner_id,
                ("deal", deal.id),
                deal.customer_id,
                now,
            )
        )
    return created


def scan_churn(
    session: Session,
    principal: Principal,
    *,
    settings: AutomationSettings,
    now: datetime | None = None,
    max_per_run: int = 50,
) -> list[FollowUp]:
    """Valuable customers whose churn risk crossed the threshold in the latest analytics run (skipped when
    analytics is not installed or has not run twice). The most valuable `max_per_run` get a task per run."""
    now = now or utcnow()
    runs = events.latest_runs(session)
    if not runs:
        return []
    from rapport.analytics.models import CustomerInsight

    latest = runs[-1]
    previous = runs[-2] if len(runs) > 1 else None
    rows = session.execute(
        select(
            CustomerInsight.customer_id, CustomerInsight.churn_risk, CustomerInsight.clv, CustomerInsight.churn_reasons
        ).where(CustomerInsight.run_id == latest, CustomerInsight.churn_risk >= settings.churn_threshold)
    ).all()
    before: dict[int, float | None] = {}
    if previous is not None:
        ids = [r[0] for r in rows]
        before = dict(
            session.execute(
                select(CustomerInsight.customer_id, CustomerInsight.churn_risk).where(
                    CustomerInsight.run_id == previous, CustomerInsight.customer_id.in_(ids)
                )
            ).all()
        )
    spent = dict(
        session.execute(
            select(Order.customer_id, func.sum(Order.total))
            .where(Order.customer_id.in_([r[0] for r in rows]), Order.status.in_(COUNTED_ORDER_STATUSES))
            .group_by(Order.customer_id)
        ).all()
    )
    crossed = []
    for cid, risk, clv, reasons in rows:
        old = before.get(cid)
        value = max(float(clv or 0), float(spent.get(cid) or 0))
        if (old is None or old < settings.churn_threshold) and value >= settings.churn_min_value:
            crossed.append((value, cid, risk, reasons))
    created = []
    for value, cid, risk, reasons in sorted(crossed, reverse=True)[:max_per_run]:
        key = f"churn:{cid}:{latest}"
        customer = session.get(Customer, cid)
        if customer is None or customer.deleted_at is not None or _exists(session, key):
            continue
        why = "; ".join(
            str(r.get("text") or r.get("reason") or r) if isinstance(r, dict) else str(r) for r in (reasons or [])[:3]
        )
        title = f"Churn risk {risk:.0%} for {customer.full_name}: reach out"
        notes = f"Value {value:,.2f}. Why: {why or 'see the customer page'}."
        created.append(
            _task(
                session,
                principal,
                "churn_risk",
                key,
                title,
                notes,
                now + timedelta(days=2),
                customer.owner_id,
                ("customer", cid),
                cid,
                now,
            )
        )
    return created


def _task(
    session: Session,
    principal: Principal,
    kind: str,
    key: str,
    title: str,
    notes: str,
    due_at: datetime,
    assignee_id: int | None,
    related: tuple[str, int | None],
    customer_id: int | None,
    now: datetime,
) -> FollowUp:
    task = task_service.create(
        session,
        principal,
        {
            "title": title[:300],
            "notes": notes,
            "due_at": due_at,
            "assignee_id": assignee_id,
            "related_type": related[0] if related[1] else None,
            "related_id": related[1],
        },
    )
    row = FollowUp(
        kind=kind, key=key, task_id=task.id, customer_id=customer_id, details={"title": title}, created_at=now
    )
    session.add(row)
    session.flush()
    return row


def _exists(session: Session, key: str) -> bool:
    return session.scalar(select(FollowUp.id).where(FollowUp.key == key)) is not None


def _max_interaction(session: Session) -> int:
    return int(session.scalar(select(func.max(Interaction.id))) or 0)


def _business_days(start: datetime, days: int) -> datetime:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current
