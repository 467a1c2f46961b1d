"""BG/NBD and Gamma-Gamma on CDNOW: reproduce the published parameters, then forecast the 39-week hold-out.

    .venv/bin/python eval/cdnow_bgnbd.py [--data PATH_TO_CDNOW_DIR]

Data: CDNOW_sample.txt (2,357 customers who first bought in Q1 1997; see shared/datasets/cdnow/PROVENANCE.md).
As in Fader, Hardie & Lee (2005): weekly time units, calibration 1997-01-01..1997-09-30 (39 weeks), hold-out
1997-10-01..1998-06-30 (39 weeks); purchases on the same day count as one. Published parameters: r=0.243,
alpha=4.414, a=0.793, b=2.426 (BG/NBD), and p=6.25, q=3.74, gamma=15.44 (Gamma-Gamma, Fader & Hardie 2013).
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from rapport.analytics import clv

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "cdnow"
START, CALIBRATION_END, HOLDOUT_END = date(1997, 1, 1), date(1997, 9, 30), date(1998, 6, 30)
HOLDOUT_WEEKS = 39.0
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def transactions(path: Path) -> pl.DataFrame:
    """(customer, day, value): one row per customer and purchase day."""
    raw = _read_whitespace(path)
    return (
        raw.with_columns(day=pl.col("date").str.strptime(pl.Date, "%Y%m%d"))
        .group_by("customer", "day")
        .agg(value=pl.col("value").sum())
        .sort("customer", "day")
    )


def _read_whitespace(path: Path) -> pl.DataFrame:
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    return pl.DataFrame(
        {
            "customer": [int(r[1]) for r in rows],
            "date": [r[2] for r in rows],
            "value": [float(r[4]) for r in rows],
        }
    )


def calibration_summary(days: pl.DataFrame) -> pl.DataFrame:
    """(customer, x, t_x, T, repeat_value, holdout) in weeks."""
    weeks = lambda expr: (expr - pl.lit(START)).dt.total_days() / 7.0  # noqa: E731
    calibration = days.filter(pl.col("day") <= CALIBRATION_END)
    first = pl.col("day").min()
    summary = calibration.group_by("customer").agg(
        x=(pl.len() - 1).cast(pl.Float64),
        t_x=weeks(pl.col("day").max()) - weeks(first),
        T=weeks(pl.lit(CALIBRATION_END)) - weeks(first),
        repeat_value=pl.col("value").slice(1).mean(),
    )
    holdout = (
        days.filter((pl.col("day") > CALIBRATION_END) & (pl.col("day") <= HOLDOUT_END))
        .group_by("customer")
        .agg(holdout=pl.len().cast(pl.Float64))
    )
    return (
        summary.join(holdout, on="customer", how="left").with_columns(pl.col("holdout").fill_null(0.0)).sort("customer")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()

    days = transactions(args.data / "CDNOW_sample.txt")
    s = calibration_summary(days)
    x, t_x, T = (s[c].to_numpy() for c in ("x", "t_x", "T"))
    print(
        f"customers {s.height:,}; calibration repeat purchases {int(x.sum()):,}; "
        f"hold-out repeat purchases {int(s['holdout'].sum()):,}"
    )

    started = time.perf_counter()
    model = clv.fit_bgnbd(x, t_x, T)
    fit_s = time.perf_counter() - started
    print(f"\nBG/NBD fit ({fit_s * 1000:.0f} ms), log-likelihood {model.log_likelihood:.2f}")
    print(f"{'param':>6} {'ours':>9} {'published':>10} {'diff':>8}")
    worst = 0.0
    for name, published in PUBLISHED_BGNBD.items():
        ours = getattr(model, name)
        diff = ours / published - 1
        worst = max(worst, abs(diff))
        print(f"{name:>6} {ours:9.4f} {published:10.3f} {diff:+8.2%}")
    print(f"largest relative difference {worst:.2%} ({'within' if worst <= 0.01 else 'OUTSIDE'} 1%)")

    expected = clv.expected_purchases(model, HOLDOUT_WEEKS, x, t_x, T)
    actual = s["holdout"].to_numpy()
    print("\n39-week hold-out, repeat purchases")
    print(
        f"aggregate: predicted {expected.sum():,.0f}, actual {actual.sum():,.0f} "
        f"({expected.sum() / actual.sum() - 1:+.1%})"
    )
    print(
        f"per customer: MAE {np.mean(np.abs(expected - actual)):.3f}, "
        f"RMSE {np.sqrt(np.mean((expected - actual) ** 2)):.3f}, "
        f"Pearson r {np.corrcoef(expected, actual)[0, 1]:.3f}"
    )
    print("\nconditional expectation by calibration frequency (FHL 2005 fig. 4)")
    print(f"{'x':>4} {'customers':>9} {'predicted':>9} {'actual':>7}")
    groups = np.minimum(x, 7).astype(int)
    for k in range(8):
        inside = groups == k
        label = f"{k}+" if k == 7 else str(k)
        print(f"{label:>4} {inside.sum():9d} {expected[inside].mean():9.3f} {actual[inside].mean():7.3f}")

    m = s["repeat_value"].fill_null(float("nan")).to_numpy()
    value = clv.fit_gamma_gamma(x, m)
    print(f"\nGamma-Gamma on {value.customers:,} repeat buyers, log-likelihood {value.log_likelihood:.2f}")
    for name, published in PUBLISHED_GG.items():
        ours = getattr(value, name)
        print(f"{name:>6} {ours:9.4f} {published:10.2f} {ours / published - 1:+8.2%}")
    print(
        f"population mean purchase value ${value.population_mean:.2f}; "
        f"observed mean of repeat buyers ${np.nanmean(m[x > 0]):.2f}"
    )
    print(f"\np_alive: mean {clv.probability_alive(model, x, t_x, T).mean():.3f}")


if __name__ == "__main__":
    main()
