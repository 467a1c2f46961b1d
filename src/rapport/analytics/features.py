"""Behaviour features per customer as of a date: recency, frequency, money, tenure, gaps, mix, channel, support, mood.

Everything is computed from what was known at `as_of` (orders placed and tickets opened by then, tickets open at
that moment), so the same function builds the training snapshot in the past and today's scoring frame.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from rapport.analytics.frames import Frames

# Orders that did not end in a sale do not count as purchases.
NOT_PURCHASES = ("cancelled", "returned", "refunded", "failed")
SENTIMENT_SCORES = {
    "very_negative": -2.0,
    "negative": -1.0,
    "mixed": 0.0,
    "neutral": 0.0,
    "positive": 1.0,
    "very_positive": 2.0,
}
RECENT_DAYS = 90
YEAR_DAYS = 365
MONTH_DAYS = 30.44

# The numeric features the churn model and the learned segments read.
NUMERIC = (
    "recency_days",
    "orders",
    "monetary",
    "tenure_days",
    "avg_order_value",
    "mean_gap_days",
    "recency_gap_ratio",
    "orders_90d",
    "orders_365d",
    "spend_365d",
    "n_categories",
    "tickets_per_month",
    "open_tickets",
    "sentiment_mean",
    "sentiment_trend",
)


def days_between(later: pl.Expr | datetime, earlier: pl.Expr | datetime) -> pl.Expr:
    """Fractional days from `earlier` to `later`."""
    left = later if isinstance(later, pl.Expr) else pl.lit(later)
    right = earlier if isinstance(earlier, pl.Expr) else pl.lit(earlier)
    return (left - right).dt.total_microseconds() / 86_400e6


def purchases(orders: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    """Orders that count as purchases and were placed by `as_of`."""
    return orders.filter((pl.col("placed_at") <= as_of) & ~pl.col("status").is_in(NOT_PURCHASES))


def behaviour(frames: Frames, as_of: datetime, *, mix: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per customer known at `as_of` (created by then, or with a purchase by then), NUMERIC plus
    `first_order_at`, `last_order_at`, `top_category`, `preferred_channel`, `tickets_total`, `last_contact_days`.
    Pass `mix` (from `category_mix` at the same date) when it is at hand: the line join is the costliest part."""
    known = frames.customers.filter(pl.col("created_at") <= as_of).select("customer_id", "created_at")
    bought = purchases(frames.orders, as_of)
    roster = (
        pl.concat([known.select("customer_id"), bought.select("customer_id").unique()])
        .unique()
        .join(known, on="customer_id", how="left")
    )
    features = (
        roster.join(_orders(bought, as_of), on="customer_id", how="left")
        .join(_channels(bought), on="customer_id", how="left")
        .join(_categories(mix if mix is not None else category_mix(frames, as_of)), on="customer_id", how="left")
        .join(_support(frames, as_of), on="customer_id", how="left")
        .join(_sentiment(frames, as_of), on="customer_id", how="left")
    )
    first_seen = pl.min_horizontal("created_at", "first_order_at")
    return (
        features.with_columns(tenure_days=days_between(as_of, first_seen).clip(lower_bound=0.0))
        .with_columns(
            pl.col("orders", "orders_90d", "orders_365d", "tickets_total", "open_tickets", "n_categories")
            .fill_null(0)
            .cast(pl.Int64),
            pl.col("monetary", "spend_365d").fill_null(0.0),
            tickets_per_month=pl.col("tickets_total").fill_null(0)
            / (pl.col("tenure_days") / MONTH_DAYS).clip(lower_bound=1.0),
            recency_gap_ratio=pl.col("recency_days") / pl.col("mean_gap_days").clip(lower_bound=1.0),
        )
        .drop("created_at")
        .sort("customer_id")
    )


def category_mix(frames: Frames, as_of: datetime) -> pl.DataFrame:
    """Share of each customer's spend per category: (customer_id, category, spend, share), in no particular order."""
    spend = _line_spend(frames, purchases(frames.orders, as_of))
    return (
        spend.group_by("customer_id", "category")
        .agg(spend=pl.col("line_total").sum())
        .with_columns(share=pl.col("spend") / pl.col("spend").sum().over("customer_id"))
    )


