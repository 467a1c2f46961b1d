"""Churn model on IBM's Telco data: 5-fold stratified ROC-AUC and calibration error, with reasons for three customers.

    .venv/bin/python eval/telco_churn.py [--data PATH_TO_CSV] [--no-nested]

The model is the product's own (`rapport.analytics.churn.fit`: LightGBM with cross-fitted isotonic calibration).
Two honest protocols, both on the same outer folds (stratified, shuffled, random_state=42):
- fixed defaults: `churn.DEFAULT_PARAMS`, chosen before looking at this data, never changed for it;
- nested CV: for each outer fold, a 3-fold inner CV on that fold's training part picks one of a small grid of
  settings; the outer test part is never seen by the choice.
A logistic regression on the same encoding is printed for reference (PROVENANCE.md reports 0.845 for it).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from rapport.analytics import churn

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "telco_churn" / "Telco-Customer-Churn.csv"
NUMERIC = ("tenure", "MonthlyCharges", "TotalCharges", "SeniorCitizen")
BINARY = ("Partner", "Dependents", "PhoneService", "PaperlessBilling")
CATEGORICAL = (
    "gender",
    "MultipleLines",
    "InternetService",
    "OnlineSecurity",
    "OnlineBackup",
    "DeviceProtection",
    "TechSupport",
    "StreamingTV",
    "StreamingMovies",
    "Contract",
    "PaymentMethod",
)
GRID: list[dict[str, Any]] = [
    {},  # the defaults
    {"num_leaves": 4, "max_depth": 2, "learning_rate": 0.02, "num_boost_round": 600, "min_data_in_leaf": 50},
    {"num_leaves": 8, "max_depth": 3, "learning_rate": 0.02, "num_boost_round": 400, "min_data_in_leaf": 50},
    {"num_leaves": 4, "max_depth": 2, "learning_rate": 0.01, "num_boost_round": 1200, "lambda_l2": 10.0},
    {"num_leaves": 31, "max_depth": -1, "learning_rate": 0.01, "num_boost_round": 500, "min_data_in_leaf": 50},
]


def encode(path: Path) -> tuple[np.ndarray, np.ndarray, list[str], pl.DataFrame]:
    raw = pl.read_csv(path, infer_schema_length=None, schema_overrides={"TotalCharges": pl.String})
    raw = raw.with_columns(pl.col("TotalCharges").str.strip_chars().replace("", None).cast(pl.Float64))
    columns: dict[str, pl.Series] = {c: raw[c].cast(pl.Float64) for c in NUMERIC}
    columns |= {c: (raw[c] == "Yes").cast(pl.Float64) for c in BINARY}
    for c in CATEGORICAL:
        for level in sorted(raw[c].unique().to_list()):
            columns[f"{c}={level}"] = (raw[c] == level).cast(pl.Float64)
    table = pl.DataFrame(columns)
    y = (raw["Churn"] == "Yes").cast(pl.Int64).to_numpy()
    return table.fill_null(float("nan")).to_numpy(), y, table.columns, raw


def choose(X: np.ndarray, y: np.ndarray, threads: int) -> dict[str, Any]:
    """The grid entry with the best mean inner-CV ROC-AUC of the raw booster."""
    best, best_auc = GRID[0], -1.0
    for entry in GRID:
        params = {**churn.DEFAULT_PARAMS, **entry, "num_threads": threads}
        rounds = int(params.pop("num_boost_round"))
        aucs = []
        for fit, held in StratifiedKFold(3, shuffle=True, random_state=1).split(X, y):
            booster = lgb.train(params, lgb.Dataset(X[fit], label=y[fit]), num_boost_round=rounds)
            aucs.append(roc_auc_score(y[held], booster.predict(X[held])))
        if np.mean(aucs) > best_auc:
            best, best_auc = entry, float(np.mean(aucs))
    return best


def describe(name: str, value: float) -> str:
    if "=" in name:
        column, level = name.split("=", 1)
        return f"{column} is {level}" if value == 1 else f"{column} is not {level}"
    if name == "tenure":
        return f"customer for {value:.0f} months"
    if name in ("MonthlyCharges", "TotalCharges"):
        return f"{name} ${value:,.2f}"
    if name in BINARY or name == "SeniorCitizen":
        return f"{name}: {'yes' if value == 1 else 'no'}"
    return f"{name} = {value:g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--no-nested", action="store_true", help="skip the nested-CV protocol")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    X, y, names, raw = encode(args.data)
    print(f"{len(y):,} customers, churn rate {y.mean():.1%}, {len(names)} features")

    protocols = ["fixed defaults"] + ([] if args.no_nested else ["nested CV"])
    results: dict[str, dict[str, list[float]]] = {p: {"auc": [], "ece": [], "brier": []} for p in protocols}
    results["logistic regression"] = {"auc": [], "ece": [], "brier": []}
    oof = {p: np.zeros(len(y)) for p in results}
    chosen: list[dict[str, Any]] = []
    shown: tuple[churn.ChurnModel, np.ndarray] | None = None
    started = time.perf_counter()
    for fold, (train, test) in enumerate(StratifiedKFold(5, shuffle=True, random_state=42).split(X, y)):
        for protocol in protocols:
            entry = {} if protocol == "fixed defaults" else choose(X[train], y[train], args.threads)
            if protocol == "nested CV":
                chosen.append(entry)
            model = churn.fit(X[train], y[train], {**entry, "num_threads": args.threads})
            model.features = names
            p = model.predict(X[test])
            _record(results[protocol], y[test], p)
            oof[protocol][test] = p
            if protocol == "fixed defaults" and fold == 0:
                shown = (model, test)
        baseline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        filled = np.nan_to_num(X, nan=0.0)
        p = baseline.fit(filled[train], y[train]).predict_proba(filled[test])[:, 1]
        _record(results["logistic regression"], y[test], p)
        oof["logistic regression"][test] = p
    elapsed = time.perf_counter() - started

    print(f"\n5-fold stratified CV (shuffle, random_state=42), {elapsed:.0f} s")
    print(f"{'protocol':<22} {'ROC-AUC':>15} {'ECE':>15} {'Brier':>7} {'pooled AUC':>10} {'pooled ECE':>10}")
    for protocol, r in results.items():
        pooled_auc = roc_auc_score(y, oof[protocol])
        pooled_ece = churn.expected_calibration_error(y, oof[protocol])
        print(
            f"{protocol:<22} {np.mean(r['auc']):.4f} ± {np.std(r['auc']):.4f} {np.mean(r['ece']):.4f} ± "
            f"{np.std(r['ece']):.4f} {np.mean(r['brier']):7.4f} {pooled_auc:10.4f} {pooled_ece:10.4f}"
        )
    if chosen:
        print("nested CV picked, per outer fold:", [GRID.index(c) for c in chosen], "(index into GRID; 0 = defaults)")

    if shown is not None:
        model, test = shown
        _show_reasons(model, X[test], raw[test.tolist()], names)


def _record(r: dict[str, list[float]], y: np.ndarray, p: np.ndarray) -> None:
    r["auc"].append(roc_auc_score(y, p))
    r["ece"].append(churn.expected_calibration_error(y, p))
    r["brier"].append(brier_score_loss(y, p))


def _show_reasons(model: churn.ChurnModel, X: np.ndarray, rows: pl.DataFrame, names: list[str]) -> None:
    risk = model.predict(X)
    contributions = model.contributions(X)
    order = np.argsort(-risk)
    picks = {"highest risk": order[0], "median risk": order[len(order) // 2], "lowest risk": order[-1]}
    print("\nreasons (fold 1 test customers, fixed defaults; TreeSHAP contributions in log-odds)")
    for label, i in picks.items():
        row = rows.row(int(i), named=True)
        print(f"- {row['customerID']} ({label}): churn risk {risk[i]:.0%}, actually churned: {row['Churn']}")
        # The product's rule: only what pushes the risk up by more than a hair counts as a reason.
        top = [j for j in np.argsort(-contributions[i])[:3] if contributions[i, j] > 0.05]
        for j in top:
            print(f"    +{contributions[i, j]:.2f}  {describe(names[j], X[i, j])}")
        if not top:
            low = np.argsort(contributions[i])[:2]
            print(
                "    no reason to worry; what lowers the risk most: "
                + "; ".join(f"{contributions[i, j]:+.2f} {describe(names[j], X[i, j])}" for j in low)
            )


if __name__ == "__main__":
    main()
