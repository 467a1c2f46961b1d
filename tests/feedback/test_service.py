"""Feedback services on an analysed small database: drill-down scoped to the principal's reach, the pain-point report
with revenue at risk from analytics, segments, rename/merge rules and permissions, and the workflow event."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from rapport.analytics.models import AnalyticsRun, CustomerInsight
from rapport.automation import events
from rapport.customers.models import Customer
from rapport.errors import Forbidden, Invalid
from rapport.feedback import painpoints, pipeline
from rapport.feedback import service as feedback_service
from rapport.feedback.schemas import TopicMerge, TopicRename
from rapport.kit.clock import utcnow
from rapport.privacy.access import Role, system_principal
from rapport.settings import Settings
from tests.factories import make_customer, make_user, principal_of
from tests.feedback import kit

pytestmark = pytest.mark.db
ADMIN = system_principal("test")


@pytest.fixture
def analysed(session: Session, connection: Connection, tmp_path: Path, database_url: str) -> dict[str, Customer]:
    """Four customers, one per kind of message, with analytics insights; the analysis has run."""
    owner = make_user(session, Role.sales)
    customers = {
        "late": make_customer(session, owner_id=owner.id),
        "login": make_customer(session),
        "broken": make_customer(session),
        "praise": make_customer(session),
    }
    for key, texts in (("late", kit.LATE), ("login", kit.LOGIN), ("broken", kit.BROKEN), ("praise", kit.PRAISE)):
        kit.add_messages(session, customers[key], texts)
    now = utcnow()
    run = AnalyticsRun(status="succeeded", as_of=now, requested_at=now, finished_at=now)
    session.add(run)
    session.flush()
    for key, (risk, clv, segment) in {
        "late": (0.5, 1000.0, "at_risk"),
        "login": (0.2, 300.0, "champions"),
        "broken": (0.1, 100.0, "champions"),
        "praise": (0.1, 50.0, "loyal"),
    }.items():
        session.add(
            CustomerInsight(run_id=run.id, customer_id=customers[key].id, rfm_segment=segment, churn_risk=risk, clv=clv)
        )
    session.flush()
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    pipeline.analyse(connection, settings, gateway=None, embedder=kit.embedder(), min_cluster_size=4)
    session.info["owner"] = owner
    return customers


def _topic_of(session: Session, customer: Customer) -> int:
    page = feedback_service.messages(session, ADMIN, limit=500)
    found = {m.topic_id for m in page.items if m.customer_id == customer.id and m.topic_id is not None}
    assert len(found) >= 1
    return max(found, key=lambda t: sum(1 for m in page.items if m.topic_id == t and m.customer_id == customer.id))


def test_pain_points_carry_customers_revenue_at_risk_and_segments(
    session: Session, analysed: dict[str, Customer]
) -> None:
    late_topic = _topic_of(session, analysed["late"])

    found = painpoints.report(session, ADMIN)

    by_topic = {p.topic.id: p for p in found.pain_points}
    assert late_topic in by_topic
    late = by_topic[late_topic]
    assert late.customers_affected == 1
    assert late.revenue_at_risk == pytest.approx(500.0)
    assert [(s.segment, s.customers) for s in late.segments] == [("at_risk", 1)]
    assert late.segments[0].lift == pytest.approx(4.0)
    assert 1 <= len(late.examples) <= 3
    assert late.examples[0].sentiment == "negative"
    assert all(p.topic.negative_share >= painpoints.MIN_NEGATIVE_SHARE for p in found.pain_points)
    assert found.analytics_run_id is not None
    assert found.note == ""


def test_drill_down_lists_only_customers_within_reach_and_counts_the_rest(
    session: Session, analysed: dict[str, Customer]
) -> None:
    owner = session.info["owner"]
    rep = principal_of(owner)
    broken_topic = _topic_of(session, analysed["broken"])
    late_topic = _topic_of(session, analysed["late"])

    hidden_page = feedback_service.messages(session, rep, topic_id=broken_topic)
    own_page = feedback_service.messages(session, rep, topic_id=late_topic)

    assert hidden_page.items == []
    assert hidden_page.hidden == hidden_page.total > 0
    assert own_page.items
    assert {m.customer_id for m in own_page.items} == {analysed["late"].id}
    assert all(m.text for m in own_page.items)
    customers, hidden = painpoints.affected_customers(session, rep, broken_topic)
    assert customers == []
    assert hidden == 1


def test_affected_customers_are_ordered_by_value_at_risk(session: Session, analysed: dict[str, Customer]) -> None:
    late_topic = _topic_of(session, analysed["late"])

    customers, hidden = painpoints.affected_customers(session, ADMIN, late_topic)

    assert hidden == 0
    assert [(c.customer_id, c.at_risk, c.segment) for c in customers] == [(analysed["late"].id, 500.0, "at_risk")]


def test_rename_and_merge_need_update_rights_and_valid_targets(session: Session, analysed: dict[str, Customer]) -> None:
    late_topic = _topic_of(session, analysed["late"])
    login_topic = _topic_of(session, analysed["login"])
    analyst = principal_of(make_user(session, Role.analyst))

    with pytest.raises(Forbidden):
        feedback_service.rename(session, analyst, late_topic, TopicRename(name="Late parcels"))
    with pytest.raises(Invalid, match="itself"):
        feedback_service.merge(session, ADMIN, late_topic, TopicMerge(drop_ids=[late_topic]))

    feedback_service.merge(session, ADMIN, late_topic, TopicMerge(drop_ids=[login_topic]))

    with pytest.raises(Invalid, match="merged"):
        feedback_service.rename(session, ADMIN, login_topic, TopicRename(name="Logins"))
    assert feedback_service.trend(session, analyst, [late_topic], weeks=4)[0].weeks[-1].volume >= 12


def test_emerging_topics_become_workflow_events_once(session: Session, analysed: dict[str, Customer]) -> None:
    found = events.feedback_emerging(session, after_id=0)

    assert found
    assert {e.kind for e in found} == {"feedback.topic_emerging"}
    assert len({e.key for e in found}) == len(found)
    assert all(e.data["reason"] == "new" and e.data["volume"] >= 5 for e in found)
    last = int(found[-1].data["emergence_id"])
    assert events.feedback_emerging(session, after_id=last) == []
    assert events.max_feedback_emergence_id(session) == last
