"""Recommender algorithms over a customer × product matrix: item-item cosine, ALS (implicit), popularity, metrics.

Pure functions and small classes over scipy sparse matrices, shared by `recommend.py` (the CRM's service) and the
offline evaluations in eval/. Every model answers the same three questions: scores for some customers' rows, which of
a customer's items best explains a recommended one (the reason shown), and how to save and load itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from numpy.typing import NDArray

Floats = NDArray[np.float32]


class Recommender(Protocol):
    name: str

    def fit(self, matrix: sp.csr_matrix) -> None: ...
    def scores(self, rows: sp.csr_matrix) -> Floats: ...
    def similar(self, item: int) -> Floats: ...
    def save(self, folder: Path) -> None: ...


def binarise(matrix: sp.csr_matrix) -> sp.csr_matrix:
    out = matrix.copy().astype(np.float32)
    out.data[:] = 1.0
    return out


def _top_k_per_row(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keep the k largest entries of every row (the neighbours an item lends its score to)."""
    matrix = matrix.tocsr()
    rows, cols, vals = [], [], []
    for i in range(matrix.shape[0]):
        start, end = matrix.indptr[i], matrix.indptr[i + 1]
        if start == end:
            continue
        data, idx = matrix.data[start:end], matrix.indices[start:end]
        keep = np.argsort(-data)[:k] if end - start > k else np.arange(end - start)
        rows.append(np.full(len(keep), i))
        cols.append(idx[keep])
        vals.append(data[keep])
    if not rows:
        return sp.csr_matrix(matrix.shape, dtype=np.float32)
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=matrix.shape, dtype=np.float32
    )


class ItemKNN:
    """Item-item cosine over buyers ("customers who bought X also bought Y"). A customer's score for Y is the sum of
    similarities of Y to what they bought, so a customer who bought after the fit is scored without refitting.
    `shrink` damps similarities resting on few common buyers; `k` neighbours are kept per item."""

    name = "item_knn"

    def __init__(self, k: int = 100, shrink: float = 10.0, binary: bool = True) -> None:
        self.k, self.shrink, self.binary = k, shrink, binary
        self.sim = sp.csr_matrix((0, 0), dtype=np.float32)

    def params(self) -> dict[str, Any]:
        return {"k": self.k, "shrink": self.shrink, "binary": self.binary}

    def fit(self, matrix: sp.csr_matrix) -> None:
        x = binarise(matrix) if self.binary else matrix.astype(np.float32)
        co = (x.T @ x).tocsr().astype(np.float32)
        co.setdiag(0)
        co.eliminate_zeros()
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel()).astype(np.float32)
        co = co.tocoo()
        co.data = co.data / (norms[co.row] * norms[co.col] + self.shrink + 1e-9)
        self.sim = _top_k_per_row(co.tocsr(), self.k)

    def scores(self, rows: sp.csr_matrix) -> Floats:
        x = binarise(rows) if self.binary else rows.astype(np.float32)
        return np.asarray((x @ self.sim).todense(), dtype=np.float32)

    def similar(self, item: int) -> Floats:
        # Symmetric by construction before pruning; use the column so "because of X" names an item that lends to Y.
        return np.asarray(self.sim[:, item].todense(), dtype=np.float32).ravel()

    def save(self, folder: Path) -> None:
        sp.save_npz(folder / "item_knn.npz", self.sim)

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any]) -> ItemKNN:
        model = cls(**params)
        model.sim = sp.load_npz(folder / "item_knn.npz").tocsr().astype(np.float32)
        return model


def _one_blas_thread() -> Any:
    """implicit's solver parallelises itself; BLAS threads inside it thrash (its authors' advice: one)."""
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    return threadpool_limits(1, "blas")


class ALS:
    """Implicit-feedback matrix factorisation (Hu, Koren & Volinsky 2008) with the `implicit` library; confidence is
    1 + alpha·weight. A customer's row is folded in (one least-squares solve) so new buyers need no refit."""

    name = "als"

    def __init__(
        self, factors: int = 64, regularization: float = 0.05, alpha: float = 10.0, iterations: int = 15, seed: int = 0
    ) -> None:
        self.factors, self.regularization, self.alpha, self.iterations, self.seed = (
            factors,
            regularization,
            alpha,
            iterations,
            seed,
        )
        self.item_factors: Floats = np.zeros((0, factors), dtype=np.float32)
        self._model: Any = None

    def params(self) -> dict[str, Any]:
        return {
            "factors": self.factors,
            "regularization": self.regularization,
            "alpha": self.alpha,
            "iterations": self.iterations,
            "seed": self.seed,
        }

    def _new_model(self) -> Any:
        from implicit.cpu.als import AlternatingLeastSquares  # type: ignore[import-untyped]  # late: thread pools

        with _one_blas_thread():  # its constructor checks (and warns about) BLAS threads
            return AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=self.alpha,
                iterations=self.iterations,
                random_state=self.seed,
                num_threads=1,
                calculate_training_loss=False,
            )

    def fit(self, matrix: sp.csr_matrix) -> None:
        self._model = self._new_model()
        with _one_blas_thread():
            self._model.fit(matrix.astype(np.float32), show_progress=False)
        self.item_factors = np.asarray(self._model.item_factors, dtype=np.float32)

    def user_vectors(self, rows: sp.csr_matrix) -> Floats:
        if self._model is None:
            self._model = self._new_model()
            self._model.item_factors = self.item_factors
        ids = np.arange(rows.shape[0])
        return np.asarray(self._model.recalculate_user(ids, rows.astype(np.float32)), dtype=np.float32)

    def scores(self, rows: sp.csr_matrix) -> Floats:
        return np.asarray(self.user_vectors(rows) @ self.item_factors.T, dtype=np.float32)

    def similar(self, item: int) -> Floats:
        norms = np.linalg.norm(self.item_factors, axis=1) + 1e-9
        return np.asarray(self.item_factors @ self.item_factors[item] / (norms * norms[item]), dtype=np.float32)

    def save(self, folder: Path) -> None:
        np.save(folder / "als_items.npy", self.item_factors)

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any]) -> ALS:
        model = cls(**params)
        model.item_factors = np.load(folder / "als_items.npy")
        return model


