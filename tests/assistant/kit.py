"""Shared parts of the assistant tests (also used by tests/api, tests/cli and tests/web): the real embedder loaded
once, demo articles, a scripted model for what a real one cannot be made to do, and a runtime on a test connection."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from rapport.ai.embeddings import Embedder, build_embedder
from rapport.ai.gateway import Gateway
from rapport.ai.providers import Completion, CompletionRequest, LLMProvider, ProviderCapabilities
from rapport.assistant.answering import Answerer
from rapport.assistant.flows import AssistantRuntime
from rapport.assistant.index import KnowledgeIndex
from rapport.assistant.settings import AssistantSettings
from rapport.demo.knowledge import load_articles
from rapport.knowledge.models import KnowledgeArticle
from rapport.settings import LLMSettings, Settings

DATA_DIR = Path(os.environ.get("RAPPORT_DATA_DIR", "var"))
SETTINGS = AssistantSettings(sync_interval_s=0)
# Small enough to embed in seconds, wide enough for refunds, codes, returns and Chinese.
ARTICLES = ("refunds", "device-error-codes", "returns-policy", "refunds-zh", "discount-codes")


@cache
def embedder() -> Embedder:
    """The assistant's default embedder, with an LRU cache so passages embedded by one test are free in the next."""
    built = build_embedder(SETTINGS.embedder, DATA_DIR, cache_size=8192)
    built.warm_up()
    return built


def add_articles(session: Session, slugs: Sequence[str] = ARTICLES) -> dict[str, KnowledgeArticle]:
    made = {}
    for spec in load_articles():
        if spec.slug in slugs:
            article = KnowledgeArticle(
                slug=spec.slug,
                title=spec.title,
                body=spec.body,
                language=spec.language,
                category=spec.category,
                tags=list(spec.tags),
            )
            session.add(article)
            made[spec.slug] = article
    session.flush()
    return made


class ScriptedProvider:
    """A model that says what the test needs (an invented price, an echoed system prompt): faults and attacks a
    real small model does not produce on demand. It records what it was sent."""

    name = "scripted"
    model = "scripted"
    capabilities = ProviderCapabilities(json_schema_output=False, streaming=True)

    def __init__(self, reply: str | Callable[[CompletionRequest], str]) -> None:
        self.reply = reply
        self.requests: list[CompletionRequest] = []

    def warm_up(self) -> None:
        return None

    def _text(self, request: CompletionRequest) -> str:
        self.requests.append(request)
        return self.reply(request) if callable(self.reply) else self.reply

    def complete(self, request: CompletionRequest) -> Completion:
        text = self._text(request)
        return Completion(
            text=text, prompt_tokens=1, completion_tokens=len(text.split()), model=self.model, finish_reason="stop"
        )

    def stream(self, request: CompletionRequest) -> Iterator[str]:
        text = self._text(request)
        for start in range(0, len(text), 7):
            yield text[start : start + 7]


def gateway_with(provider: LLMProvider | None, tmp_path: Path) -> Gateway | None:
    if provider is None:
        return None
    settings = Settings(data_dir=tmp_path, llm=LLMSettings(provider="local", cache=False))
    return Gateway(settings, None, providers={"local": provider})


def make_runtime(
    sessions: sessionmaker[Session],
    tmp_path: Path,
    *,
    provider: LLMProvider | None = None,
    settings: AssistantSettings = SETTINGS,
    with_embedder: bool = True,
) -> AssistantRuntime:
    index = KnowledgeIndex(embedder() if with_embedder else None, settings)
    return AssistantRuntime(sessions, index, Answerer(gateway_with(provider, tmp_path), settings), settings)


@cache
def local_model() -> LLMProvider:
    """The small local model the AI tests use (Qwen2.5-Coder 0.5B), loaded once."""
    from rapport.ai.providers import LocalGGUFProvider
    from rapport.ai.weights import MODELS, ensure_model

    spec = MODELS["qwen2.5-coder-0.5b-instruct-q4_k_m"]
    return LocalGGUFProvider(ensure_model(spec.name, DATA_DIR), spec.sha256, n_ctx=2048)
