"""Customer summaries: facts that cite their records, the template, and the writer hook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rapport.analytics import summary

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
CUSTOMER = {"customer_id": 7, "full_name": "Wang Fang", "language": "zh"}
ORDERS = [
    {"order_id": 11, "placed_at": AS_OF - timedelta(days=90), "status": "delivered", "total": 20.0},
    {"order_id": 12, "placed_at": AS_OF - timedelta(days=12), "status": "delivered", "total": 35.5},
    {"order_id": 13, "placed_at": AS_OF - timedelta(days=2), "status": "cancelled", "total": 99.0},
]
TICKETS = [
    {
        "ticket_id": 3,
        "subject": "Late parcel",
        "status": "open",
        "resolved_at": None,
        "created_at": AS_OF - timedelta(days=4),
    },
]
MESSAGES = [
    {
        "interaction_id": 40,
        "direction": "inbound",
        "kind": "email",
        "sentiment": "negative",
        "rating": None,
        "occurred_at": AS_OF - timedelta(days=4),
    },
]
INSIGHT: dict[str, Any] = {
    "features": {"tenure_days": 400.0, "preferred_channel": "app"},
    "rfm_segment_name": "Loyal",
    "rfm_score": "434",
    "clv": 120.0,
    "expected_purchases": 3.2,
    "p_alive": 0.9,
    "churn_risk": 0.42,
    "churn_reasons": [{"topic": "support", "weight": 0.4, "text": "1 open support ticket"}],
    "interests": {"category": [{"key": "Books", "label": "Books", "score": 0.8, "from": ["purchases"]}]},
}


def test_facts_cite_the_orders_tickets_and_messages_they_come_from() -> None:
    facts = summary.collect_facts(CUSTOMER, INSIGHT, ORDERS, TICKETS, MESSAGES, as_of=AS_OF, run_id=5)
    by_topic = {f.topic: f for f in facts}

    assert by_topic["orders"].text == "2 orders worth $55.50, the last on 2025-12-20 (12 days ago)"
    assert by_topic["orders"].cites == ["order:12", "order:11"]
    assert by_topic["support"].cites == ["ticket:3"]
    assert by_topic["contact"].cites == ["interaction:40"]
    assert by_topic["churn"].text == "churn risk 42% (medium): 1 open support ticket"
    assert by_topic["churn"].cites == ["analytics_run:5"]
    assert by_topic["profile"].cites == ["customer:7"]


def test_template_writes_each_fact_with_its_citations() -> None:
    facts = summary.collect_facts(CUSTOMER, INSIGHT, ORDERS, TICKETS, MESSAGES, as_of=AS_OF, run_id=5)

    text = summary.write_summary(CUSTOMER, facts)

    assert text.startswith("Wang Fang: A customer for 1.1 years, writes in zh, orders mostly via app [customer:7].")
    assert "2 orders worth $55.50, the last on 2025-12-20 (12 days ago) [order:12, order:11]." in text
    assert '1 open ticket, latest "Late parcel" [ticket:3].' in text


def test_a_writer_replaces_the_template_and_a_failing_one_does_not() -> None:
    facts = summary.collect_facts(CUSTOMER, INSIGHT, [], [], [], as_of=AS_OF)

    def writer(payload: dict[str, Any]) -> str:
        return f"{payload['customer']['full_name']} has {len(payload['facts'])} facts."

    def broken(_payload: dict[str, Any]) -> str:
        raise ConnectionError("gateway unreachable")

    assert summary.write_summary(CUSTOMER, facts, writer) == f"Wang Fang has {len(facts)} facts."
    assert summary.write_summary(CUSTOMER, facts, broken) == summary.template(CUSTOMER, facts)


def test_a_customer_without_orders_says_so() -> None:
    facts = summary.collect_facts(CUSTOMER, {"features": {}}, [], [], [], as_of=AS_OF)

    assert [f.text for f in facts if f.topic == "orders"] == ["no purchase yet"]
