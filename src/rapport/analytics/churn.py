"""Churn risk: a calibrated LightGBM model on behaviour features, trained on a past snapshot, with reasons in words.

Churn is "no purchase in the next `churn_days`". Training takes the features as they were `churn_days` ago and labels
each customer who had bought by then with what happened since; scoring applies the model to today's features.

Calibration is cross-fitted isotonic regression: out-of-fold scores of K boosters fit the map from raw score to
probability, and one booster trained on all rows is what gets deployed (scikit-learn's CalibratedClassifierCV with
ensemble=False does the same). One booster means the reasons are exact TreeSHAP contributions (LightGBM
`pred_contrib=True`), in log-odds, grouped by topic and rendered as sentences with the customer's own numbers.
The model is stored as JSON (LightGBM's text model plus the isotonic map): nothing is unpickled when it loads.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl
from numpy.typing import NDArray
from sklearn.isotonic import IsotonicRegression  # type: ignore[import-untyped]
from sklearn.metrics import brier_score_loss, roc_auc_score  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

from rapport.analytics import features as behaviour
from rapport.analytics.frames import Frames
from rapport.errors import Invalid

FEATURES = behaviour.NUMERIC
# Fixed defaults, chosen once and never tuned on the data they are scored on: small trees, slow learning.
DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "max_depth": 5,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_boost_round": 200,
    "verbose": -1,
    "num_threads": 2,
    "seed": 7,
    "deterministic": True,
    "force_row_wise": True,
}
MIN_ROWS = 40
FOLDS = 4
# TreeSHAP costs ~100 µs a customer: beyond this many, reasons are computed for the riskiest at run time and for
# the rest when someone reads them (service.insight_for), from the stored features and model file.
EAGER_REASONS = 10_000
# A topic is a reason only when it raises the log-odds by more than this (about a 1 % change in the middle).
MIN_REASON_WEIGHT = 0.05
MIN_PER_CLASS = 8

# Features that tell one story share a sentence: their contributions are added up per topic.
TOPICS = {
    "recency": ("recency_days", "recency_gap_ratio", "mean_gap_days"),
    "frequency": ("orders", "orders_90d", "orders_365d"),
    "spend": ("monetary", "spend_365d", "avg_order_value"),
    "support": ("tickets_per_month", "open_tickets"),
    "sentiment": ("sentiment_mean", "sentiment_trend"),
    "tenure": ("tenure_days",),
    "breadth": ("n_categories",),
}

Matrix = NDArray[np.float64]
REASONS = pl.List(pl.Struct({"topic": pl.String, "weight": pl.Float64, "text": pl.String}))


@dataclass
class ChurnModel:
    booster_text: str
    calibration_x: list[float]
    calibration_y: list[float]
    features: list[str]
    params: dict[str, Any]
    metrics: dict[str, Any] = field(default_factory=dict)
    _booster: lgb.Booster | None = field(default=None, repr=False, compare=False)

    @property
    def booster(self) -> lgb.Booster:
        if self._booster is None:
            self._booster = lgb.Booster(model_str=self.booster_text)
        return self._booster

    def raw(self, X: Matrix) -> Matrix:
        result: Matrix = np.asarray(self.booster.predict(X), dtype=np.float64)
        return result

    def predict(self, X: Matrix) -> Matrix:
        """Calibrated probability of churn, kept within 1-99 %: isotonic regression maps the few most extreme scores
        to exactly 0 or 1, and no customer's future is certain."""
        result: Matrix = np.clip(np.interp(self.raw(X), self.calibration_x, self.calibration_y), 0.01, 0.99)
        return result

    def contributions(self, X: Matrix) -> Matrix:
        """TreeSHAP contributions in log-odds, one column per feature (the bias column dropped)."""
        result: Matrix = np.asarray(self.booster.predict(X, pred_contrib=True), dtype=np.float64)[:, :-1]
        return result

    def to_json(self) -> str:
        data = {
            "format": "rapport.churn.v1",
            "features": self.features,
            "params": self.params,
            "metrics": self.metrics,
            "calibration": {"x": self.calibration_x, "y": self.calibration_y},
            "booster": self.booster_text,
        }
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> ChurnModel:
        data = json.loads(text)
        if data.get("format") != "rapport.churn.v1":
            raise Invalid("not a Rapport churn model file (format rapport.churn.v1)")
        return cls(
            booster_text=data["booster"],
            calibration_x=data["calibration"]["x"],
            calibration_y=data["calibration"]["y"],
            features=data["features"],
            params=data["params"],
            metrics=data["metrics"],
        )


def matrix(features: pl.DataFrame, names: list[str] | tuple[str, ...] = FEATURES) -> Matrix:
    """The model's input: the named columns as float64, nulls as NaN (LightGBM treats them as missing)."""
    return features.select(pl.col(n).cast(pl.Float64) for n in names).fill_null(float("nan")).to_numpy()


