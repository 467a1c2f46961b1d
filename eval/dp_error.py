"""Error of Rapport's differentially private aggregates against epsilon, on the demo company.

    .venv/bin/python eval/dp_error.py [--customers 5000] [--seed 7] [--runs 200]

Builds (once, cached under data_dir/eval/dp/) the demo company and an analytics run for its RFM segments, then for
epsilon 0.1, 0.5, 1, 2 and 5 releases, `--runs` times each, the customer count by region and the lifetime spend by
RFM segment (clamped to [0, --upper], default 5,000), and reports against the exact values:
- mean absolute error per group (averaged over groups and runs),
- mean relative error, |noisy - true| / true, over groups with true value > 0,
- the theoretical Laplace mean absolute error (scale = sensitivity / epsilon) beside it.
The release function is the one the API and CLI use (`rapport.privacy.dp.release`); no budget is charged here.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from rapport.analytics.models import AnalyticsRun
from rapport.analytics.service import run_analytics
from rapport.cli.db import ensure_default_pipeline
from rapport.demo import generator
from rapport.privacy import dp
from rapport.settings import Settings
from rapport.store import migrate
from rapport.store.engine import make_engine, make_sessionmaker, session_scope

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
EPSILONS = (0.1, 0.5, 1.0, 2.0, 5.0)


def demo_engine(settings: Settings, customers: int, seed: int) -> Engine:
    folder = settings.data_dir / "eval" / "dp"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"demo-{customers}-{seed}-{ANCHOR:%Y%m%d}.db"
    url = f"sqlite:///{path.resolve()}"
    done = path.with_suffix(".ready")
    if not done.exists():
        for stale in folder.glob(path.name + "*"):
            stale.unlink()
        print(f"building the demo company ({customers} customers) in {path} …", flush=True)
        migrate.upgrade(url)
        engine = make_engine(url)
        with session_scope(make_sessionmaker(engine)) as session:
            ensure_default_pipeline(session)
        generator.generate(engine, customers=customers, seed=seed, anchor=ANCHOR)
        print("running analytics for the RFM segments …", flush=True)
        run = run_analytics(engine, settings.model_copy(update={"database_url": url}), as_of=ANCHOR, via="cli")
        if run.status != "succeeded":
            raise SystemExit(f"analytics run failed: {run.error}")
        engine.dispose()
        done.write_text("ok")
    migrate.upgrade(url)
    return make_engine(url)


def measure(
    truth: dict[str, list[float]],
    labels: tuple[str, ...],
    statistic: str,
    bounds: tuple[float, float] | None,
    epsilon: float,
    runs: int,
) -> tuple[float, float]:
    exact = {}
    for label in labels:
        values = truth.get(label, [])
        if statistic == "count":
            exact[label] = float(len(values))
        else:
            assert bounds is not None
            exact[label] = sum(min(max(v, bounds[0]), bounds[1]) for v in values)
    abs_errors: list[float] = []
    rel_errors: list[float] = []
    for _ in range(runs):
        noisy = dp.release(truth, labels=labels, statistic=statistic, epsilon=epsilon, bounds=bounds)
        for label in labels:
            error = abs(noisy[label] - exact[label])
            abs_errors.append(error)
            if exact[label] > 0:
                rel_errors.append(error / exact[label])
    return statistics.fmean(abs_errors), statistics.fmean(rel_errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--upper", type=float, default=5000.0, help="clamping bound of spend per customer")
    args = parser.parse_args()
    settings = Settings()
    engine = demo_engine(settings, args.customers, args.seed)
    with make_sessionmaker(engine)() as session:
        runs_done = session.scalar(select(func.count(AnalyticsRun.id)).where(AnalyticsRun.status == "succeeded"))
        by_region = dp.true_values(session, "region", "spend")
        by_segment = dp.true_values(session, "segment", "spend")
    region_labels = dp._labels("region")
    segment_labels = dp._labels("segment")
    populated_regions = sum(1 for label in region_labels if by_region.get(label))
    populated_segments = sum(1 for label in segment_labels if by_segment.get(label))
    print(f"demo company: {args.customers} customers, seed {args.seed}; analytics runs: {runs_done}")
    print(f"count by region: {len(region_labels)} public labels, {populated_regions} with customers")
    print(
        f"spend by RFM segment, clamped to [0, {args.upper:g}]: {len(segment_labels)} labels, "
        f"{populated_segments} with customers; {args.runs} releases per epsilon\n"
    )
    print(
        f"{'epsilon':>7} | {'count MAE':>9} {'(theory)':>9} {'count MRE':>9} | "
        f"{'spend MAE':>10} {'(theory)':>10} {'spend MRE':>9}"
    )
    started = time.perf_counter()
    for epsilon in EPSILONS:
        count_mae, count_mre = measure(by_region, region_labels, "count", None, epsilon, args.runs)
        spend_mae, spend_mre = measure(by_segment, segment_labels, "sum", (0.0, args.upper), epsilon, args.runs)
        # Discrete Laplace with scale 1/eps (truncated at 0 for counts); continuous Laplace with scale upper/eps.
        print(
            f"{epsilon:>7g} | {count_mae:>9.2f} {1 / epsilon:>9.2f} {count_mre:>9.4f} | "
            f"{spend_mae:>10.1f} {args.upper / epsilon:>10.1f} {spend_mre:>9.4f}"
        )
    print(f"\n{(time.perf_counter() - started):.1f} s for {len(EPSILONS) * args.runs * 2} releases")


if __name__ == "__main__":
    main()
