"""The needs and pain points report: negative topics with example messages, the customers affected, revenue at risk
and the segments most affected; every number has a drill-down (the messages or customers behind it).

Revenue at risk of a topic = Σ over its affected customers (those who wrote a negative message in it) of churn risk
× lifetime value, both from the latest succeeded analytics run (analytics' stored per-customer outputs, read here
read-only, as automation's events do; without a run the figure is 0 and the report says so). Segments are the RFM
segments of that run; lift = a segment's share among the affected over its share among all customers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.feedback import service
from rapport.feedback.models import FeedbackMessage, FeedbackTopic
from rapport.feedback.schemas import PainPoint, PainPointReport, SegmentShare, TopicRead
from rapport.kit.clock import utcnow
from rapport.privacy.access import Action, Principal, require

# A topic is a pain point when at least this share of its messages is negative.
MIN_NEGATIVE_SHARE = 0.4


def _latest_analytics(session: Session) -> int | None:
    try:
        from rapport.analytics.models import AnalyticsRun
    except ImportError:  # pragma: no cover - analytics is part of the package today
        return None
    return session.scalar(
        select(AnalyticsRun.id).where(AnalyticsRun.status == "succeeded").order_by(AnalyticsRun.id.desc()).limit(1)
    )


def affected_ids(topic_id: int) -> Select[Any]:
    return (
        select(FeedbackMessage.customer_id)
        .where(FeedbackMessage.topic_id == topic_id, FeedbackMessage.sentiment == "negative")
        .distinct()
    )


@dataclass(frozen=True)
class AffectedCustomer:
    customer_id: int
    name: str
    negative_messages: int
    churn_risk: float | None
    clv: float | None
    at_risk: float
    segment: str | None


def _insights(
    session: Session, run_id: int | None, customer_ids: Select[Any]
) -> dict[int, tuple[float | None, float | None, str]]:
    if run_id is None:
        return {}
    from rapport.analytics.models import CustomerInsight

    rows = session.execute(
        select(
            CustomerInsight.customer_id, CustomerInsight.churn_risk, CustomerInsight.clv, CustomerInsight.rfm_segment
        ).where(CustomerInsight.run_id == run_id, CustomerInsight.customer_id.in_(customer_ids))
    ).all()
    return {cid: (risk, clv, segment) for cid, risk, clv, segment in rows}


def _at_risk(risk: float | None, clv: float | None) -> float:
    return float(risk or 0.0) * max(float(clv or 0.0), 0.0)


def report(session: Session, principal: Principal, *, limit: int = 10, examples: int = 3) -> PainPointReport:
    require(principal, service.ENTITY, Action.read)
    run = service.latest_run(session)
    analytics_run = _latest_analytics(session)
    candidates = list(
        session.scalars(
            select(FeedbackTopic).where(
                FeedbackTopic.status == "active", FeedbackTopic.negative_share >= MIN_NEGATIVE_SHARE
            )
        )
    )
    base = _segment_base(session, analytics_run)
    points = []
    for topic in candidates:
        insights = _insights(session, analytics_run, affected_ids(topic.id))
        customers: list[int] = list(session.scalars(affected_ids(topic.id)))
        negative = int(
            session.scalar(
                select(func.count()).where(
                    FeedbackMessage.topic_id == topic.id, FeedbackMessage.sentiment == "negative"
                )
            )
            or 0
        )
        segments = Counter(insights[c][2] for c in customers if c in insights)
        shares = [
            SegmentShare(
                segment=name,
                customers=n,
                share=round(n / len(customers), 4),
                lift=round((n / len(customers)) / base[name], 2) if base.get(name) else 0.0,
            )
            for name, n in segments.most_common(3)
        ]
        points.append(
            PainPoint(
                topic=TopicRead.model_validate(topic),
                messages=topic.size,
                negative_messages=negative,
                customers_affected=len(customers),
                revenue_at_risk=round(sum(_at_risk(*insights.get(c, (None, None, ""))[:2]) for c in customers), 2),
                examples=service.messages(
                    session, principal, topic_id=topic.id, sentiment="negative", limit=examples
                ).items,
                segments=shares,
            )
        )
    points.sort(key=lambda p: (-p.revenue_at_risk, -p.negative_messages))
    total = int(session.scalar(select(func.count()).select_from(FeedbackMessage)) or 0)
    topics = int(session.scalar(select(func.count()).where(FeedbackTopic.status == "active")) or 0)
    note = "" if analytics_run else "No analytics run yet: revenue at risk is 0 until `rapport analytics run`."
    return PainPointReport(
        generated_at=utcnow(),
        run_id=run.id if run else None,
        analytics_run_id=analytics_run,
        messages=total,
        topics=topics,
        pain_points=points[:limit],
        note=note,
    )


def _segment_base(session: Session, run_id: int | None) -> dict[str, float]:
    if run_id is None:
        return {}
    from rapport.analytics.models import CustomerInsight

    rows = session.execute(
        select(CustomerInsight.rfm_segment, func.count())
        .where(CustomerInsight.run_id == run_id)
        .group_by(CustomerInsight.rfm_segment)
    ).all()
    total = sum(n for _, n in rows) or 1
    return {segment: n / total for segment, n in rows}


def affected_customers(
    session: Session, principal: Principal, topic_id: int, *, segment: str | None = None, limit: int = 200
) -> tuple[list[AffectedCustomer], int]:
    """(customers within the principal's reach, how many others are hidden), by value at risk, highest first."""
    service.get_topic(session, principal, topic_id)
    require(principal, "customers", Action.read)
    analytics_run = _latest_analytics(session)
    ids = affected_ids(topic_id)
    insights = _insights(session, analytics_run, ids)
    visible = customer_service.visible_ids(principal)
    stmt = (
        select(Customer.id, Customer.full_name, func.count(FeedbackMessage.id))
        .join(FeedbackMessage, FeedbackMessage.customer_id == Customer.id)
        .where(FeedbackMessage.topic_id == topic_id, FeedbackMessage.sentiment == "negative")
        .group_by(Customer.id, Customer.full_name)
    )
    everyone = session.execute(stmt).all()
    shown = everyone if visible is None else session.execute(stmt.where(Customer.id.in_(visible))).all()
    out = []
    for cid, name, n in shown:
        risk, clv, seg = insights.get(cid, (None, None, None))
        if segment is not None and seg != segment:
            continue
        out.append(AffectedCustomer(cid, name, int(n), risk, clv, round(_at_risk(risk, clv), 2), seg))
    out.sort(key=lambda c: (-c.at_risk, c.customer_id))
    return out[:limit], len(everyone) - len(shown)


def segment_customer_ids(session: Session, topic_id: int, segment: str) -> Select[Any]:
    """Affected customers of a topic in one RFM segment (for the segment drill-down's message list)."""
    run_id = _latest_analytics(session)
    if run_id is None:
        return select(Customer.id).where(Customer.id == -1)
    from rapport.analytics.models import CustomerInsight

    return select(CustomerInsight.customer_id).where(
        CustomerInsight.run_id == run_id,
        CustomerInsight.rfm_segment == segment,
        CustomerInsight.customer_id.in_(affected_ids(topic_id)),
    )
