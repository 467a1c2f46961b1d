"""Interests: each customer's affinity to categories, brands and products, from what they bought and what they wrote.

Purchases weigh by spend with an exponential decay (half-life `half_life_days`), so last month's order counts more
than one from three years ago. Text is matched by keywords for now: a customer's inbound messages and reviews that
name a category, brand or product (English or Chinese product name) add to that item; a review of a product counts
as a mention of it. TODO(#7): replace keyword matching with embeddings once the embedding provider lands.
Scores per customer and kind sum to 1 within each source; the combined score weighs purchases 1 and text 0.5.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

import polars as pl

from rapport.analytics.features import days_between, purchases
from rapport.analytics.frames import Frames

KINDS = ("category", "brand", "product")
TEXT_WEIGHT = 0.5
MIN_KEYWORD_LENGTH = 3


def from_purchases(frames: Frames, as_of: datetime, *, half_life_days: float = 180.0) -> pl.DataFrame:
    """(customer_id, kind, key, score) from recency-weighted spend; scores sum to 1 per customer and kind."""
    decay = (-math.log(2) / half_life_days * days_between(as_of, pl.col("placed_at"))).exp()
    lines = (
        frames.order_lines.join(
            purchases(frames.orders, as_of).select("order_id", "customer_id", "placed_at"), on="order_id"
        )
        .join(frames.products, on="product_id", how="left")
        .with_columns(weight=pl.col("line_total").clip(lower_bound=0.0) * decay)
    )
    return _normalised(_by_kind(lines))


def from_text(frames: Frames, as_of: datetime, *, half_life_days: float = 180.0) -> pl.DataFrame:
    """(customer_id, kind, key, score) from keyword mentions in inbound messages and reviews."""
    said = frames.interactions.filter((pl.col("direction") == "inbound") & (pl.col("occurred_at") <= as_of))
    if said.is_empty() or frames.products.is_empty():
        return _empty()
    decay = (-math.log(2) / half_life_days * days_between(as_of, pl.col("occurred_at"))).exp()
    said = said.with_columns(weight=decay)
    vocabulary = _vocabulary(frames.products)
    words = vocabulary["word"].unique().sort(descending=True).to_list()
    # Longest first, so "Acme Phone Case" wins over "Phone"; Latin words match whole words only.
    pattern = "|".join(
        rf"\b{re.escape(w)}\b" if w.isascii() else re.escape(w) for w in sorted(words, key=len, reverse=True)
    )
    found = (
        said.select(
            "customer_id", "weight", word=pl.col("body").fill_null("").str.to_lowercase().str.extract_all(pattern)
        )
        .explode("word")
        .drop_nulls("word")
        .join(vocabulary, on="word", how="inner")
        .select("customer_id", "kind", "key", "weight")
    )
    found = pl.concat([found, _reviewed(said, frames.products)])
    if found.is_empty():
        return _empty()
    return _normalised(found.group_by("customer_id", "kind", "key").agg(weight=pl.col("weight").sum()))


def combine(bought: pl.DataFrame, written: pl.DataFrame, *, text_weight: float = TEXT_WEIGHT) -> pl.DataFrame:
    """(customer_id, kind, key, score, purchase_score, text_score), score = purchase + text_weight * text."""
    joined = (
        bought.rename({"score": "purchase_score"})
        .join(written.rename({"score": "text_score"}), on=["customer_id", "kind", "key"], how="full", coalesce=True)
        .with_columns(pl.col("purchase_score", "text_score").fill_null(0.0))
        .with_columns(score=pl.col("purchase_score") + text_weight * pl.col("text_score"))
    )
    return joined.sort(["customer_id", "kind", "score"], descending=[False, False, True])


def top(interests: pl.DataFrame, products: pl.DataFrame, *, n: int = 5) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """Per customer, per kind, the `n` best items as {"key", "label", "score", "from"} (products get their name)."""
    names = {str(r["product_id"]): r["name"] for r in products.select("product_id", "name").iter_rows(named=True)}
    best = interests.group_by("customer_id", "kind", maintain_order=True).head(n)
    result: dict[int, dict[str, list[dict[str, Any]]]] = {}
    for row in best.iter_rows(named=True):
        sources = [s for s, v in (("purchases", row["purchase_score"]), ("text", row["text_score"])) if v > 0]
        label = names.get(row["key"], row["key"]) if row["kind"] == "product" else row["key"]
        item = {"key": row["key"], "label": label, "score": round(row["score"], 4), "from": sources}
        result.setdefault(row["customer_id"], {}).setdefault(row["kind"], []).append(item)
    return result


def _by_kind(lines: pl.DataFrame) -> pl.DataFrame:
    parts = [
        lines.filter(pl.col(column).is_not_null())
        .group_by("customer_id", column)
        .agg(weight=pl.col("weight").sum())
        .select("customer_id", kind=pl.lit(kind), key=pl.col(column).cast(pl.String), weight="weight")
        for kind, column in (("category", "category"), ("brand", "brand"), ("product", "product_id"))
    ]
    return pl.concat(parts)


def _reviewed(said: pl.DataFrame, products: pl.DataFrame) -> pl.DataFrame:
    reviewed = said.filter(pl.col("product_id").is_not_null()).join(
        products.select("product_id", "category", "brand"), on="product_id", how="inner"
    )
    parts = [
        reviewed.filter(pl.col(column).is_not_null()).select(
            "customer_id", kind=pl.lit(kind), key=pl.col(column).cast(pl.String), weight="weight"
        )
        for kind, column in (("category", "category"), ("brand", "brand"), ("product", "product_id"))
    ]
    return pl.concat(parts)


def _vocabulary(products: pl.DataFrame) -> pl.DataFrame:
    """(word, kind, key): the words that name each item. A product's name also names its category and brand."""
    rows: list[tuple[str, str, str]] = []
    for product in products.iter_rows(named=True):
        for kind in ("category", "brand"):
            if product[kind]:
                rows.append((product[kind], kind, product[kind]))
        for name in (product["name"], product["name_zh"]):
            if not name:
                continue
            rows.append((name, "product", str(product["product_id"])))
            rows += [(name, kind, product[kind]) for kind in ("category", "brand") if product[kind]]
    usable = [(w.lower(), k, key) for w, k, key in rows if len(w) >= MIN_KEYWORD_LENGTH or not w.isascii()]
    return pl.DataFrame(usable, schema={"word": pl.String, "kind": pl.String, "key": pl.String}, orient="row").unique()


def _normalised(raw: pl.DataFrame) -> pl.DataFrame:
    return raw.filter(pl.col("weight") > 0).select(
        "customer_id",
        "kind",
        "key",
        score=pl.col("weight") / pl.col("weight").sum().over("customer_id", "kind"),
    )


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={"customer_id": pl.Int64, "kind": pl.String, "key": pl.String, "score": pl.Float64})
