"""Shared parts of the marketing tests: a scripted model (for faults a real one will not make on demand), the small
local model, settings on a test folder, and a segment + campaign on a handful of customers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from rapport.ai.gateway import Gateway
from rapport.ai.providers import Completion, CompletionRequest, LLMProvider, ProviderCapabilities
from rapport.marketing import campaigns, segments
from rapport.marketing.models import Campaign, Segment
from rapport.marketing.schemas import CampaignBrief, CampaignCreate, SegmentCreate, SegmentRules, Variant
from rapport.privacy.access import Principal, system_principal
from rapport.settings import LLMSettings, Settings
from tests.factories import make_customer, make_product

DATA_DIR = Path(os.environ.get("RAPPORT_DATA_DIR", "var"))
SYSTEM: Principal = system_principal("test")


class ScriptedProvider:
    """Answers from a list (the last repeats): what a test needs a model to say, e.g. an invented discount."""

    name = "scripted"
    model = "scripted"
    capabilities = ProviderCapabilities(json_schema_output=True, streaming=False)

    def __init__(self, *replies: str | Callable[[CompletionRequest], str]) -> None:
        self.replies = list(replies)
        self.requests: list[CompletionRequest] = []

    def warm_up(self) -> None:
        return None

    def complete(self, request: CompletionRequest) -> Completion:
        reply = self.replies[min(len(self.requests), len(self.replies) - 1)]
        self.requests.append(request)
        text = reply(request) if callable(reply) else reply
        return Completion(text=text, prompt_tokens=1, completion_tokens=1, model=self.model, finish_reason="stop")

    def stream(self, request: CompletionRequest) -> Iterator[str]:
        yield self.complete(request).text


def gateway_with(provider: LLMProvider, tmp_path: Path) -> Gateway:
    settings = Settings(data_dir=tmp_path, llm=LLMSettings(provider="local", cache=False))
    return Gateway(settings, None, providers={"local": provider})


@cache
def local_model() -> LLMProvider:
    """Qwen2.5-Coder 0.5B, the tests' small real model, loaded once."""
    from rapport.ai.providers import LocalGGUFProvider
    from rapport.ai.weights import MODELS, ensure_model

    spec = MODELS["qwen2.5-coder-0.5b-instruct-q4_k_m"]
    return LocalGGUFProvider(ensure_model(spec.name, DATA_DIR), spec.sha256, n_ctx=2048)


def settings_for(tmp_path: Path, **marketing: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": tmp_path, "llm": LLMSettings(provider="none")}
    if marketing:
        values["marketing"] = {"link_secret": "test-secret", **marketing}
    else:
        values["marketing"] = {"link_secret": "test-secret"}
    return Settings(**values)


def make_segment(session: Session, rules: SegmentRules | None = None, name: str = "everyone") -> Segment:
    rules = rules or SegmentRules(conditions=[])
    return segments.create(session, SYSTEM, SegmentCreate(name=name, rules=rules))


def make_campaign(session: Session, settings: Settings, segment: Segment, **overrides: Any) -> Campaign:
    product = overrides.pop("product", None) or make_product(session, name="Alpine Down Jacket", price=Decimal("79.00"))
    values: dict[str, Any] = {
        "name": "Winter",
        "segment_id": segment.id,
        "brief": CampaignBrief(
            product=product.sku,
            offer="20% off the Alpine Down Jacket",
            offer_zh="Alpine 羽绒服八折",
            discount_pct=20,
            valid_until=date(2030, 12, 31),
            url="https://shop.example.com/alpine",
        ),
        "variants": [Variant(key="A"), Variant(key="B")],
        "holdout_share": 0.2,
        "languages": ["en", "zh"],
    }
    values.update(overrides)
    return campaigns.create(session, SYSTEM, CampaignCreate(**values), settings)


def make_audience(session: Session, n: int, **overrides: Any) -> list[Any]:
    values = {"consent_email": True, "source": "demo"}
    values.update(overrides)
    return [make_customer(session, **values) for _ in range(n)]
