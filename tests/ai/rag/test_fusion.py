"""Weighted reciprocal rank fusion and the identifier test that shifts weight to keywords."""

from __future__ import annotations

import pytest

from rapport.ai.rag.fusion import has_identifier, rrf


def test_rrf_adds_weighted_reciprocal_ranks() -> None:
    fused = rrf({"bm25": [1, 2], "dense": [2, 3]}, {"bm25": 0.5, "dense": 1.0}, k=10)

    assert fused[2] == pytest.approx(0.5 / 12 + 1.0 / 11)
    assert fused[1] == pytest.approx(0.5 / 11)
    assert fused[3] == pytest.approx(1.0 / 12)
    assert max(fused, key=lambda item: fused[item]) == 2


def test_a_zero_weight_ignores_a_ranking() -> None:
    assert rrf({"bm25": [1], "dense": [2]}, {"bm25": 0.0, "dense": 1.0}, k=60) == {2: pytest.approx(1 / 61)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("what does E-402 mean", True),
        ("order 10023", True),
        ("SKU HB2041", True),
        ("how do refunds work", False),
        ("I waited 3 days", False),
    ],
)
def test_identifiers_are_recognised(query: str, expected: bool) -> None:
    assert has_identifier(query) is expected
