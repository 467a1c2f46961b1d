"""Learned segments: k by silhouette, a profile per segment, rule-based names and the describer hook."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from rapport.analytics import features, segments, synthetic

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    return features.behaviour(synthetic.frames(800, orders_per_customer=6, as_of=AS_OF, seed=5), AS_OF)


def test_every_buyer_gets_one_segment_and_profiles_add_up(table: pl.DataFrame) -> None:
    learned = segments.learn(table, k_range=range(3, 6))

    assert learned is not None
    assert 3 <= learned.k <= 5
    assert set(learned.silhouettes) == {3, 4, 5}
    buyers = table.filter(pl.col("orders") > 0).height
    assert learned.assignments.height == buyers
    assert sum(p["customers"] for p in learned.profiles) == buyers
    assert len({p["name"] for p in learned.profiles}) == learned.k
    assert learned.profiles[0]["key"] == "k0"
    assert learned.profiles[0]["customers"] == max(p["customers"] for p in learned.profiles)


def test_too_few_buyers_give_no_learned_segments() -> None:
    tiny = pl.DataFrame({"customer_id": [1, 2], "orders": [1, 2]})

    assert segments.learn(tiny) is None


def test_a_describer_names_the_segment() -> None:
    def describer(profile: dict[str, Any]) -> tuple[str, str]:
        return f"Group {profile['key']}", "Written by a model."

    assert segments.describe_segment({"key": "k2", "z": {}}, describer) == ("Group k2", "Written by a model.")


def test_a_failing_describer_falls_back_to_the_rules() -> None:
    def broken(_profile: dict[str, Any]) -> tuple[str, str]:
        raise TimeoutError("model server down")

    profile = {"key": "k0", "z": {"recency_days": -1.0, "orders": 1.2, "monetary": 1.0}, "customers": 10, "share": 0.1}

    name, description = segments.describe_segment(profile, broken)

    assert name == "Active high-value customers"
    assert description.startswith("10 customers (10% of buyers)")


@pytest.mark.parametrize(
    ("z", "name"),
    [
        ({"recency_days": 1.0, "orders": 1.0, "monetary": 1.0}, "Lapsing big spenders"),
        ({"recency_days": 1.0, "orders": -1.0, "monetary": -1.0}, "Dormant occasional buyers"),
        ({"recency_days": -1.0, "orders": -0.5, "monetary": -0.5, "tenure_days": -1.0}, "Recent newcomers"),
        ({"tickets_per_month": 1.5, "sentiment_mean": -1.0}, "Middle of the road, support-heavy and unhappy"),
    ],
)
def test_rule_names_follow_the_centre(z: dict[str, float], name: str) -> None:
    assert segments.rule_name({"z": z}) == name


def test_duplicate_names_are_numbered() -> None:
    named = segments.name_all([{"key": "k0", "z": {}}, {"key": "k1", "z": {}}])

    assert [p["name"] for p in named] == ["Middle of the road", "Middle of the road (2)"]