def _orders(bought: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    age = days_between(as_of, pl.col("placed_at"))
    return (
        bought.group_by("customer_id")
        .agg(
            orders=pl.len(),
            monetary=pl.col("total").sum(),
            first_order_at=pl.col("placed_at").min(),
            last_order_at=pl.col("placed_at").max(),
            orders_90d=(age <= RECENT_DAYS).sum(),
            orders_365d=(age <= YEAR_DAYS).sum(),
            spend_365d=pl.col("total").filter(age <= YEAR_DAYS).sum(),
        )
        .with_columns(
            recency_days=days_between(as_of, pl.col("last_order_at")),
            avg_order_value=pl.col("monetary") / pl.col("orders"),
            mean_gap_days=pl.when(pl.col("orders") > 1).then(
                days_between(pl.col("last_order_at"), pl.col("first_order_at")) / (pl.col("orders") - 1)
            ),
        )
    )


def _channels(bought: pl.DataFrame) -> pl.DataFrame:
    """The channel a customer orders through most (ties: the one used last)."""
    return (
        bought.group_by("customer_id", "channel")
        .agg(n=pl.len(), last=pl.col("placed_at").max())
        .group_by("customer_id")
        .agg(preferred_channel=pl.col("channel").sort_by("n", "last", descending=[True, True]).first())
    )


def _line_spend(frames: Frames, bought: pl.DataFrame) -> pl.DataFrame:
    return (
        frames.order_lines.join(bought.select("order_id", "customer_id", "placed_at"), on="order_id", how="inner")
        .join(frames.products.select("product_id", "category", "brand"), on="product_id", how="left")
        .with_columns(pl.col("category").fill_null("uncategorised"))
    )


def _categories(mix: pl.DataFrame) -> pl.DataFrame:
    """How many categories a customer bought from, and the one with the most spend (ties: alphabetical)."""
    return mix.group_by("customer_id").agg(
        n_categories=pl.len(),
        top_category=pl.col("category").sort_by("spend", "category", descending=[True, False]).first(),
    )


def _support(frames: Frames, as_of: datetime) -> pl.DataFrame:
    """Tickets opened by `as_of`, and those still open at that moment (resolved later or not at all)."""
    opened = frames.tickets.filter(pl.col("created_at") <= as_of)
    is_open = pl.col("resolved_at").is_null() | (pl.col("resolved_at") > as_of)
    return opened.group_by("customer_id").agg(tickets_total=pl.len(), open_tickets=is_open.sum())


def _sentiment(frames: Frames, as_of: datetime) -> pl.DataFrame:
    """Mean sentiment (-2..2) of what the customer wrote in the last year, its trend (last 90 days minus the 275
    days before) and the days since they last wrote. Review stars stand in where a message has no label."""
    from_tickets = frames.tickets.select(
        "customer_id", at=pl.col("created_at"), score=pl.col("sentiment").replace_strict(SENTIMENT_SCORES, default=None)
    )
    inbound = frames.interactions.filter(pl.col("direction") == "inbound")
    from_messages = inbound.select(
        "customer_id",
        at=pl.col("occurred_at"),
        score=pl.coalesce(
            pl.col("sentiment").replace_strict(SENTIMENT_SCORES, default=None),
            (pl.col("rating").cast(pl.Float64) - 3.0),
        ),
    )
    said = pl.concat([from_tickets, from_messages]).filter(pl.col("at") <= as_of)
    age = days_between(as_of, pl.col("at"))
    scored = said.filter(pl.col("score").is_not_null() & (age <= YEAR_DAYS))
    recent = pl.col("score").filter(age <= RECENT_DAYS).mean()
    earlier = pl.col("score").filter(age > RECENT_DAYS).mean()
    mood = scored.group_by("customer_id").agg(sentiment_mean=pl.col("score").mean(), sentiment_trend=recent - earlier)
    contact = said.group_by("customer_id").agg(last_contact_days=age.min())
    return contact.join(mood, on="customer_id", how="full", coalesce=True)
