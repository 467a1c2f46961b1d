"""Volume and mean sentiment per topic per week, and emerging topics (a rise this week, or a new topic).

A topic emerges when this week's messages reach `factor` × its mean over the `trailing` weeks before, and at least
`min_count` of them; a topic first found in this run emerges when it already has `min_count` messages this week.
Each (topic, week) is recorded once in feedback_emergences, which the workflow event `feedback.topic_emerging` reads.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.feedback.models import FeedbackEmergence, FeedbackMessage, FeedbackTopic
from rapport.kit.clock import as_utc, utcnow


@dataclass(frozen=True)
class WeekPoint:
    week: date  # the Monday
    volume: int
    mean_sentiment: float | None


@dataclass(frozen=True)
class EmergingRule:
    factor: float = 2.0
    min_count: int = 5
    trailing: int = 8


def week_of(moment: datetime | date) -> date:
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def weekly(
    session: Session, topic_ids: list[int], *, weeks: int = 26, as_of: datetime | None = None
) -> dict[int, list[WeekPoint]]:
    """Per topic, the last `weeks` weeks up to the week of `as_of` (every week present, empty ones as 0)."""
    end = week_of(as_utc(as_of) if as_of else utcnow())
    start = end - timedelta(weeks=weeks - 1)
    rows = session.execute(
        select(FeedbackMessage.topic_id, FeedbackMessage.occurred_at, FeedbackMessage.sentiment_score).where(
            FeedbackMessage.topic_id.in_(topic_ids),
            FeedbackMessage.occurred_at >= datetime.combine(start, time.min, tzinfo=UTC),
        )
    ).all()
    sums: dict[tuple[int, date], list[float]] = defaultdict(list)
    for topic_id, at, score in rows:
        week = week_of(as_utc(at))
        if week <= end and topic_id is not None:
            sums[(topic_id, week)].append(score)
    out: dict[int, list[WeekPoint]] = {}
    for topic_id in topic_ids:
        series = []
        for i in range(weeks):
            week = start + timedelta(weeks=i)
            scores = sums.get((topic_id, week), [])
            series.append(WeekPoint(week, len(scores), sum(scores) / len(scores) if scores else None))
        out[topic_id] = series
    return out


def detect_emerging(
    session: Session,
    run_id: int | None,
    *,
    rule: EmergingRule | None = None,
    as_of: datetime | None = None,
    new_topic_ids: set[int] | None = None,
) -> list[FeedbackEmergence]:
    """Record (once per topic and week) the active topics that emerge this week; returns the new records."""
    rule = rule or EmergingRule()
    topics = list(session.scalars(select(FeedbackTopic).where(FeedbackTopic.status == "active")))
    if not topics:
        return []
    series = weekly(session, [t.id for t in topics], weeks=rule.trailing + 1, as_of=as_of)
    found = []
    for topic in topics:
        points = series[topic.id]
        now, before = points[-1], points[:-1]
        baseline = sum(p.volume for p in before) / max(len(before), 1)
        is_new = topic.id in (new_topic_ids or set())
        rising = now.volume >= rule.min_count and now.volume >= rule.factor * max(baseline, 0.5)
        if not (rising or (is_new and now.volume >= rule.min_count)):
            continue
        exists = session.scalar(
            select(FeedbackEmergence.id).where(
                FeedbackEmergence.topic_id == topic.id, FeedbackEmergence.week == now.week
            )
        )
        if exists is not None:
            continue
        record = FeedbackEmergence(
            topic_id=topic.id,
            week=now.week,
            volume=now.volume,
            baseline=round(baseline, 2),
            reason="new" if is_new else "rising",
            run_id=run_id,
            created_at=utcnow(),
        )
        session.add(record)
        found.append(record)
    session.flush()
    return found


def emergences_after(
    session: Session, *, after_id: int, limit: int = 500
) -> list[tuple[FeedbackEmergence, FeedbackTopic]]:
    """Emergence records newer than a cursor, with their topics (for the automation event source)."""
    rows = session.execute(
        select(FeedbackEmergence, FeedbackTopic)
        .join(FeedbackTopic, FeedbackTopic.id == FeedbackEmergence.topic_id)
        .where(FeedbackEmergence.id > after_id)
        .order_by(FeedbackEmergence.id)
        .limit(limit)
    ).all()
    return [(e, t) for e, t in rows]


def max_emergence_id(session: Session) -> int:
    return int(session.scalar(select(FeedbackEmergence.id).order_by(FeedbackEmergence.id.desc()).limit(1)) or 0)
