"""Wilson and Newcombe intervals against published values."""

from __future__ import annotations

import pytest

from rapport.marketing.uplift import newcombe, wilson


def test_wilson_matches_newcombe_1998_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 → 0.2553 to 0.3662
    low, high = wilson(81, 263)

    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)


def test_newcombe_difference_matches_the_papers_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 − 48/80 → 0.0524 to 0.3339 (method 10)
    d, low, high = newcombe(56, 70, 48, 80)

    assert round(d, 4) == 0.2
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


@pytest.mark.parametrize(("k1", "n1", "k2", "n2"), [(0, 10, 0, 10), (10, 10, 0, 10), (3, 500, 1, 50)])
def test_intervals_stay_inside_the_possible_range(k1: int, n1: int, k2: int, n2: int) -> None:
    d, low, high = newcombe(k1, n1, k2, n2)

    assert -1 <= low <= d <= high <= 1


def test_empty_groups_say_nothing() -> None:
    assert wilson(0, 0) == (0.0, 1.0)
    assert newcombe(1, 0, 1, 10) == (0.0, -1.0, 1.0)
