"""The whole analytics run on 1,000,000 customers and 10,000,000 orders, against a plain pandas RFM.

    .venv/bin/python bench/analytics_scale.py [--customers 1000000] [--orders-per-customer 10]

The frames are generated with numpy (`rapport.analytics.synthetic`) and handed straight to the pipeline: this
measures the computation and bypasses the database (loading 10M orders is the loader's cost, not measured here).
Timed: features, RFM, learned segments, BG/NBD + Gamma-Gamma fit and scoring, churn training (on a 200k sample of
the past snapshot) and scoring with TreeSHAP reasons for every buyer, cohorts. Interests and summaries are left out
(they read text and per-customer records, which synthetic frames do not have). Then the same RFM (recency,
frequency, monetary, quintile scores, named segment) in a straightforward pandas groupby, timed in the same
process, with the ratio.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import polars as pl

from rapport.analytics import features, pipeline, rfm, synthetic
from rapport.analytics.schemas import AnalyticsSettings

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
BUDGET_S = 120.0


def rfm_polars(orders: pl.DataFrame) -> pl.DataFrame:
    """The same RFM as `rfm_pandas`, in Polars: what `rfm.scores` does on the recency/frequency/monetary columns."""
    per = (
        features.purchases(orders, AS_OF)
        .group_by("customer_id")
        .agg(last=pl.col("placed_at").max(), orders=pl.len(), monetary=pl.col("total").sum())
        .with_columns(recency_days=features.days_between(AS_OF, pl.col("last")))
    )
    return rfm.scores(per)


def rfm_pandas(orders: pd.DataFrame) -> pd.DataFrame:
    """What one would write in pandas: filter, groupby-agg, rank into quintiles, map the grid."""
    as_of = pd.Timestamp(AS_OF.replace(tzinfo=None))
    bought = orders[(orders["placed_at"] <= as_of) & ~orders["status"].isin(features.NOT_PURCHASES)]
    per = bought.groupby("customer_id").agg(
        last=("placed_at", "max"), orders=("order_id", "count"), monetary=("total", "sum")
    )
    per["recency_days"] = (as_of - per["last"]).dt.total_seconds() / 86400
    n = len(per)
    for column, name, ascending in (("recency_days", "r", False), ("orders", "f", True), ("monetary", "m", True)):
        rank = per[column].rank(method="average", ascending=ascending)
        per[f"{name}_score"] = (np.floor((rank - 1) * 5 / n).clip(0, 4) + 1).astype(int)
    per["fm_score"] = np.ceil((per["f_score"] + per["m_score"]) / 2).astype(int)
    per["rfm_segment"] = (per["r_score"].astype(str) + per["fm_score"].astype(str)).map(rfm.GRID)
    return per


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders-per-customer", type=float, default=10.0)
    args = parser.parse_args()
    print(f"cores {len(os.sched_getaffinity(0))}, load average {os.getloadavg()[0]:.1f} (other work slows this)")

    started = time.perf_counter()
    frames = synthetic.frames(args.customers, orders_per_customer=args.orders_per_customer, as_of=AS_OF, seed=1)
    print(
        f"generated {frames.customers.height:,} customers, {frames.orders.height:,} orders, "
        f"{frames.order_lines.height:,} order lines, {frames.tickets.height:,} tickets "
        f"in {time.perf_counter() - started:.1f} s (not counted)"
    )

    gc.collect()
    started, cpu_started = time.perf_counter(), time.process_time()
    result = pipeline.compute(frames, AS_OF, AnalyticsSettings(), with_interests=False, with_summaries=False)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    metrics = result.metrics()
    print(
        f"\nwhole run: {total:.1f} s wall ({'within' if total <= BUDGET_S else 'OVER'} the {BUDGET_S:.0f} s budget), "
        f"{cpu:.1f} s CPU on all threads; load average now {os.getloadavg()[0]:.1f}"
    )
    for step, seconds in metrics["timings_s"].items():
        print(f"  {step:<10} {seconds:7.1f} s")
    churn_metrics = metrics["churn_model_metrics"] or {}
    print(
        f"buyers {metrics['buyers']:,}; learned k={metrics['learned_k']}; BG/NBD "
        + ", ".join(f"{k}={v:.3g}" for k, v in (metrics["bgnbd"] or {}).items() if k in ("r", "alpha", "a", "b"))
        + f"; churn out-of-fold ROC-AUC {churn_metrics.get('roc_auc', float('nan')):.3f}, "
        f"ECE {churn_metrics.get('ece', float('nan')):.3f}"
    )
    assert result.churn_scores is not None
    with_reasons = result.churn_scores.filter(pl.col("churn_reasons").list.len() > 0).height  # null: on reading
    print(f"churn risk for {result.churn_scores.height:,} buyers, {with_reasons:,} with at least one reason")
    if metrics["notes"]:
        print("notes:", metrics["notes"])

    orders = pd.DataFrame(
        {
            "order_id": frames.orders["order_id"].to_numpy(),
            "customer_id": frames.orders["customer_id"].to_numpy(),
            "placed_at": frames.orders["placed_at"].dt.replace_time_zone(None).to_numpy(),
            "status": frames.orders["status"].to_numpy(),
            "total": frames.orders["total"].to_numpy(),
        }
    )
    gc.collect()
    started, cpu_started = time.perf_counter(), time.process_time()
    ours = rfm_polars(frames.orders)
    polars_s, polars_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    gc.collect()
    started, cpu_started = time.perf_counter(), time.process_time()
    theirs = rfm_pandas(orders)
    pandas_s, pandas_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    agree = ours.filter(pl.col("rfm_segment") != rfm.NO_PURCHASE).sort("customer_id")["rfm_segment"].to_list()
    same = np.mean(np.array(agree) == theirs.sort_index()["rfm_segment"].to_numpy())
    print(
        f"\nRFM (recency, frequency, monetary, quintile scores, segment) on {frames.orders.height:,} orders: "
        f"polars {polars_s:.2f} s ({polars_cpu:.2f} s CPU), pandas groupby {pandas_s:.2f} s ({pandas_cpu:.2f} s CPU); "
        f"pandas/polars = {pandas_s / polars_s:.1f}x wall; same segment for {same:.2%} of buyers"
    )


if __name__ == "__main__":
    main()
