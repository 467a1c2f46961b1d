"""Behaviour features as of a date: purchases, gaps, channel, support load and sentiment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rapport.analytics import features
from tests.analytics.conftest import frames_of

AS_OF = datetime(2026, 3, 1, tzinfo=UTC)


def _day(days_ago: float) -> datetime:
    return AS_OF - timedelta(days=days_ago)


def test_recency_frequency_money_and_gap_count_only_purchases_before_the_date() -> None:
    frames = frames_of(
        orders=[
            {"customer_id": 1, "placed_at": _day(100), "total": 30.0},
            {"customer_id": 1, "placed_at": _day(60), "total": 50.0},
            {"customer_id": 1, "placed_at": _day(20), "total": 40.0},
            {"customer_id": 1, "placed_at": _day(10), "total": 999.0, "status": "cancelled"},
            {"customer_id": 1, "placed_at": _day(-5), "total": 999.0},
        ]
    )

    row = features.behaviour(frames, AS_OF).row(0, named=True)

    assert row["orders"] == 3
    assert row["monetary"] == pytest.approx(120.0)
    assert row["recency_days"] == pytest.approx(20.0)
    assert row["avg_order_value"] == pytest.approx(40.0)
    assert row["mean_gap_days"] == pytest.approx(40.0)
    assert row["recency_gap_ratio"] == pytest.approx(0.5)
    assert row["orders_90d"] == 2
    assert row["tenure_days"] == pytest.approx(100.0)


def test_customer_without_purchases_has_zero_orders_and_no_recency() -> None:
    frames = frames_of(customers=[{"customer_id": 5, "created_at": _day(30), "full_name": "New"}])

    row = features.behaviour(frames, AS_OF).row(0, named=True)

    assert row["orders"] == 0
    assert row["monetary"] == 0.0
    assert row["recency_days"] is None
    assert row["tenure_days"] == pytest.approx(30.0)


def test_preferred_channel_is_the_most_used() -> None:
    frames = frames_of(
        orders=[
            {"customer_id": 1, "placed_at": _day(50), "total": 10.0, "channel": "app"},
            {"customer_id": 1, "placed_at": _day(40), "total": 10.0, "channel": "app"},
            {"customer_id": 1, "placed_at": _day(5), "total": 10.0, "channel": "store"},
        ]
    )

    assert features.behaviour(frames, AS_OF)["preferred_channel"].to_list() == ["app"]


def test_a_ticket_resolved_after_the_date_was_open_at_the_date() -> None:
    frames = frames_of(
        orders=[{"customer_id": 1, "placed_at": _day(200), "total": 10.0}],
        tickets=[
            {"ticket_id": 1, "customer_id": 1, "created_at": _day(10), "resolved_at": _day(-3), "status": "solved"},
            {"ticket_id": 2, "customer_id": 1, "created_at": _day(40), "resolved_at": _day(35), "status": "solved"},
            {"ticket_id": 3, "customer_id": 1, "created_at": _day(-1), "resolved_at": None, "status": "open"},
        ],
    )

    row = features.behaviour(frames, AS_OF).row(0, named=True)

    assert row["tickets_total"] == 2
    assert row["open_tickets"] == 1


def test_sentiment_mean_and_trend_use_labels_and_review_stars() -> None:
    frames = frames_of(
        orders=[{"customer_id": 1, "placed_at": _day(300), "total": 10.0}],
        tickets=[{"ticket_id": 1, "customer_id": 1, "created_at": _day(200), "sentiment": "positive"}],
        interactions=[
            {
                "interaction_id": 1,
                "customer_id": 1,
                "direction": "inbound",
                "occurred_at": _day(20),
                "sentiment": "very_negative",
            },
            {"interaction_id": 2, "customer_id": 1, "direction": "inbound", "occurred_at": _day(10), "rating": 2},
            {
                "interaction_id": 3,
                "customer_id": 1,
                "direction": "outbound",
                "occurred_at": _day(5),
                "sentiment": "very_positive",
            },
        ],
    )

    row = features.behaviour(frames, AS_OF).row(0, named=True)

    assert row["sentiment_mean"] == pytest.approx((1 - 2 - 1) / 3)
    assert row["sentiment_trend"] == pytest.approx(-1.5 - 1.0)
    assert row["last_contact_days"] == pytest.approx(10.0)


def test_category_mix_shares_spend_per_category() -> None:
    frames = frames_of(
        orders=[
            {"customer_id": 1, "placed_at": _day(30), "total": 40.0},
            {"customer_id": 1, "placed_at": _day(20), "total": 10.0},
        ],
        lines=[
            {"order_id": 1, "product_id": 1, "quantity": 1, "line_total": 30.0},
            {"order_id": 1, "product_id": 2, "quantity": 1, "line_total": 10.0},
            {"order_id": 2, "product_id": 2, "quantity": 1, "line_total": 10.0},
        ],
        products=[
            {"product_id": 1, "name": "Lamp", "category": "Home"},
            {"product_id": 2, "name": "Novel", "category": "Books"},
        ],
    )

    mix = features.category_mix(frames, AS_OF)

    assert dict(zip(mix["category"], mix["share"], strict=True)) == {"Home": 0.6, "Books": 0.4}
    assert features.behaviour(frames, AS_OF)["top_category"].to_list() == ["Home"]
