"""Churn: labels from a past snapshot, a calibrated model, reasons in words, and a model file that round-trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from rapport.analytics import churn, features, synthetic
from rapport.errors import Invalid
from tests.analytics.conftest import frames_of

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def trained() -> tuple[churn.ChurnModel, pl.DataFrame]:
    frames = synthetic.frames(1500, orders_per_customer=6, as_of=AS_OF, seed=11, with_lines=False)
    model = churn.train(churn.training_set(frames, AS_OF, 180), {"num_threads": 1})
    return model, features.behaviour(frames, AS_OF)


def test_training_labels_say_who_bought_after_the_snapshot() -> None:
    frames = frames_of(
        orders=[
            {"customer_id": 1, "placed_at": AS_OF - timedelta(days=300), "total": 10.0},
            {"customer_id": 1, "placed_at": AS_OF - timedelta(days=30), "total": 10.0},
            {"customer_id": 2, "placed_at": AS_OF - timedelta(days=300), "total": 10.0},
            {"customer_id": 3, "placed_at": AS_OF - timedelta(days=20), "total": 10.0},
        ]
    )

    labels = churn.training_set(frames, AS_OF, 180).select("customer_id", "churned").sort("customer_id")

    assert labels.rows() == [(1, 0), (2, 1)]


def test_model_ranks_well_and_is_calibrated_on_held_out_customers(
    trained: tuple[churn.ChurnModel, pl.DataFrame],
) -> None:
    model, _ = trained

    assert model.metrics["roc_auc"] > 0.75
    assert model.metrics["ece"] < 0.08
    assert 0.0 < model.metrics["churn_rate"] < 1.0


def test_scores_are_probabilities_with_reasons_for_every_buyer(trained: tuple[churn.ChurnModel, pl.DataFrame]) -> None:
    model, today = trained

    scored = churn.score(model, today)

    buyers = today.filter(pl.col("orders") > 0).height
    assert scored.height == buyers
    assert scored["churn_risk"].min() >= 0.0
    assert scored["churn_risk"].max() <= 1.0
    riskiest = scored.sort("churn_risk", descending=True).row(0, named=True)
    assert riskiest["churn_reasons"][0]["weight"] > 0
    assert any("no order in" in r["text"] for r in riskiest["churn_reasons"])


def test_model_file_round_trips_to_the_same_predictions(trained: tuple[churn.ChurnModel, pl.DataFrame]) -> None:
    model, today = trained
    X = churn.matrix(today.head(50))

    again = churn.ChurnModel.from_json(model.to_json())

    assert np.allclose(again.predict(X), model.predict(X))


def test_a_file_of_another_kind_is_refused() -> None:
    with pytest.raises(Invalid):
        churn.ChurnModel.from_json('{"format": "something-else"}')


def test_too_little_data_is_refused() -> None:
    with pytest.raises(Invalid):
        churn.fit(np.zeros((10, len(churn.FEATURES))), np.array([0, 1] * 5))


@pytest.mark.parametrize(
    ("topic", "values", "text"),
    [
        (
            "recency",
            {"recency_days": 214.0, "mean_gap_days": 70.0},
            "no order in 214 days, 3× longer than their usual gap of 70 days",
        ),
        ("recency", {"recency_days": 40.0, "mean_gap_days": None}, "no order in 40 days, and only one order so far"),
        ("support", {"open_tickets": 2}, "2 open support tickets"),
        ("sentiment", {"sentiment_mean": -1.0, "sentiment_trend": 0.0}, "what they write is mostly negative"),
        ("frequency", {"orders": 1}, "only one order so far"),
    ],
)
def test_reasons_read_as_sentences_with_the_customers_numbers(topic: str, values: dict[str, object], text: str) -> None:
    assert churn.reason_text(topic, values) == text


def test_expected_calibration_error_weighs_each_bins_gap_by_its_size() -> None:
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    p = np.array([0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.7, 0.7, 0.7, 0.7])

    # 0.3-bin: 6 rows, 2/6 positive; 0.7-bin: 4 rows, all positive.
    assert churn.expected_calibration_error(y, p) == pytest.approx(0.6 * abs(0.3 - 2 / 6) + 0.4 * 0.3)


def test_reasons_left_for_later_match_those_computed_for_one_customer(
    trained: tuple[churn.ChurnModel, pl.DataFrame],
) -> None:
    model, today = trained

    eager = churn.score(model, today)
    lazy = churn.score(model, today, eager_reasons=1)

    assert lazy.filter(pl.col("churn_reasons").is_not_null()).height <= 1
    assert lazy["churn_risk"].to_list() == eager["churn_risk"].to_list()
    quiet = lazy.filter(pl.col("churn_reasons").is_null()).sort("churn_risk").row(-1, named=True)
    features_of = today.filter(pl.col("customer_id") == quiet["customer_id"]).row(0, named=True)
    expected = eager.filter(pl.col("customer_id") == quiet["customer_id"])["churn_reasons"].to_list()[0]
    assert churn.explain_one(model, features_of) == expected
