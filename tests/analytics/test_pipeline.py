"""A whole run over frames: every customer gets an insight, and steps the data cannot support are skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rapport.analytics import pipeline, synthetic
from rapport.analytics.schemas import AnalyticsSettings
from tests.analytics.conftest import frames_of

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def result() -> pipeline.RunResult:
    frames = synthetic.frames(600, orders_per_customer=6, as_of=AS_OF, seed=2)
    return pipeline.compute(frames, AS_OF, AnalyticsSettings(k_max=5), run_id=9)


def test_every_customer_gets_features_a_segment_and_a_summary(result: pipeline.RunResult) -> None:
    insights = result.insights("churn@1")

    assert len(insights) == 600
    assert all(i["rfm_segment"] for i in insights)
    assert all(i["summary"].startswith("Customer ") for i in insights)
    assert all("recency_days" in i["features"] for i in insights)


def test_buyers_get_lifetime_value_churn_risk_reasons_and_interests(result: pipeline.RunResult) -> None:
    buyers = [i for i in result.insights("churn@1") if i["features"]["orders"] > 0]

    assert all(i["clv"] is not None and i["clv"] >= 0 for i in buyers)
    assert all(0 <= i["p_alive"] <= 1 for i in buyers)
    assert all(0 <= i["churn_risk"] <= 1 and i["churn_model"] == "churn@1" for i in buyers)
    assert sum(bool(i["churn_reasons"]) for i in buyers) > len(buyers) / 2
    assert all(i["interests"]["category"] for i in buyers)
    assert all(i["learned_segment"] is not None for i in buyers)


def test_metrics_report_fits_and_timings(result: pipeline.RunResult) -> None:
    metrics = result.metrics()

    assert metrics["churn_method"] == "model"
    assert metrics["bgnbd"]["r"] > 0
    assert metrics["gamma_gamma"]["q"] > 1
    assert 3 <= metrics["learned_k"] <= 5
    assert set(metrics["timings_s"]) >= {"features", "rfm", "segments", "clv", "churn", "cohorts", "summaries"}
    assert metrics["notes"] == []
    assert result.retention is not None
    assert result.retention.filter(period=0)["retention"].to_list() == [1.0] * result.retention.filter(period=0).height


def test_a_tiny_shop_skips_what_it_cannot_support_and_says_why() -> None:
    frames = frames_of(
        orders=[
            {"customer_id": 1, "placed_at": AS_OF - timedelta(days=30), "total": 10.0},
            {"customer_id": 2, "placed_at": AS_OF - timedelta(days=300), "total": 20.0},
        ]
    )

    small = pipeline.compute(frames, AS_OF)

    assert len(small.insights()) == 2
    assert small.churn_method == "none"
    assert any("learned segments skipped" in n for n in small.notes)
    assert any("lifetime value skipped" in n for n in small.notes)
    assert any("churn model not trained" in n for n in small.notes)
