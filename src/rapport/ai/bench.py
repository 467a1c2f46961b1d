"""Measurements of the local models and of the gateway itself, for `rapport ai bench` and `rapport ai doctor`.

Speeds are measured, never quoted: load time, resident memory added, prompt and generation tokens/s, first-token
latency, and the gateway's overhead against calling llama-cpp-python directly on the same prompt in the same run.
"""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapport.ai import weights
from rapport.ai.gateway import Gateway
from rapport.ai.providers import (
    ChatMessage,
    Completion,
    CompletionRequest,
    LocalGGUFProvider,
    ProviderCapabilities,
)
from rapport.settings import LLMSettings, Settings

LONG_PROMPT = (
    "You are a support assistant for an online shop. Summarise the customer's message in one sentence.\n\n"
    + "Customer: I ordered a pair of wireless headphones three weeks ago, order 10234, and the tracking page has "
    "not changed since it left the warehouse. I emailed twice and got no answer. I need them for a trip on Friday. " * 4
)
SHORT_PROMPT = "Write a short friendly sentence thanking a customer for their order."


@dataclass(frozen=True)
class ModelSpeed:
    model: str
    load_s: float
    memory_mib: float
    prompt_tokens_per_s: float
    generation_tokens_per_s: float
    first_token_s: float


@dataclass(frozen=True)
class GatewayOverhead:
    direct_ms: float
    gateway_ms: float
    own_ms: float  # the gateway's own time per call: its wall time minus the time inside the provider

    @property
    def overhead_pct(self) -> float:
        return (self.gateway_ms / self.direct_ms - 1) * 100


def _rss_mib() -> float:
    """Resident memory now (Linux: /proc), else the peak: a peak would show 0 for a model loaded after a bigger one."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_local(name: str, data_dir: Path, *, n_threads: int | None = None, gen_tokens: int = 48) -> ModelSpeed:
    """Load one catalogue model and time a long prompt (prompt speed) and a short one (generation speed)."""
    model = weights.get_model(name)
    path = weights.ensure_model(name, data_dir)
    provider = LocalGGUFProvider(path, model.sha256, n_ctx=2048, n_threads=n_threads)
    before = _rss_mib()
    started = time.perf_counter()
    provider.warm_up()
    load_s = time.perf_counter() - started
    memory = _rss_mib() - before

    def ask(text: str, max_tokens: int) -> tuple[float, float, int, int]:
        request = CompletionRequest(messages=[{"role": "user", "content": text}], max_tokens=max_tokens, seed=0)
        began = time.perf_counter()
        first = None
        count = 0
        for _ in provider.stream(request):
            count += 1
            if first is None:
                first = time.perf_counter() - began
        total = time.perf_counter() - began
        full = provider.complete(request)
        return first or total, total, full.prompt_tokens, count

    ask("Hi", 2)  # warm the caches once
    first_long, _, prompt_tokens, _ = ask(LONG_PROMPT + " (1)", 1)
    first_short, total_short, _, generated = ask(SHORT_PROMPT, gen_tokens)
    generation = (generated - 1) / max(total_short - first_short, 1e-6)
    return ModelSpeed(
        model=name,
        load_s=load_s,
        memory_mib=memory,
        prompt_tokens_per_s=prompt_tokens / first_long,
        generation_tokens_per_s=generation,
        first_token_s=first_short,
    )


def measure_gateway_overhead(name: str, data_dir: Path, *, rounds: int = 5, max_tokens: int = 32) -> GatewayOverhead:
    """The same prompt, greedy, cache off: llama-cpp-python's own `create_chat_completion` vs `Gateway.complete`.

    Both use the same loaded weights in the same process, interleaved round by round, so machine noise hits both.
    The gateway's extra work is the limiter, the call record (one INSERT into an in-memory SQLite) and bookkeeping.
    """
    from sqlalchemy.orm import sessionmaker

    from rapport.store.engine import make_engine
    from rapport.store.models import Base

    model = weights.get_model(name)
    path = weights.ensure_model(name, data_dir)
    provider = LocalGGUFProvider(path, model.sha256, n_ctx=2048)
    provider.warm_up()
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    settings = Settings(data_dir=data_dir, llm=LLMSettings(provider="local", cache=False))
    messages: list[ChatMessage] = [{"role": "user", "content": SHORT_PROMPT}]
    llama: Any = provider._load_locked()  # the very llama object the provider uses: the honest "direct" baseline
    timed = _TimedProvider(provider)
    gateway = Gateway(settings, sessionmaker(engine), providers={"local": timed})
    direct, through, own = [], [], []
    for _ in range(rounds):
        began = time.perf_counter()
        llama.create_chat_completion(messages=list(messages), max_tokens=max_tokens, temperature=0.0, seed=0)
        direct.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        gateway.complete("bench", messages, max_tokens=max_tokens, use_cache=False)
        through.append((time.perf_counter() - began) * 1000)
        own.append(through[-1] - timed.last_ms)
    return GatewayOverhead(
        direct_ms=statistics.median(direct), gateway_ms=statistics.median(through), own_ms=statistics.median(own)
    )


class _TimedProvider:
    """Passes calls through and remembers how long the provider itself took, to isolate the gateway's own cost."""

    def __init__(self, inner: LocalGGUFProvider) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = inner.model
        self.last_ms = 0.0

    @property
    def capabilities(self) -> ProviderCapabilities:
        return self.inner.capabilities

    def warm_up(self) -> None:
        self.inner.warm_up()

    def complete(self, request: CompletionRequest) -> Completion:
        began = time.perf_counter()
        try:
            return self.inner.complete(request)
        finally:
            self.last_ms = (time.perf_counter() - began) * 1000

    def stream(self, request: CompletionRequest) -> Iterator[str]:
        return self.inner.stream(request)


@dataclass(frozen=True)
class EmbedderSpeed:
    name: str
    load_s: float
    texts_per_s: float
    dimension: int


# Support-style sentences of mixed length, English and Chinese, repeated to a fixed count for the embeddings/s figure.
EMBED_TEXTS = [
    "Where is my order? It has not moved for a week.",
    "How do I return a pair of shoes that do not fit?",
    "Can I change the delivery address after paying?",
    "The charger stopped working after two days; I would like a replacement or a refund.",
    "我的订单什么时候发货？",
    "退货需要多长时间才能退款？",
    "Do you ship to Canada, and how much does it cost?",
    "I was charged twice for order 10234, please refund one of the payments as soon as possible.",
]


def measure_embedder(name: str, settings: Settings, *, texts: int = 256) -> EmbedderSpeed:
    """Load time and texts/s of one embedder (after a warm-up batch), with the `embeddings` settings."""
    from rapport.ai.embeddings import embedder_for

    batch = [EMBED_TEXTS[i % len(EMBED_TEXTS)] + f" ({i})" for i in range(texts)]  # distinct: no cache hits
    started = time.perf_counter()
    uncached = settings.model_copy(update={"embeddings": settings.embeddings.model_copy(update={"cache_size": 0})})
    embedder = embedder_for(name, uncached)
    embedder.warm_up()
    embedder.embed(batch[:8], kind="passage")
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    vectors = embedder.embed(batch, kind="passage")
    elapsed = time.perf_counter() - started
    return EmbedderSpeed(name, load_s, texts / elapsed, int(vectors.shape[1]))
