"""Shared by the feedback tests (also tests/api, tests/cli, tests/web): the real e5 embedder loaded once, and
customer messages written as the demo writes them (inbound interactions, a ticket's first message)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy.orm import Session

from rapport.ai.embeddings import Embedder, build_embedder
from rapport.ai.gateway import Gateway
from rapport.ai.providers import Completion, CompletionRequest, LLMProvider, ProviderCapabilities
from rapport.customers.models import Customer
from rapport.interactions.models import Interaction
from rapport.kit.clock import utcnow
from rapport.settings import LLMSettings, Settings

DATA_DIR = Path(os.environ.get("RAPPORT_DATA_DIR", "var"))

# Three complaints and one praise, mostly English with two Chinese each: small enough to embed in about a second,
# distinct enough for four clusters at min_cluster_size=4.
LATE = [
    "My parcel is two weeks late and the tracking has not moved.",
    "Where is my order? The delivery is very late.",
    "The courier still has not delivered my package, it is late.",
    "Delivery was due Monday, the parcel is late and still not here.",
    "My package is late, tracking shows no update for days.",
    "Late delivery again, the parcel has not arrived.",
    "快递太慢了，一个星期了还没到",
    "物流一直没有更新，包裹还没收到",
]
LOGIN = [
    "I cannot log in to my account, the password reset email never comes.",
    "My account is locked after a password reset.",
    "Password reset link does not work, I can't log into my account.",
    "I can't sign in, it says my password is wrong.",
    "Login fails every time, please unlock my account.",
    "The password reset email is not arriving, cannot access my account.",
    "账号登录不了，密码重置邮件收不到",
    "密码错误，账号被锁了",
]
BROKEN = [
    "The kettle arrived broken, the lid is cracked.",
    "Item came damaged, the glass is smashed.",
    "The blender arrived broken and cracked.",
    "Received a broken lamp, the glass was shattered.",
    "The mug arrived cracked and broken in the box.",
    "My vase arrived smashed to pieces.",
    "收到的水壶是坏的，盖子裂了",
    "杯子碎了，收到就是坏的",
]
PRAISE = [
    "Absolutely love this kettle, great quality.",
    "Great value for money, very happy with it.",
    "Excellent product, works perfectly, five stars.",
    "Really happy with the purchase, would buy again.",
    "Fantastic quality, love it.",
    "Brilliant product, highly recommend.",
    "非常满意，质量很好",
    "好评！做工很精细",
]
ALL = LATE + LOGIN + BROKEN + PRAISE


@cache
def embedder() -> Embedder:
    built = build_embedder("e5-small-int8", DATA_DIR, cache_size=4096)
    built.warm_up()
    return built


def add_messages(
    session: Session, customer: Customer, texts: list[str], *, kind: str = "email", at: datetime | None = None
) -> list[Interaction]:
    made = []
    moment = at or utcnow() - timedelta(hours=1)
    for i, text in enumerate(texts):
        language = "en" if text.isascii() else "zh"
        row = Interaction(
            customer_id=customer.id,
            kind=kind,
            direction="inbound",
            body=text,
            language=language,
            occurred_at=moment - timedelta(minutes=i),
        )
        session.add(row)
        made.append(row)
    session.flush()
    return made


@cache
def local_model() -> LLMProvider:
    """Qwen2.5-Coder 0.5B, the tests' small real model, loaded once."""
    from rapport.ai.providers import LocalGGUFProvider
    from rapport.ai.weights import MODELS, ensure_model

    spec = MODELS["qwen2.5-coder-0.5b-instruct-q4_k_m"]
    return LocalGGUFProvider(ensure_model(spec.name, DATA_DIR), spec.sha256, n_ctx=2048)


class ScriptedProvider:
    """Always says the same thing: for a model answer a real one will not give on demand (not JSON at all)."""

    name = "scripted"
    model = "scripted"
    capabilities = ProviderCapabilities(json_schema_output=False, streaming=False)

    def __init__(self, reply: str) -> None:
        self.reply = reply

    def warm_up(self) -> None:
        return None

    def complete(self, request: CompletionRequest) -> Completion:
        return Completion(text=self.reply, prompt_tokens=1, completion_tokens=1, model=self.model, finish_reason="stop")

    def stream(self, request: CompletionRequest) -> Iterator[str]:
        yield self.reply


def gateway_with(provider: LLMProvider, tmp_path: Path) -> Gateway:
    settings = Settings(data_dir=tmp_path, llm=LLMSettings(provider="local", cache=False))
    return Gateway(settings, None, providers={"local": provider})
