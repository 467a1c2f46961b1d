"""RFM: recency, frequency and monetary quintile scores (1-5) and the standard named segments they map to.

Scores are quintiles of each measure's rank among customers with at least one purchase. Ties share a score
(average rank), so two customers with the same history always land in the same segment. Segments come from the
recency score and the mean of the frequency and monetary scores (FM), through the 5x5 grid below: the eleven
segments commonly used in retail RFM practice (champions … lost), each cell assigned exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

NO_PURCHASE = "no_purchase"


@dataclass(frozen=True)
class Segment:
    key: str
    name: str
    description: str
    action: str


SEGMENTS = {
    s.key: s
    for s in (
        Segment(
            "champions", "Champions", "Bought recently, buy often and spend the most.", "Reward them; ask for reviews."
        ),
        Segment("loyal", "Loyal", "Buy regularly and spend well.", "Upsell higher-value products; loyalty offers."),
        Segment(
            "potential_loyalists",
            "Potential loyalists",
            "Recent customers with average frequency.",
            "Membership offer.",
        ),
        Segment("new", "New", "Bought for the first time very recently.", "Onboarding; help them succeed early."),
        Segment("promising", "Promising", "Recent shoppers who have not spent much yet.", "Build brand awareness."),
        Segment(
            "need_attention",
            "Need attention",
            "Middling recency, frequency and spend.",
            "Time-limited, relevant offers.",
        ),
        Segment(
            "about_to_sleep", "About to sleep", "Below-average recency and frequency.", "Reconnect with a reminder."
        ),
        Segment("at_risk", "At risk", "Spent well and often, but long ago.", "Personal win-back messages."),
        Segment("cant_lose", "Can't lose them", "Once the best customers; gone quiet.", "Win them back personally."),
        Segment("hibernating", "Hibernating", "Last bought long ago, few orders, low spend.", "Relevant offers only."),
        Segment("lost", "Lost", "Lowest recency, frequency and spend.", "Revive with a campaign or let go."),
        Segment(NO_PURCHASE, "No purchase yet", "Known customers who have not bought anything.", "Welcome offer."),
    )
}

# GRID[r][fm] for r, fm in 1..5 (index 0 unused): rows are the recency score, columns the FM score.
_ROWS = {
    5: ("new", "potential_loyalists", "potential_loyalists", "champions", "champions"),
    4: ("promising", "potential_loyalists", "loyal", "champions", "champions"),
    3: ("about_to_sleep", "need_attention", "need_attention", "loyal", "loyal"),
    2: ("about_to_sleep", "hibernating", "at_risk", "at_risk", "cant_lose"),
    1: ("lost", "hibernating", "at_risk", "cant_lose", "cant_lose"),
}
GRID = {f"{r}{fm}": key for r, keys in _ROWS.items() for fm, key in enumerate(keys, start=1)}


def quintile(values: pl.Expr, *, higher_is_better: bool = True) -> pl.Expr:
    """1..5 by rank: the top fifth gets 5. Ties get the same score."""
    rank = values.rank("average", descending=not higher_is_better)
    return ((rank - 1) * 5 / values.count()).floor().cast(pl.Int8).clip(0, 4) + 1


def scores(features: pl.DataFrame) -> pl.DataFrame:
    """(customer_id, r_score, f_score, m_score, fm_score, rfm_score, rfm_segment) for every customer in `features`;
    customers without a purchase get null scores and the segment `no_purchase`."""
    bought = features.filter(pl.col("orders") > 0).select("customer_id", "recency_days", "orders", "monetary")
    scored = bought.with_columns(
        r_score=quintile(pl.col("recency_days"), higher_is_better=False),
        f_score=quintile(pl.col("orders")),
        m_score=quintile(pl.col("monetary")),
    ).with_columns(fm_score=((pl.col("f_score") + pl.col("m_score")).cast(pl.Float64) / 2).ceil().cast(pl.Int8))
    cell = pl.col("r_score").cast(pl.String) + pl.col("fm_score").cast(pl.String)
    scored = scored.with_columns(
        rfm_score=pl.col("r_score").cast(pl.String)
        + pl.col("f_score").cast(pl.String)
        + pl.col("m_score").cast(pl.String),
        rfm_segment=cell.replace_strict(GRID),
    ).drop("recency_days", "orders", "monetary")
    return (
        features.select("customer_id")
        .join(scored, on="customer_id", how="left")
        .with_columns(pl.col("rfm_segment").fill_null(NO_PURCHASE))
    )


def profile(features: pl.DataFrame, rfm: pl.DataFrame) -> pl.DataFrame:
    """Per named segment: customers, their share, and median recency, mean orders and mean spend."""
    joined = features.join(rfm.select("customer_id", "rfm_segment"), on="customer_id")
    total = max(joined.height, 1)
    return (
        joined.group_by("rfm_segment")
        .agg(
            customers=pl.len(),
            recency_days_median=pl.col("recency_days").median(),
            orders_mean=pl.col("orders").mean(),
            monetary_mean=pl.col("monetary").mean(),
            monetary_total=pl.col("monetary").sum(),
        )
        .with_columns(share=pl.col("customers") / total)
        .sort("customers", descending=True)
    )
