"""The gateway with real models: the same calls against the in-process model and a real OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from rapport.ai.gateway import Gateway, ModelOutputInvalid, ModelUnavailable, decodable_schema
from rapport.ai.models import ModelCall
from rapport.ai.providers import (
    Completion,
    CompletionRequest,
    LLMProvider,
    LocalGGUFProvider,
    OpenAICompatibleProvider,
    ProviderCapabilities,
)
from rapport.errors import Busy
from rapport.settings import LLMSettings, Settings
from rapport.store.engine import make_sessionmaker

from .conftest import TEST_MODEL
from .llama_server import LlamaServer

pytestmark = pytest.mark.llm

LLAMA_CPP_SERVER = ProviderCapabilities(json_schema_output=True, context_length=1024, json_schema_format="json_object")


class RecordingProvider:
    """Passes calls to a real provider and keeps the requests, to see what would leave the machine."""

    def __init__(self, inner: LLMProvider, name: str) -> None:
        self.inner = inner
        self.name = name
        self.model = inner.model
        self.requests: list[CompletionRequest] = []

    @property
    def capabilities(self) -> ProviderCapabilities:
        return self.inner.capabilities

    def warm_up(self) -> None:
        self.inner.warm_up()

    def complete(self, request: CompletionRequest) -> Completion:
        self.requests.append(request)
        return self.inner.complete(request)

    def stream(self, request: CompletionRequest) -> Iterator[str]:
        self.requests.append(request)
        return self.inner.stream(request)


class Verdict(BaseModel):
    is_urgent: bool
    reason: str


@pytest.fixture(scope="module")
def local_provider(test_model_path: Path) -> LocalGGUFProvider:
    return LocalGGUFProvider(test_model_path, TEST_MODEL.sha256, n_ctx=1024)


@pytest.fixture(params=["local", "openai"])
def gateway(
    request: pytest.FixtureRequest, local_provider: LocalGGUFProvider, connection: Connection, tmp_path: Path
) -> Gateway:
    """The same gateway over either provider; records go to the test's rolled-back transaction."""
    settings = Settings(data_dir=tmp_path, llm=LLMSettings(provider=request.param, max_concurrency=1, max_queue=0))
    if request.param == "local":
        provider: LLMProvider = local_provider
    else:
        server: LlamaServer = request.getfixturevalue("llama_server")
        provider = OpenAICompatibleProvider(server.base_url, model="test", capabilities=LLAMA_CPP_SERVER, max_retries=0)
    return Gateway(settings, make_sessionmaker(connection), providers={request.param: provider})


def _ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def test_complete_records_the_call_and_the_second_ask_is_a_cache_hit(gateway: Gateway) -> None:
    first = gateway.complete("test", _ask("Say hello."), max_tokens=8)
    second = gateway.complete("test", _ask("Say hello."), max_tokens=8)

    assert first.text == second.text
    assert first.completion_tokens > 0
    assert gateway.sessions is not None
    with gateway.sessions() as session:
        calls = session.scalars(select(ModelCall).order_by(ModelCall.id)).all()
    assert [(c.feature, c.is_cache_hit) for c in calls] == [("test", False), ("test", True)]
    assert calls[0].latency_ms > 0
    assert calls[0].provider == gateway.provider_name("test")


def test_structured_output_is_a_validated_object(gateway: Gateway) -> None:
    verdict = gateway.generate_json(
        "test", _ask("Customer: 'my card was charged twice!!' Is it urgent? Answer in JSON."), Verdict, max_tokens=48
    )

    assert isinstance(verdict, Verdict)
    assert isinstance(verdict.is_urgent, bool)


class Tagged(BaseModel):
    tags: list[str] = Field(max_length=3)
    label: str = Field(max_length=20)


def test_length_bounds_stay_out_of_the_grammar_but_are_still_enforced(gateway: Gateway) -> None:
    schema = decodable_schema(Tagged.model_json_schema())

    assert "maxItems" not in str(schema)
    assert "maxLength" not in str(schema)
    assert schema["required"] == ["tags", "label"]
    try:  # the model decodes freely within the simpler grammar; pydantic holds it to the bounds
        tagged = gateway.generate_json("test", _ask("Tag: 'refund please'. Answer in JSON."), Tagged, max_tokens=48)
    except ModelOutputInvalid:
        return
    assert len(tagged.tags) <= 3
    assert len(tagged.label) <= 20


def test_stream_yields_the_answer_and_records_first_token(gateway: Gateway) -> None:
    chunks = list(gateway.stream("test", _ask("Count: 1, 2, 3,"), max_tokens=8))

    assert "".join(chunks).strip() != ""
    assert gateway.sessions is not None
    with gateway.sessions() as session:
        call = session.scalars(select(ModelCall)).one()
    assert call.is_streamed
    assert call.first_token_ms is not None
    assert call.first_token_ms <= call.latency_ms


def test_a_full_queue_answers_busy_with_retry_after(gateway: Gateway) -> None:
    running = gateway.stream("test", _ask("Write a long story about a cat."), max_tokens=64)
    next(running)  # holds the only slot

    with pytest.raises(Busy) as refused:
        gateway.complete("test", _ask("Hi"), max_tokens=4, use_cache=False)

    running.close()
    assert refused.value.retry_after_s >= 1
    assert refused.value.status_code == 429


def test_personal_data_is_redacted_for_remote_providers_and_restored(
    local_provider: LocalGGUFProvider, connection: Connection, tmp_path: Path
) -> None:
    remote = RecordingProvider(local_provider, name="openai")
    settings = Settings(data_dir=tmp_path, llm=LLMSettings(provider="openai"))
    gateway = Gateway(settings, make_sessionmaker(connection), providers={"openai": remote})

    answer = gateway.complete(
        "test",
        _ask("Repeat exactly, nothing else: jane.doe@example.com"),
        max_tokens=16,
    )

    sent = remote.requests[0].messages[0]["content"]
    assert "jane.doe@example.com" not in sent
    assert "<EMAIL_1>" in sent
    assert "<EMAIL_1>" not in answer.text


def test_no_model_configured_is_a_clear_unavailable(tmp_path: Path) -> None:
    gateway = Gateway(Settings(data_dir=tmp_path, llm=LLMSettings(provider="none")), None)

    assert gateway.is_available("assistant") is False
    with pytest.raises(ModelUnavailable, match="no language model is configured"):
        gateway.complete("assistant", _ask("hi"))


def test_missing_weights_are_unavailable_not_a_crash(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, llm=LLMSettings(provider="local", local_model="no-such-model"))

    with pytest.raises(ModelUnavailable, match="not available"):
        Gateway(settings, None).complete("assistant", _ask("hi"))
