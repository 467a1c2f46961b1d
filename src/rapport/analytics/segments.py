"""Learned segments: k-means on standardised behaviour features, k chosen by silhouette, a profile and a name each.

Only customers with a purchase are clustered (the others have no behaviour to group by). k is chosen on a sample
and the final centres are fitted on a larger one, then every customer is assigned: silhouette is quadratic in the
rows, and k-means centres settle long before a million rows.

Names and descriptions come from `describe_segment`, which takes an optional `describer` (the AI gateway will plug
in there, see TODO) and falls back to deterministic rules on the profile when none is given or it fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from sklearn.cluster import KMeans  # type: ignore[import-untyped]
from sklearn.metrics import silhouette_score  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

# What the clustering sees: logs tame the long tails of money and counts; sentiment is already on -2..2.
CLUSTER_FEATURES = {
    "recency_days": pl.col("recency_days").log1p(),
    "orders": pl.col("orders").cast(pl.Float64).log1p(),
    "monetary": pl.col("monetary").clip(lower_bound=0.0).log1p(),
    "avg_order_value": pl.col("avg_order_value").clip(lower_bound=0.0).log1p(),
    "tenure_days": pl.col("tenure_days").log1p(),
    "tickets_per_month": pl.col("tickets_per_month").log1p(),
    "sentiment_mean": pl.col("sentiment_mean").fill_null(0.0),
}
PROFILE_MEANS = ("orders", "monetary", "avg_order_value", "tenure_days", "tickets_per_month", "sentiment_mean")

# A profile in, (name, description) out. The gateway's version will send the profile to a model.
Describer = Callable[[dict[str, Any]], tuple[str, str]]


@dataclass(frozen=True)
class Learned:
    assignments: pl.DataFrame  # customer_id, learned_segment (str key "k0", "k1", …)
    profiles: list[dict[str, Any]]
    k: int
    silhouettes: dict[int, float]


def learn(
    features: pl.DataFrame,
    *,
    k_range: Sequence[int] = range(3, 9),
    sample_rows: int = 5_000,
    fit_rows: int = 200_000,
    seed: int = 0,
    describer: Describer | None = None,
    category_mix: pl.DataFrame | None = None,
) -> Learned | None:
    """Cluster customers with a purchase; None when there are too few of them to tell groups apart."""
    buyers = features.filter(pl.col("orders") > 0)
    k_range = [k for k in k_range if k < buyers.height // 5]
    if not k_range:
        return None
    raw = buyers.select(**CLUSTER_FEATURES).fill_null(0.0).to_numpy().astype(np.float64)
    mean, std = raw.mean(axis=0), raw.std(axis=0)
    z = (raw - mean) / np.where(std > 0, std, 1.0)
    rng = np.random.default_rng(seed)
    sample = z[rng.choice(len(z), size=min(sample_rows, len(z)), replace=False)]
    silhouettes: dict[int, float] = {}
    for k in k_range:
        labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(sample)
        if len(set(labels)) > 1:
            silhouettes[k] = float(silhouette_score(sample, labels))
    if not silhouettes:
        return None
    k = max(silhouettes, key=lambda key: silhouettes[key])
    fit_on = z[rng.choice(len(z), size=min(fit_rows, len(z)), replace=False)]
    model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(fit_on)
    labels = model.predict(z)
    # Segments are numbered by size so "k0" is always the biggest group.
    sizes = np.bincount(labels, minlength=k)
    rank = {int(old): new for new, old in enumerate(np.argsort(-sizes, kind="stable"))}
    keys = [f"k{rank[int(label)]}" for label in labels]
    assignments = pl.DataFrame({"customer_id": buyers["customer_id"], "learned_segment": keys})
    centres = {f"k{rank[i]}": model.cluster_centers_[i] for i in range(k)}
    profiles = profile(features, assignments, centres, category_mix=category_mix)
    named = name_all(profiles, describer)
    return Learned(assignments=assignments, profiles=named, k=k, silhouettes=silhouettes)


def profile(
    features: pl.DataFrame,
    assignments: pl.DataFrame,
    centres: dict[str, Any],
    *,
    category_mix: pl.DataFrame | None = None,
) -> list[dict[str, Any]]:
    """Per segment: size, share, medians and means of the raw features, top categories and channels, and the
    centre in standard units (`z`), which is what the rule-based names read."""
    joined = features.join(assignments, on="customer_id", how="inner")
    total = max(joined.height, 1)
    stats = (
        joined.group_by("learned_segment")
        .agg(
            customers=pl.len(),
            recency_days_median=pl.col("recency_days").median(),
            mean_gap_days_median=pl.col("mean_gap_days").median(),
            **{f"{name}_mean": pl.col(name).mean() for name in PROFILE_MEANS},
        )
        .sort("learned_segment")
    )
    channels = _top(joined, "preferred_channel")
    categories = _top_categories(assignments, category_mix) if category_mix is not None else {}
    profiles = []
    for row in stats.to_dicts():
        key = row.pop("learned_segment")
        centre = centres[key]
        profiles.append(
            {
                "key": key,
                **{k: (None if v is None else round(float(v), 3)) for k, v in row.items()},
                "share": round(row["customers"] / total, 4),
                "top_channels": channels.get(key, []),
                "top_categories": categories.get(key, []),
                "z": {name: round(float(v), 3) for name, v in zip(CLUSTER_FEATURES, centre, strict=True)},
            }
        )
    profiles.sort(key=lambda p: p["key"])
    return profiles


def name_all(profiles: list[dict[str, Any]], describer: Describer | None = None) -> list[dict[str, Any]]:
    """Each profile with `name` and `description`; names made unique within the run."""
    seen: dict[str, int] = {}
    named = []
    for p in profiles:
        name, description = describe_segment(p, describer)
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name} ({seen[name]})"
        named.append({**p, "name": name, "description": description})
    return named


def describe_segment(profile: dict[str, Any], describer: Describer | None = None) -> tuple[str, str]:
    """(name, description) of a learned segment. TODO(#7): pass the AI gateway's describer once it exists; any
    failure of it falls back to the rules, so a model outage never leaves a segment unnamed."""
    if describer is not None:
        try:
            name, description = describer(profile)
            if name.strip() and description.strip():
                return name.strip()[:80], description.strip()
        except Exception:
            log.warning("segment describer failed; using the rule-based name", exc_info=True)
    return rule_name(profile), rule_description(profile)


def rule_name(profile: dict[str, Any]) -> str:
    """A name from where the segment's centre sits: recency (lower z is more recent) against value (orders and
    spend), then qualifiers for heavy support use or negative sentiment."""
    z = profile.get("z", {})
    recent = -float(z.get("recency_days", 0.0))
    value = (float(z.get("orders", 0.0)) + float(z.get("monetary", 0.0))) / 2
    tenure = float(z.get("tenure_days", 0.0))
    if recent >= 0.4 and value >= 0.4:
        base = "Active high-value customers"
    elif recent >= 0.4 and tenure <= -0.4:
        base = "Recent newcomers"
    elif recent >= 0.4:
        base = "Recent light buyers"
    elif recent <= -0.4 and value >= 0.4:
        base = "Lapsing big spenders"
    elif recent <= -0.4:
        base = "Dormant occasional buyers"
    elif value >= 0.4:
        base = "Steady regulars"
    elif value <= -0.4:
        base = "Occasional low spenders"
    else:
        base = "Middle of the road"
    qualifiers = []
    if float(z.get("tickets_per_month", 0.0)) >= 0.75:
        qualifiers.append("support-heavy")
    if float(z.get("sentiment_mean", 0.0)) <= -0.75:
        qualifiers.append("unhappy")
    elif float(z.get("sentiment_mean", 0.0)) >= 0.75:
        qualifiers.append("happy")
    return f"{base}, {' and '.join(qualifiers)}" if qualifiers else base


def rule_description(profile: dict[str, Any]) -> str:
    share = float(profile.get("share") or 0.0)
    parts = [
        f"{int(profile.get('customers') or 0):,} customers ({share:.0%} of buyers)",
        f"last order {float(profile.get('recency_days_median') or 0.0):.0f} days ago (median)",
        f"{float(profile.get('orders_mean') or 0.0):.1f} orders and ${float(profile.get('monetary_mean') or 0.0):,.0f}"
        " spent on average",
    ]
    categories = profile.get("top_categories") or []
    if categories:
        parts.append("mostly " + " and ".join(c["value"] for c in categories[:2]))
    tickets = float(profile.get("tickets_per_month_mean") or 0.0)
    if tickets >= 0.2:
        parts.append(f"{tickets:.1f} support tickets a month")
    return "; ".join(parts) + "."


def _top(joined: pl.DataFrame, column: str, n: int = 3) -> dict[str, list[dict[str, Any]]]:
    counts = (
        joined.filter(pl.col(column).is_not_null())
        .group_by("learned_segment", column)
        .agg(n=pl.len())
        .with_columns(share=pl.col("n") / pl.col("n").sum().over("learned_segment"))
        .sort("learned_segment", "n", column, descending=[False, True, False])
    )
    top: dict[str, list[dict[str, Any]]] = {}
    for row in counts.iter_rows(named=True):
        bucket = top.setdefault(row["learned_segment"], [])
        if len(bucket) < n:
            bucket.append({"value": row[column], "share": round(row["share"], 3)})
    return top


def _top_categories(assignments: pl.DataFrame, mix: pl.DataFrame, n: int = 3) -> dict[str, list[dict[str, Any]]]:
    spend = (
        mix.join(assignments, on="customer_id", how="inner")
        .group_by("learned_segment", "category")
        .agg(spend=pl.col("spend").sum())
        .with_columns(share=pl.col("spend") / pl.col("spend").sum().over("learned_segment"))
        .sort("learned_segment", "spend", "category", descending=[False, True, False])
    )
    top: dict[str, list[dict[str, Any]]] = {}
    for row in spend.iter_rows(named=True):
        bucket = top.setdefault(row["learned_segment"], [])
        if len(bucket) < n:
            bucket.append({"value": row["category"], "share": round(row["share"], 3)})
    return top
