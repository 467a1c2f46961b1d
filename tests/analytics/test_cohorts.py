"""Cohort retention by first-purchase month, and revenue per segment per month."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from rapport.analytics import cohorts
from tests.analytics.conftest import frames_of

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def _at(month: int, day: int = 10) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC)


def test_retention_counts_returning_customers_by_months_since_their_first_purchase() -> None:
    frames = frames_of(
        orders=[
            {"customer_id": 1, "placed_at": _at(1), "total": 10.0},
            {"customer_id": 2, "placed_at": _at(1, 20), "total": 20.0},
            {"customer_id": 1, "placed_at": _at(3), "total": 30.0},
            {"customer_id": 3, "placed_at": _at(2), "total": 5.0},
        ]
    )

    matrix = cohorts.retention(frames.orders, AS_OF)
    cells = {(r["cohort"], r["period"]): r for r in matrix.iter_rows(named=True)}

    assert cells[("2026-01", 0)]["retention"] == 1.0
    assert cells[("2026-01", 0)]["cohort_size"] == 2
    assert cells[("2026-01", 2)]["retention"] == 0.5
    assert cells[("2026-01", 2)]["revenue"] == pytest.approx(30.0)
    assert ("2026-01", 1) not in cells
    assert cells[("2026-02", 0)]["active"] == 1


def test_revenue_by_segment_per_month() -> None:
    frames = frames_of(
        orders=[
            {"customer_id": 1, "placed_at": _at(1), "total": 10.0},
            {"customer_id": 2, "placed_at": _at(1), "total": 20.0},
            {"customer_id": 2, "placed_at": _at(2), "total": 5.0},
        ]
    )
    segments = pl.DataFrame({"customer_id": [1, 2], "rfm_segment": ["lost", "champions"]})

    trend = cohorts.by_segment(frames.orders, segments, AS_OF, column="rfm_segment")

    assert trend.rows() == [
        ("2026-01", "champions", 1, 1, 20.0),
        ("2026-01", "lost", 1, 1, 10.0),
        ("2026-02", "champions", 1, 1, 5.0),
    ]