def training_set(
    frames: Frames, as_of: datetime, churn_days: int, *, sample: int | None = None, seed: int = 0
) -> pl.DataFrame:
    """Features at `as_of - churn_days` for customers who had bought by then, with `churned` = no purchase since;
    at most `sample` customers, drawn at random before any feature is computed."""
    snapshot = as_of - timedelta(days=churn_days)
    if sample is not None:
        earlier = behaviour.purchases(frames.orders, snapshot).select("customer_id").unique()
        if earlier.height > sample:
            frames = frames.only(earlier.sample(n=sample, seed=seed)["customer_id"])
    past = behaviour.behaviour(frames, snapshot).filter(pl.col("orders") > 0)
    later = behaviour.purchases(frames.orders, as_of).filter(pl.col("placed_at") > snapshot)
    returned = later.select("customer_id").unique().with_columns(returned=pl.lit(True))
    return past.join(returned, on="customer_id", how="left").with_columns(
        churned=pl.col("returned").is_null().cast(pl.Int8)
    )


def trainable(labels: NDArray[Any]) -> bool:
    positives = int(np.sum(labels))
    return len(labels) >= MIN_ROWS and min(positives, len(labels) - positives) >= MIN_PER_CLASS


def fit(X: Matrix, y: NDArray[Any], params: dict[str, Any] | None = None, *, folds: int = FOLDS) -> ChurnModel:
    """A booster on all rows plus an isotonic map fitted on out-of-fold scores, with out-of-fold metrics.

    The metrics cost no extra training: ROC-AUC ranks the out-of-fold raw scores; Brier and ECE use probabilities
    calibrated fold by fold by an isotonic map fitted on the other folds' scores, so no row is scored by a booster
    or a calibration that saw it (they describe a model trained on (folds-1)/folds of the rows: slightly pessimistic).
    """
    if not trainable(y):
        raise Invalid(f"churn training needs {MIN_ROWS}+ customers and {MIN_PER_CLASS}+ of each outcome")
    params = {**DEFAULT_PARAMS, **(params or {})}
    params["min_data_in_leaf"] = min(int(params["min_data_in_leaf"]), max(2, len(y) // 50))
    rounds = int(params.pop("num_boost_round"))
    k = max(2, min(folds, int(min(np.sum(y), len(y) - np.sum(y)))))
    oof = np.zeros(len(y), dtype=np.float64)
    fold_of = np.zeros(len(y), dtype=np.int64)
    splits = StratifiedKFold(n_splits=k, shuffle=True, random_state=int(params["seed"])).split(X, y)
    for fold, (train, held) in enumerate(splits):
        booster = lgb.train(params, lgb.Dataset(X[train], label=y[train]), num_boost_round=rounds)
        oof[held], fold_of[held] = booster.predict(X[held]), fold
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(oof, y)
    final = lgb.train(params, lgb.Dataset(X, label=y), num_boost_round=rounds)
    calibrated = np.zeros(len(y), dtype=np.float64)
    for fold in range(k):
        inside = fold_of == fold
        others = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(oof[~inside], y[~inside])
        calibrated[inside] = others.predict(oof[inside])
    metrics = {
        "rows": len(y),
        "churn_rate": float(np.mean(y)),
        "roc_auc": float(roc_auc_score(y, oof)),
        "brier": float(brier_score_loss(y, calibrated)),
        "ece": float(expected_calibration_error(y, calibrated)),
        "evaluated_on": f"{k}-fold out-of-fold",
    }
    return ChurnModel(
        booster_text=final.model_to_string(),
        calibration_x=[float(v) for v in iso.X_thresholds_],
        calibration_y=[float(v) for v in iso.y_thresholds_],
        features=list(FEATURES),
        params={**params, "num_boost_round": rounds, "calibration_folds": k},
        metrics=metrics,
    )


def train(training: pl.DataFrame, params: dict[str, Any] | None = None) -> ChurnModel:
    """`fit` on a training set from `training_set` (its FEATURES and `churned`)."""
    return fit(matrix(training), training["churned"].to_numpy().astype(np.int64), params)


def expected_calibration_error(y: NDArray[Any], p: Matrix, bins: int = 10) -> float:
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            total += inside.mean() * abs(float(np.mean(p[inside])) - float(np.mean(y[inside])))
    return total


def score(
    model: ChurnModel, features: pl.DataFrame, *, reasons: int = 3, eager_reasons: int = EAGER_REASONS
) -> pl.DataFrame:
    """(customer_id, churn_risk, churn_reasons) for customers with at least one purchase; reasons are the topics that
    push the risk up most, each {"topic", "weight" (log-odds), "text"}, for the `eager_reasons` riskiest customers
    (the others get an empty list here and their reasons on reading, see `explain_one`)."""
    buyers = features.filter(pl.col("orders") > 0)
    if buyers.is_empty():
        return pl.DataFrame(schema={"customer_id": pl.Int64, "churn_risk": pl.Float64, "churn_reasons": REASONS})
    X = matrix(buyers, model.features)
    risk = model.predict(X)
    chosen = np.argsort(-risk, kind="stable")[:eager_reasons]
    rows = buyers[chosen.tolist()]
    explained = explain(rows, model.contributions(X[chosen]), model.features, top=reasons) if len(chosen) else []
    scored = pl.DataFrame({"customer_id": buyers["customer_id"], "churn_risk": risk})
    return scored.join(reasons_frame(rows["customer_id"], explained), on="customer_id", how="left")


def reasons_frame(customer_ids: pl.Series, reasons: list[list[dict[str, Any]]]) -> pl.DataFrame:
    """(customer_id, churn_reasons) from per-customer lists; built from one flat frame, because Polars builds a
    list-of-struct column from a million Python lists a hundred times slower. Customers without reasons are absent
    (a left join gives them null, read as no reasons)."""
    flat = [
        (cid, reason["topic"], reason["weight"], reason["text"])
        for cid, listed in zip(customer_ids.to_list(), reasons, strict=True)
        for reason in listed
    ]
    schema = {"customer_id": pl.Int64, "topic": pl.String, "weight": pl.Float64, "text": pl.String}
    long = pl.DataFrame(flat, schema=schema, orient="row")
    return long.group_by("customer_id", maintain_order=True).agg(churn_reasons=pl.struct("topic", "weight", "text"))


def explain_one(model: ChurnModel, features: dict[str, Any], *, top: int = 3) -> list[dict[str, Any]]:
    """Reasons for one customer from their stored features (as in an insight's `features`)."""
    row = pl.DataFrame([{name: features.get(name) for name in FEATURES}], schema=dict.fromkeys(FEATURES, pl.Float64))
    return explain(row, model.contributions(matrix(row, model.features)), model.features, top=top)[0]


def explain(rows: pl.DataFrame, contributions: Matrix, names: list[str], *, top: int = 3) -> list[list[dict[str, Any]]]:
    """Per row, the `top` topics with the largest positive summed contribution, as sentences."""
    index = {name: i for i, name in enumerate(names)}
    topics = [(topic, [index[f] for f in members if f in index]) for topic, members in TOPICS.items()]
    by_topic = np.column_stack([contributions[:, cols].sum(axis=1) for _, cols in topics])
    order = np.argsort(-by_topic, axis=1)[:, :top]
    records = rows.select(FEATURES).to_dicts()
    explained = []
    for i, record in enumerate(records):
        reasons = []
        for j in order[i]:
            weight = float(by_topic[i, j])
            if weight <= MIN_REASON_WEIGHT:
                break
            topic = topics[j][0]
            reasons.append({"topic": topic, "weight": round(weight, 3), "text": reason_text(topic, record)})
        explained.append(reasons)
    return explained


def reason_text(topic: str, f: dict[str, Any]) -> str:
    """One sentence about `topic` with this customer's own numbers."""
    if topic == "recency":
        recency, gap = f.get("recency_days"), f.get("mean_gap_days")
        if recency is None:
            return "no purchase yet"
        if gap and gap > 0:
            ratio = recency / gap
            times = f"{ratio:.0f}×" if ratio >= 2 else f"{ratio:.1f}×"
            if ratio >= 1.2:
                return f"no order in {recency:.0f} days, {times} longer than their usual gap of {gap:.0f} days"
            return f"last order {recency:.0f} days ago, about their usual gap of {gap:.0f} days"
        return f"no order in {recency:.0f} days, and only one order so far"
    if topic == "frequency":
        if f.get("orders") == 1:
            return "only one order so far"
        year, quarter = int(f.get("orders_365d") or 0), int(f.get("orders_90d") or 0)
        return f"{year} orders in the last 12 months ({quarter} in the last 90 days)"
    if topic == "spend":
        return f"spent {_money(f.get('monetary'))} in total, {_money(f.get('avg_order_value'))} per order"
    if topic == "support":
        open_tickets = int(f.get("open_tickets") or 0)
        if open_tickets:
            return f"{open_tickets} open support ticket{'s' if open_tickets > 1 else ''}"
        return f"{(f.get('tickets_per_month') or 0.0):.1f} support tickets a month"
    if topic == "sentiment":
        mean, trend = f.get("sentiment_mean"), f.get("sentiment_trend")
        if trend is not None and trend <= -0.5:
            return "what they write has turned more negative lately"
        if mean is not None and mean < -0.25:
            return "what they write is mostly negative"
        if mean is None:
            return "nothing they wrote to go on"
        return f"sentiment of their messages {mean:+.1f} on a -2..2 scale"
    if topic == "tenure":
        days = f.get("tenure_days") or 0.0
        if days < 120:
            return f"a customer for only {days:.0f} days"
        return f"a customer for {days / 365:.1f} years"
    if topic == "breadth":
        n = int(f.get("n_categories") or 0)
        return "buys from one category only" if n <= 1 else f"buys from {n} categories"
    return topic


def fallback_reasons(features: pl.DataFrame) -> list[list[dict[str, Any]]]:
    """Reasons when no model could be trained: the recency story, which is what the BG/NBD fallback reads."""
    return [
        [{"topic": "recency", "weight": None, "text": reason_text("recency", record)}]
        for record in features.select(FEATURES).to_dicts()
    ]


def _money(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "$0"
    return f"${value:,.0f}"
