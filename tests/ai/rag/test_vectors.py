"""The vector index: exact search below the threshold, the HNSW graph above it, filters, add and remove."""

from __future__ import annotations

import numpy as np
import pytest

from rapport.ai.rag.vectors import VectorIndex


def _unit(rows: int, dimension: int = 16, seed: int = 1) -> np.ndarray:
    data = np.random.default_rng(seed).standard_normal((rows, dimension)).astype(np.float32)
    unit: np.ndarray = data / np.linalg.norm(data, axis=1, keepdims=True)
    return unit


@pytest.mark.parametrize("threshold", [10_000, 50])
def test_search_finds_the_nearest_rows_exactly_or_by_graph(threshold: int) -> None:
    data = _unit(200)
    index = VectorIndex(16, ann_threshold=threshold)
    index.add(list(range(1000, 1200)), data)

    found = index.search(data[17], 3)

    assert index.uses_graph is (threshold == 50)
    assert index.ids[found[0][0]] == 1017
    assert found[0][1] == pytest.approx(1.0, abs=1e-4)
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)


@pytest.mark.parametrize("threshold", [10_000, 50])
def test_a_mask_keeps_only_allowed_rows(threshold: int) -> None:
    data = _unit(120)
    index = VectorIndex(16, ann_threshold=threshold)
    index.add(list(range(120)), data)
    mask = np.array([i % 2 == 1 for i in range(120)])

    found = index.search(data[10], 5, mask=mask)

    assert len(found) == 5
    assert all(index.ids[row] % 2 == 1 for row, _ in found)


def test_removed_and_replaced_rows_are_no_longer_found() -> None:
    data = _unit(10)
    index = VectorIndex(16)
    index.add(list(range(10)), data)

    index.remove([3])
    index.add([4], data[9:10])

    assert len(index) == 9
    assert 3 not in index.ids
    assert index.ids[index.search(data[3], 1)[0][0]] != 3
    assert index.similarities(data[9])[index.row(4)] == pytest.approx(1.0, abs=1e-5)


def test_an_empty_index_finds_nothing() -> None:
    assert VectorIndex(8).search(np.ones(8, dtype=np.float32), 5) == []