class Popularity:
    """How many customers bought each item: the baseline and the fallback."""

    name = "popularity"

    def __init__(self) -> None:
        self.counts: Floats = np.zeros(0, dtype=np.float32)

    def params(self) -> dict[str, Any]:
        return {}

    def fit(self, matrix: sp.csr_matrix) -> None:
        self.counts = np.asarray(binarise(matrix).sum(axis=0), dtype=np.float32).ravel()

    def scores(self, rows: sp.csr_matrix) -> Floats:
        return np.tile(self.counts, (rows.shape[0], 1))

    def similar(self, item: int) -> Floats:
        return np.zeros_like(self.counts)

    def save(self, folder: Path) -> None:
        np.save(folder / "popularity.npy", self.counts)

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any]) -> Popularity:
        model = cls()
        model.counts = np.load(folder / "popularity.npy")
        return model


MODELS: dict[str, Any] = {"item_knn": ItemKNN, "als": ALS, "popularity": Popularity}


def build(name: str, params: dict[str, Any]) -> Recommender:
    model: Recommender = MODELS[name](**params)
    return model


def save(model: Recommender, folder: Path, meta: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder)
    params = model.params() if hasattr(model, "params") else {}
    (folder / "meta.json").write_text(json.dumps({**meta, "model": model.name, "params": params}, indent=1))


def load(folder: Path) -> tuple[Recommender, dict[str, Any]]:
    meta = json.loads((folder / "meta.json").read_text())
    model: Recommender = MODELS[meta["model"]].load(folder, meta.get("params", {}))
    return model, meta


def top_n(scores: Floats, exclude: Sequence[int] | NDArray[np.int64], n: int) -> NDArray[np.int64]:
    """The n best items of one score row, never one in `exclude` (owned or unavailable)."""
    row = scores.astype(np.float64, copy=True)
    if len(exclude):
        row[np.asarray(exclude, dtype=np.int64)] = -np.inf
    n = min(n, int(np.isfinite(row).sum()))
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    best = np.argpartition(-row, n - 1)[:n]
    return np.asarray(best[np.argsort(-row[best], kind="stable")], dtype=np.int64)


# -- offline metrics --------------------------------------------------------------------------------------------------
def evaluate(
    model: Recommender,
    train: sp.csr_matrix,
    test: sp.csr_matrix,
    *,
    k: int = 10,
    candidates: NDArray[np.bool_] | None = None,
    batch: int = 512,
) -> dict[str, float]:
    """precision@k, recall@k and NDCG@k over the users with at least one test item: top-k among items not in the
    user's training row (and, if given, only `candidates`); relevant = the user's test items not in training."""
    train, test = train.tocsr(), test.tocsr()
    users = np.flatnonzero(np.diff(test.indptr))
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    precision, recall, ndcg = [], [], []
    for start in range(0, len(users), batch):
        chunk = users[start : start + batch]
        scores = model.scores(train[chunk])
        if candidates is not None:
            scores[:, ~candidates] = -np.inf
        for row, user in zip(scores, chunk, strict=True):
            owned = train.indices[train.indptr[user] : train.indptr[user + 1]]
            relevant = set(test.indices[test.indptr[user] : test.indptr[user + 1]].tolist()) - set(owned.tolist())
            if not relevant:
                continue
            ranked = top_n(row, owned, k)
            hits = np.array([item in relevant for item in ranked.tolist()], dtype=np.float64)
            precision.append(hits.sum() / k)
            recall.append(hits.sum() / len(relevant))
            ideal = discounts[: min(len(relevant), k)].sum()
            ndcg.append(float((hits * discounts[: len(hits)]).sum() / ideal))
    return {
        f"precision@{k}": float(np.mean(precision)) if precision else 0.0,
        f"recall@{k}": float(np.mean(recall)) if recall else 0.0,
        f"ndcg@{k}": float(np.mean(ndcg)) if ndcg else 0.0,
        "users": float(len(precision)),
    }
