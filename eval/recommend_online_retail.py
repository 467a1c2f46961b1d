"""Top-10 recommendation on UCI Online Retail with a time split: item-item cosine and ALS against most-popular.

    .venv/bin/python eval/recommend_online_retail.py [--data DIR] [--quick]

Data: shared/datasets/online_retail/online_retail.csv.gz (541,909 rows; see its PROVENANCE.md). Filter: cancellations
(InvoiceNo "C…"), Quantity <= 0, UnitPrice <= 0, rows without CustomerID, and non-product codes are dropped; a
product is a StockCode starting with five digits (which drops POST, D, M, DOT, BANK CHARGES, AMAZONFEE, CRUK, PADS,
gift vouchers, …). A (customer, product) weight is the number of distinct invoices with that product.
Split (time): test = purchases from 2011-11-01 to the end (2011-12-09); training = everything before. Tuning never
sees the test period: hyper-parameters (and the weighting: binary or log(1+invoices)) are chosen on October 2011
(validation) with a model trained on purchases before 2011-10-01; the chosen ones are then refitted on all training.
Protocol: users = customers with a purchase in training and at least one product in the test period they had not
bought in training; each gets a top-10 over products sold in training, never one they bought in training (the same
exclusion for every model, popularity included); relevant = the test-period products they had not bought before.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # implicit's ALS runs its own threads; nested BLAS threads slow it

import numpy as np
import pandas as pd
import scipy.sparse as sp

from rapport.marketing import recommenders as rec

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "online_retail"
TEST_FROM, VALIDATION_FROM = pd.Timestamp("2011-11-01"), pd.Timestamp("2011-10-01")
GOAL_RATIO = 2.0
GRIDS: dict[str, list[dict[str, Any]]] = {
    "item_knn": [
        {"k": k, "shrink": s, "binary": True} for k, s in itertools.product((5, 10, 20, 50, 100), (0.0, 10.0, 50.0))
    ],
    "als": [
        {"factors": f, "regularization": r, "alpha": a, "iterations": 15}
        for f, r, a in itertools.product((16, 32, 64, 128), (0.01, 0.1, 1.0), (0.5, 1.0, 5.0, 20.0))
    ],
}
WEIGHTINGS = ("binary", "log")
VALIDATION: dict[str, float] = {}  # each model's best validation P@10: the recommender is picked by this, not by test


def purchases(data: Path) -> pd.DataFrame:
    """(customer, product, invoice, at) after the filter described above."""
    raw = pd.read_csv(
        data / "online_retail.csv.gz",
        dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": "Int64"},
        usecols=["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"],
    )
    keep = (
        raw["CustomerID"].notna()
        & ~raw["InvoiceNo"].str.startswith("C")
        & (raw["Quantity"] > 0)
        & (raw["UnitPrice"] > 0)
        & raw["StockCode"].str.match(r"^\d{5}")
    )
    rows = raw[keep]
    print(f"rows: {len(raw):,} read, {len(rows):,} kept after the filter")
    return pd.DataFrame(
        {
            "customer": rows["CustomerID"].astype(np.int64),
            "product": rows["StockCode"].str.upper(),
            "invoice": rows["InvoiceNo"],
            "at": pd.to_datetime(rows["InvoiceDate"]),
        }
    )


def matrix(frame: pd.DataFrame, users: dict[int, int], items: dict[str, int], weighting: str) -> sp.csr_matrix:
    """Customers × products of the known ids; weight = distinct invoices (binary: 1, log: log(1+invoices))."""
    known = frame[frame["customer"].isin(users) & frame["product"].isin(items)]
    counts = known.groupby(["customer", "product"])["invoice"].nunique().reset_index()
    values = np.ones(len(counts)) if weighting == "binary" else np.log1p(counts["invoice"].to_numpy())
    return sp.csr_matrix(
        (values, (counts["customer"].map(users).to_numpy(), counts["product"].map(items).to_numpy())),
        shape=(len(users), len(items)),
        dtype=np.float32,
    )


def indexed(train: pd.DataFrame) -> tuple[dict[int, int], dict[str, int]]:
    users = {int(c): i for i, c in enumerate(sorted(train["customer"].unique()))}
    items = {str(p): i for i, p in enumerate(sorted(train["product"].unique()))}
    return users, items


def score_all(
    grids: dict[str, list[dict[str, Any]]], train_frame: pd.DataFrame, test_frame: pd.DataFrame
) -> tuple[dict[str, tuple[str, dict[str, Any]]], list[str]]:
    """Choose each model's weighting and parameters by validation precision@10."""
    users, items = indexed(train_frame)
    held = matrix(test_frame, users, items, "binary")
    best: dict[str, tuple[str, dict[str, Any]]] = {}
    log = []
    for name, grid in grids.items():
        tried = []
        for weighting in WEIGHTINGS if name == "als" else ("binary",):
            train = matrix(train_frame, users, items, weighting)
            for params in grid:
                model = rec.build(name, params)
                model.fit(train)
                tried.append((rec.evaluate(model, train, held)["precision@10"], weighting, params))
        score, weighting, params = max(tried, key=lambda t: t[0])
        best[name] = (weighting, params)
        VALIDATION[name] = score
        log.append(f"  {name:9s} validation P@10 {score:.4f} with {weighting} weights, {params} ({len(tried)} tried)")
        print(log[-1], flush=True)
    return best, log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--quick", action="store_true", help="a small grid (for a smoke run)")
    args = parser.parse_args(argv)
    if not (args.data / "online_retail.csv.gz").is_file():
        print(f"online_retail.csv.gz not found under {args.data}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    frame = purchases(args.data)
    before_test, test_frame = frame[frame["at"] < TEST_FROM], frame[frame["at"] >= TEST_FROM]
    tune_train, validation = (
        before_test[before_test["at"] < VALIDATION_FROM],
        before_test[before_test["at"] >= VALIDATION_FROM],
    )
    print(
        f"training < {TEST_FROM.date()}: {len(before_test):,} lines; test >= {TEST_FROM.date()}: {len(test_frame):,}; "
        f"tuning: train < {VALIDATION_FROM.date()}, validation = October 2011"
    )
    grids = {name: grid[:2] for name, grid in GRIDS.items()} if args.quick else GRIDS
    chosen, _ = score_all(grids, tune_train, validation)

    users, items = indexed(before_test)
    held = matrix(test_frame, users, items, "binary")
    cold = set(test_frame["customer"].unique()) - set(users)
    print(
        f"test: {len(users):,} customers and {len(items):,} products in training; {len(cold):,} test customers are new"
    )
    results: dict[str, dict[str, float]] = {}
    for name, (weighting, params) in {"popularity": ("binary", {}), **chosen}.items():
        train = matrix(before_test, users, items, weighting)
        model = rec.build(name, params)
        model.fit(train)
        results[name] = rec.evaluate(model, train, held)
    base = results["popularity"]["precision@10"]
    print(f"\nusers evaluated: {int(results['popularity']['users']):,}")
    print("| model | precision@10 | recall@10 | NDCG@10 | P@10 / popularity |")
    print("| --- | --- | --- | --- | --- |")
    for name, metrics in results.items():
        ratio = metrics["precision@10"] / base if base else float("nan")
        print(
            f"| {name} | {metrics['precision@10']:.4f} | {metrics['recall@10']:.4f} | {metrics['ndcg@10']:.4f} "
            f"| {ratio:.2f}× |"
        )
    best = max(chosen, key=lambda n: VALIDATION[n])
    ratio = results[best]["precision@10"] / base if base else 0.0
    verdict = "met" if ratio >= GOAL_RATIO else "NOT met"
    print(
        f"\npicked on validation: {best}, at {ratio:.2f}× popularity on P@10 (goal >= {GOAL_RATIO}×: {verdict}); "
        f"chosen {chosen}"
    )
    print(f"time {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
