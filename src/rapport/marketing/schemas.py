"""Marketing's Pydantic shapes: segment rules and drafts, campaign briefs and variants, previews and results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rapport.kit.schema import Schema

MAX_CONDITIONS = 20
Scalar = str | float | bool
Language = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = ("en", "zh")
Op = Literal["eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "not_contains"]
FieldName = Literal[
    "city",
    "country",
    "language",
    "lifecycle_stage",
    "gender",
    "source",
    "tags",
    "consent_email",
    "consent_sms",
    "days_since_signup",
    "orders",
    "total_spent",
    "avg_order_value",
    "days_since_last_order",
    "bought_category",
    "rfm_segment",
    "learned_segment",
    "churn_risk",
    "clv",
    "p_alive",
    "expected_purchases",
]


class SegmentCondition(Schema):
    """One test on a customer: `{"field": "total_spent", "op": "gt", "value": 500}`."""

    field: FieldName
    op: Op
    value: Scalar | list[str | float] | None = None


class SegmentRules(Schema):
    """Conditions joined by `match` (all: AND, any: OR)."""

    match: Literal["all", "any"] = "all"
    # At most MAX_CONDITIONS, checked by a validator: a `maxItems` in the schema becomes a deeply nested grammar
    # when the model is asked for rules (llama.cpp), and it cannot run one.
    conditions: list[SegmentCondition] = Field(default_factory=list)

    @field_validator("conditions")
    @classmethod
    def _not_too_many(cls, value: list[SegmentCondition]) -> list[SegmentCondition]:
        if len(value) > MAX_CONDITIONS:
            raise ValueError(f"at most {MAX_CONDITIONS} conditions")
        return value


class SegmentCreate(Schema):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=2000)
    rules: SegmentRules
    sentence: str | None = Field(default=None, max_length=1000)


class SegmentUpdate(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=2000)
    rules: SegmentRules | None = None


class SegmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    rules: dict[str, Any]
    sentence: str | None
    member_count: int
    refreshed_at: datetime | None
    created_at: datetime


class SentenceRequest(Schema):
    sentence: str = Field(min_length=3, max_length=1000)


class SegmentDraft(BaseModel):
    """Rules read from a sentence, for a person to confirm before anything is saved."""

    sentence: str
    rules: SegmentRules
    explanation: list[str]
    source: Literal["model", "rules"]
    warnings: list[str] = Field(default_factory=list)
    member_count: int = 0


class MemberRead(BaseModel):
    id: int
    full_name: str
    city: str | None
    language: str
    orders: int
    total_spent: float
    last_order_at: datetime | None


class SegmentPreview(BaseModel):
    member_count: int
    sample: list[MemberRead]


class Variant(Schema):
    key: str = Field(min_length=1, max_length=10, pattern=r"^[A-Za-z0-9_-]+$")
    weight: float = Field(default=1.0, gt=0, le=1000)
    angle: str = Field(default="", max_length=300)


class CampaignBrief(Schema):
    """What the campaign offers. Prices, discounts and dates in a message must come from here or the catalogue."""

    product: str | None = Field(default=None, max_length=200, description="A product's SKU or name.")
    offer: str = Field(min_length=1, max_length=500, description="The offer in a few words.")
    offer_zh: str | None = Field(default=None, max_length=500, description="The offer in Chinese, for Chinese copy.")
    discount_pct: float | None = Field(default=None, ge=0, lt=100)
    valid_until: date | None = None
    url: str = Field(default="https://shop.example.com/", max_length=500, description="Where the message's link goes.")
    tone: str = Field(default="friendly", max_length=60)

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")) or any(c in value for c in " \r\n\"'<>"):
            raise ValueError("the link must be an http(s) URL")
        return value


class CampaignCreate(Schema):
    name: str = Field(min_length=1, max_length=160)
    segment_id: int = Field(ge=1, le=2**63 - 1)
    brief: CampaignBrief
    channel: Literal["email", "sms"] = "email"
    languages: list[Language] = Field(default_factory=lambda: list(LANGUAGES), min_length=1, max_length=2)
    variants: list[Variant] = Field(
        default_factory=lambda: [Variant(key="A"), Variant(key="B")], min_length=1, max_length=6
    )
    holdout_share: float = Field(default=0.1, ge=0, le=0.5)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    frequency_cap: int | None = Field(default=None, ge=1, le=100)
    frequency_days: int | None = Field(default=None, ge=1, le=365)
    attribution_days: int | None = Field(default=None, ge=1, le=120)

    @model_validator(mode="after")
    def _distinct_variants(self) -> CampaignCreate:
        keys = [v.key.lower() for v in self.variants]
        if len(set(keys)) != len(keys) or "holdout" in keys:
            raise ValueError("variant keys must be distinct and not 'holdout'")
        return self


class SimulateRequest(Schema):
    """Demo data only: extra conversion probability per variant key (the treatment effect to plant)."""

    effects: dict[str, float] = Field(default_factory=lambda: {"A": 0.05, "B": 0.1}, max_length=6)
    baseline: float = Field(default=0.04, ge=0, le=1, description="Conversion without the campaign, for everyone.")
    seed: int = Field(default=1, ge=0, le=2**31 - 1)

    @field_validator("effects")
    @classmethod
    def _probabilities(cls, value: dict[str, float]) -> dict[str, float]:
        if any(not 0 <= p <= 1 for p in value.values()) or any(len(k) > 10 for k in value):
            raise ValueError("effects are probabilities between 0 and 1 by variant key")
        return value


class ScheduleRequest(Schema):
    at: datetime


class CampaignRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    segment_id: int
    status: str
    channel: str
    languages: list[str]
    brief: dict[str, Any]
    variants: list[dict[str, Any]]
    holdout_share: float
    seed: int
    frequency_cap: int
    frequency_days: int
    attribution_days: int
    scheduled_at: datetime | None
    sent_at: datetime | None
    counts: dict[str, Any]
    created_at: datetime


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    variant: str
    language: str
    channel: str
    subject: str
    body: str
    source: str
    tries: int
    guardrail: dict[str, Any]


class PreviewSample(BaseModel):
    customer_id: int
    customer_name: str
    language: str
    group: str
    subject: str
    body: str
    source: str
    problems: list[str]


class CampaignPreview(BaseModel):
    audience: int
    eligible: int
    excluded: dict[str, int]
    messages: list[MessageRead]
    samples: list[PreviewSample]


class GroupResult(BaseModel):
    group: str
    recipients: int
    opened: int
    clicked: int
    converted: int
    unsubscribed: int
    conversion_rate: float
    revenue: float
    revenue_per_recipient: float
    uplift: float | None = None  # absolute difference in conversion rate against the holdout
    uplift_low: float | None = None  # 95% Newcombe (Wilson score) interval
    uplift_high: float | None = None
    rate_low: float = 0.0  # 95% Wilson interval of the group's own rate
    rate_high: float = 0.0


class CampaignResults(BaseModel):
    campaign_id: int
    status: str
    sent_at: datetime | None
    attribution_days: int
    method: str
    groups: list[GroupResult]
    is_simulated: bool
    counts: dict[str, Any]
