"""Top-10 recommendation on MovieLens 100K, u1-u5 folds: item-item cosine and ALS against most-popular.

    .venv/bin/python eval/recommend_movielens.py [--data DIR] [--quick]

Data: shared/datasets/movielens_100k (u.data; see its PROVENANCE.md). The u1..u5 files are not in that folder, so they
are rebuilt here exactly as the dataset's mku.sh does: fold k tests rows (k-1)*20000+1 .. k*20000 of u.data in file
order and trains on the other 80,000 rows.
Protocol (as in Microsoft Recommenders' benchmark): ratings are implicit (every rated movie is a positive, the rating
value is ignored); each user in the test fold gets a top-10 over the movies they did not rate in the training fold;
relevant = their test-fold movies. precision@10, recall@10, NDCG@10 averaged over users, then over the five folds.
Hyper-parameters are chosen on a validation carve of fold 1's TRAINING rows only (a seeded random 20%); the test
folds are never looked at while choosing. Published P@10 (their stratified 75/25 split): SAR 0.331, BPR 0.388.
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
import scipy.sparse as sp

from rapport.marketing import recommenders as rec

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "movielens_100k"
PUBLISHED = {"SAR (Recommenders)": 0.331, "BPR (Recommenders, cornac)": 0.388}
GOAL = 0.35
VALIDATION: dict[str, float] = {}  # each model's best validation P@10: the recommender is picked by this, not by test
GRIDS: dict[str, list[dict[str, Any]]] = {
    "item_knn": [
        {"k": k, "shrink": s, "binary": True} for k, s in itertools.product((10, 20, 50, 100, 200), (0.0, 10.0, 50.0))
    ],
    "als": [
        {"factors": f, "regularization": r, "alpha": a, "iterations": 15}
        for f, r, a in itertools.product((8, 16, 32, 64), (0.1, 1.0, 5.0, 20.0), (0.5, 1.0, 5.0))
    ],
}


def ratings(data: Path) -> np.ndarray:
    """u.data as an (N, 2) array of 0-based (user, item), in file order."""
    raw = np.loadtxt(data / "u.data", dtype=np.int64, usecols=(0, 1))
    return raw - 1


def matrix(pairs: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    ones = np.ones(len(pairs), dtype=np.float32)
    out = sp.csr_matrix((ones, (pairs[:, 0], pairs[:, 1])), shape=shape, dtype=np.float32)
    out.data[:] = 1.0
    return out


def folds(pairs: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(base, test) for u1..u5, as mku.sh builds them (order within a fold does not matter here)."""
    out = []
    for k in range(1, 6):
        test = np.zeros(len(pairs), dtype=bool)
        test[(k - 1) * 20000 : k * 20000] = True
        out.append((pairs[~test], pairs[test]))
    return out


def tune(base: np.ndarray, shape: tuple[int, int], grids: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The best parameters per model on a seeded 20% validation carve of fold 1's training rows."""
    rng = np.random.default_rng(11)
    held = rng.random(len(base)) < 0.2
    train, val = matrix(base[~held], shape), matrix(base[held], shape)
    best: dict[str, Any] = {}
    for name, grid in grids.items():
        tried = []
        for params in grid:
            model = rec.build(name, params)
            model.fit(train)
            tried.append((rec.evaluate(model, train, val)["precision@10"], params))
        score, params = max(tried, key=lambda t: t[0])
        best[name] = params
        VALIDATION[name] = score
        print(f"  {name:9s} validation P@10 {score:.4f} with {params} ({len(grid)} tried)", flush=True)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--quick", action="store_true", help="a small grid (for a smoke run)")
    args = parser.parse_args(argv)
    if not (args.data / "u.data").is_file():
        print(f"u.data not found under {args.data}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    pairs = ratings(args.data)
    shape = (int(pairs[:, 0].max()) + 1, int(pairs[:, 1].max()) + 1)
    splits = folds(pairs)
    grids = {name: grid[:2] for name, grid in GRIDS.items()} if args.quick else GRIDS
    print(f"MovieLens 100K: {len(pairs):,} ratings, {shape[0]} users, {shape[1]} items; u1-u5 rebuilt from u.data")
    print("tuning on a 20% carve of u1.base (never a test fold):")
    chosen = tune(splits[0][0], shape, grids)
    models = ["popularity", *chosen]
    per_fold: dict[str, list[dict[str, float]]] = {name: [] for name in models}
    for k, (base, test) in enumerate(splits, start=1):
        train, held = matrix(base, shape), matrix(test, shape)
        for name in models:
            model = rec.build(name, chosen.get(name, {}))
            model.fit(train)
            per_fold[name].append(rec.evaluate(model, train, held))
        line = "  ".join(f"{n} {per_fold[n][-1]['precision@10']:.4f}" for n in models)
        print(f"  u{k}: P@10 {line}  ({int(per_fold['popularity'][-1]['users'])} users)", flush=True)
    print()
    print("| model | precision@10 | recall@10 | NDCG@10 | per-fold P@10 |")
    print("| --- | --- | --- | --- | --- |")
    for name in models:
        rows = per_fold[name]
        mean = {m: float(np.mean([r[m] for r in rows])) for m in ("precision@10", "recall@10", "ndcg@10")}
        folds_p = " ".join(f"{r['precision@10']:.3f}" for r in rows)
        print(f"| {name} | {mean['precision@10']:.4f} | {mean['recall@10']:.4f} | {mean['ndcg@10']:.4f} | {folds_p} |")
    for label, value in PUBLISHED.items():
        print(f"| {label}, published | {value:.3f} | | | |")
    best = max(chosen, key=lambda n: VALIDATION[n])
    best_p = float(np.mean([r["precision@10"] for r in per_fold[best]]))
    verdict = "met" if best_p >= GOAL else "NOT met"
    print(f"\npicked on validation: {best}, P@10 {best_p:.4f} (goal >= {GOAL}: {verdict}); chosen {chosen}")
    print(f"time {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
