"""Analytics settings and the shapes the API returns: runs, insights, segment profiles, cohorts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AnalyticsSettings(BaseModel):
    """How analytics runs. To be nested in Settings as `analytics` (RAPPORT_ANALYTICS__CHURN_DAYS, …)."""

    churn_days: int = Field(
        default=180,
        ge=7,
        le=3650,
        description="A customer has churned after this many days "
        "without a purchase; the churn model predicts that for the next churn_days.",
    )
    horizon_days: int = Field(
        default=365, ge=7, le=3650, description="Lifetime value and expected purchases cover this many days ahead."
    )
    annual_discount: float = Field(default=0.10, ge=0.0, le=1.0, description="Yearly discount rate for lifetime value.")
    k_min: int = Field(default=3, ge=2, le=20, description="Fewest learned segments to try.")
    k_max: int = Field(default=8, ge=2, le=20, description="Most learned segments to try (chosen by silhouette).")
    interest_half_life_days: float = Field(
        default=180.0, gt=0, description="Purchases and mentions this old count half as much towards interests."
    )
    retrain_after_days: int = Field(
        default=7,
        ge=0,
        description="A run trains a new churn model when the active one is older than this (0: every run).",
    )
    keep_runs: int = Field(default=5, ge=1, description="Per-customer insights are kept for this many latest runs.")


class RunRequest(BaseModel):
    """Start a run. Everything is optional; the settings give the defaults."""

    as_of: datetime | None = Field(default=None, description="Compute as of this moment (default: now).")
    churn_days: int | None = Field(default=None, ge=7, le=3650)
    horizon_days: int | None = Field(default=None, ge=7, le=3650)
    retrain: bool | None = Field(
        default=None,
        description="Train a new churn model (default: when the active one is older than retrain_after_days).",
    )


class RunRead(BaseModel):
    id: int
    status: str
    as_of: datetime
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    params: dict[str, Any]
    metrics: dict[str, Any]
    error: str | None


class ReasonRead(BaseModel):
    topic: str
    weight: float | None
    text: str


class InsightRead(BaseModel):
    customer_id: int
    run_id: int
    as_of: datetime
    features: dict[str, Any]
    rfm_segment: str
    rfm_segment_name: str
    rfm_score: str | None
    learned_segment: str | None
    learned_segment_name: str | None
    clv: float | None
    expected_purchases: float | None
    expected_value: float | None
    p_alive: float | None
    churn_risk: float | None
    churn_level: str | None
    churn_reasons: list[ReasonRead]
    churn_model: str | None
    interests: dict[str, Any]
    summary: str
    facts: list[dict[str, Any]]


class SegmentRead(BaseModel):
    kind: str
    key: str
    name: str
    description: str
    customers: int
    profile: dict[str, Any]


class SegmentsRead(BaseModel):
    run_id: int
    as_of: datetime
    kind: str
    segments: list[SegmentRead]
    trend: list[dict[str, Any]]


class CohortsRead(BaseModel):
    run_id: int
    as_of: datetime
    cohorts: list[str]
    periods: list[int]
    retention: list[list[float | None]] = Field(description="retention[i][j]: share of cohort i active j months on.")
    cohort_sizes: list[int]
    cells: list[dict[str, Any]]
