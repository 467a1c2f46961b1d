"""RFM quintile scores and the named segment grid."""

from __future__ import annotations

import polars as pl

from rapport.analytics import rfm


def test_quintiles_split_ten_customers_into_pairs() -> None:
    frame = pl.DataFrame({"v": list(range(1, 11))})

    scores = frame.select(rfm.quintile(pl.col("v")))["v"].to_list()

    assert scores == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_ties_share_a_score() -> None:
    frame = pl.DataFrame({"v": [1, 1, 1, 1, 1, 1, 2, 3, 4, 5]})

    scores = frame.select(rfm.quintile(pl.col("v")))["v"].to_list()

    assert len(set(scores[:6])) == 1


def test_grid_covers_every_cell_and_all_eleven_segments() -> None:
    assert len(rfm.GRID) == 25
    assert set(rfm.GRID.values()) == set(rfm.SEGMENTS) - {rfm.NO_PURCHASE}
    assert len(set(rfm.GRID.values())) == 11


def test_recent_big_spender_is_a_champion_and_long_gone_small_buyer_is_lost() -> None:
    n = 20
    features = pl.DataFrame(
        {
            "customer_id": list(range(1, n + 1)),
            "recency_days": [float(d) for d in range(1, n + 1)],
            "orders": list(range(n, 0, -1)),
            "monetary": [float(m * 10) for m in range(n, 0, -1)],
        }
    ).vstack(pl.DataFrame({"customer_id": [99], "recency_days": [None], "orders": [0], "monetary": [0.0]}))

    scores = rfm.scores(features)
    by_id = {r["customer_id"]: r for r in scores.iter_rows(named=True)}

    assert by_id[1]["rfm_segment"] == "champions"
    assert by_id[1]["rfm_score"] == "555"
    assert by_id[n]["rfm_segment"] == "lost"
    assert by_id[99]["rfm_segment"] == rfm.NO_PURCHASE
    assert by_id[99]["r_score"] is None


def test_profile_counts_customers_per_segment() -> None:
    features = pl.DataFrame(
        {"customer_id": [1, 2, 3], "recency_days": [1.0, 2.0, None], "orders": [3, 1, 0], "monetary": [30.0, 5.0, 0.0]}
    )

    profile = rfm.profile(features, rfm.scores(features))

    assert profile["customers"].sum() == 3
    assert profile.filter(pl.col("rfm_segment") == rfm.NO_PURCHASE)["customers"].to_list() == [1]
