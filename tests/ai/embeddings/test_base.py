"""base: normalising, batching and length ordering shared by the embedders."""

from __future__ import annotations

import numpy as np

from rapport.ai.embeddings.base import batches, by_length, normalise


def test_normalise_scales_rows_to_unit_length_and_keeps_zero_rows_zero() -> None:
    vectors = np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float64)

    normalised = normalise(vectors)

    assert normalised.dtype == np.float32
    assert normalised.tolist() == [[0.6000000238418579, 0.800000011920929], [0.0, 0.0]]


def test_batches_cover_every_item_once_in_order() -> None:
    assert [list(batch) for batch in batches([1, 2, 3, 4, 5], 2)] == [[1, 2], [3, 4], [5]]


def test_by_length_orders_indices_longest_first() -> None:
    assert by_length(["ab", "abcd", "", "abc"]) == [1, 3, 0, 2]
