"""Cohorts: retention by month of first purchase, and revenue and customers per segment month by month."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from rapport.analytics.features import purchases

# Months as one integer (year * 12 + month - 1): grouping and subtracting integers is much cheaper than dates,
# and the label "YYYY-MM" is written only for the few aggregated rows.
MONTH = pl.col("placed_at").dt.year().cast(pl.Int32) * 12 + pl.col("placed_at").dt.month().cast(pl.Int32) - 1


def retention(orders: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    """(cohort, period, cohort_size, active, retention, revenue): of the customers whose first purchase fell in month
    `cohort`, how many bought again `period` months later (period 0 is the first month itself, so retention 1.0)."""
    bought = purchases(orders, as_of).select("customer_id", "total", month=MONTH)
    first = bought.group_by("customer_id").agg(cohort=pl.col("month").min())
    cells = (
        bought.join(first, on="customer_id")
        .with_columns(period=pl.col("month") - pl.col("cohort"))
        .group_by("cohort", "period")
        .agg(active=pl.col("customer_id").n_unique(), revenue=pl.col("total").sum())
    )
    sizes = first.group_by("cohort").agg(cohort_size=pl.len())
    return (
        cells.join(sizes, on="cohort")
        .with_columns(retention=pl.col("active") / pl.col("cohort_size"))
        .sort("cohort", "period")
        .select(_label("cohort"), "period", "cohort_size", "active", "retention", "revenue")
    )


def by_segment(orders: pl.DataFrame, segments: pl.DataFrame, as_of: datetime, *, column: str) -> pl.DataFrame:
    """(month, segment, customers, orders, revenue) per calendar month, customers grouped by their segment in
    `segments[column]` as of the run (today's segment applied to the past: how today's groups got here)."""
    bought = purchases(orders, as_of).select("customer_id", "total", month=MONTH)
    return (
        bought.join(segments.select("customer_id", segment=pl.col(column)), on="customer_id", how="inner")
        .group_by("month", "segment")
        .agg(customers=pl.col("customer_id").n_unique(), orders=pl.len(), revenue=pl.col("total").sum())
        .sort("month", "segment")
        .select(_label("month"), "segment", "customers", "orders", "revenue")
    )


def _label(column: str) -> pl.Expr:
    index = pl.col(column)
    year, month = (index // 12).cast(pl.String), (index % 12 + 1).cast(pl.String).str.zfill(2)
    return (year + "-" + month).alias(column)
