"""Interests from purchases (recency-weighted) and from what customers wrote (keywords)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rapport.analytics import interests
from tests.analytics.conftest import frames_of

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
PRODUCTS = [
    {"product_id": 1, "name": "Voltra Earbuds", "name_zh": "蓝牙耳机", "category": "Electronics", "brand": "Voltra"},
    {"product_id": 2, "name": "Papyrus Novel", "category": "Books", "brand": "Papyrus"},
    {"product_id": 3, "name": "Smart TV", "category": "TV", "brand": "Lumo"},
]


def test_recent_purchases_outweigh_old_ones_of_the_same_spend() -> None:
    frames = frames_of(
        orders=[
            {"customer_id": 1, "placed_at": AS_OF - timedelta(days=720), "total": 50.0},
            {"customer_id": 1, "placed_at": AS_OF - timedelta(days=10), "total": 50.0},
        ],
        lines=[
            {"order_id": 1, "product_id": 1, "quantity": 1, "line_total": 50.0},
            {"order_id": 2, "product_id": 2, "quantity": 1, "line_total": 50.0},
        ],
        products=PRODUCTS,
    )

    found = interests.from_purchases(frames, AS_OF, half_life_days=180)
    category = {r["key"]: r["score"] for r in found.filter(kind="category").iter_rows(named=True)}

    assert category["Books"] > 0.9
    assert category["Books"] + category["Electronics"] == pytest.approx(1.0)


def test_mentions_of_brands_and_chinese_product_names_count_as_interest() -> None:
    frames = frames_of(
        customers=[{"customer_id": 1, "created_at": AS_OF - timedelta(days=100)}],
        products=PRODUCTS,
        interactions=[
            {
                "interaction_id": 1,
                "customer_id": 1,
                "direction": "inbound",
                "body": "我想再买一副蓝牙耳机",
                "occurred_at": AS_OF - timedelta(days=3),
            },
            {
                "interaction_id": 2,
                "customer_id": 1,
                "direction": "inbound",
                "body": "Any new Papyrus titles?",
                "occurred_at": AS_OF - timedelta(days=5),
            },
            {
                "interaction_id": 3,
                "customer_id": 1,
                "direction": "outbound",
                "body": "Lumo sale today",
                "occurred_at": AS_OF - timedelta(days=5),
            },
        ],
    )

    found = interests.from_text(frames, AS_OF)
    keys = {(r["kind"], r["key"]) for r in found.iter_rows(named=True)}

    assert {("product", "1"), ("brand", "Voltra"), ("category", "Electronics"), ("brand", "Papyrus")} <= keys
    assert ("brand", "Lumo") not in keys


def test_short_latin_words_match_whole_words_only() -> None:
    frames = frames_of(
        customers=[{"customer_id": 1, "created_at": AS_OF - timedelta(days=100)}],
        products=PRODUCTS,
        interactions=[
            {
                "interaction_id": 1,
                "customer_id": 1,
                "direction": "inbound",
                "body": "How do I activate my account?",
                "occurred_at": AS_OF - timedelta(days=3),
            },
        ],
    )

    assert interests.from_text(frames, AS_OF).is_empty()


def test_combined_top_lists_label_products_and_say_where_they_come_from() -> None:
    frames = frames_of(
        orders=[{"customer_id": 1, "placed_at": AS_OF - timedelta(days=10), "total": 50.0}],
        lines=[{"order_id": 1, "product_id": 1, "quantity": 1, "line_total": 50.0}],
        products=PRODUCTS,
        interactions=[
            {
                "interaction_id": 1,
                "customer_id": 1,
                "direction": "inbound",
                "body": "Love my Voltra Earbuds",
                "occurred_at": AS_OF - timedelta(days=3),
            },
        ],
    )

    combined = interests.combine(interests.from_purchases(frames, AS_OF), interests.from_text(frames, AS_OF))
    top = interests.top(combined, frames.products)[1]

    assert top["product"][0] == {"key": "1", "label": "Voltra Earbuds", "score": 1.5, "from": ["purchases", "text"]}
