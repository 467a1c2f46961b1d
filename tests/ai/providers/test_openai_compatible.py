"""OpenAICompatibleProvider against a real llama_cpp.server, and HTTP faults a real server cannot be made to give."""

from __future__ import annotations

import json

import httpx
import pytest
from pydantic import BaseModel

from rapport.ai.providers import (
    CompletionRequest,
    OpenAICompatibleProvider,
    ProviderCapabilities,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
)
from rapport.ai.providers.base import JsonSchemaFormat

from ..llama_server import LlamaServer

# llama_cpp.server turns only {"type": "json_object", "schema": ...} into a grammar.
LLAMA_CPP_SERVER = ProviderCapabilities(
    json_schema_output=True, streaming=True, context_length=1024, json_schema_format="json_object"
)


class Contact(BaseModel):
    name: str
    age: int


def _provider(server: LlamaServer) -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider(server.base_url, model="test", capabilities=LLAMA_CPP_SERVER, max_retries=0)


def _ask(
    content: str, *, max_tokens: int = 8, timeout_s: float = 60.0, json_schema: dict[str, object] | None = None
) -> CompletionRequest:
    return CompletionRequest(
        messages=[{"role": "user", "content": content}],
        max_tokens=max_tokens,
        seed=7,
        timeout_s=timeout_s,
        json_schema=json_schema,
    )


@pytest.mark.llm
def test_complete_answers_through_the_server(llama_server: LlamaServer) -> None:
    provider = _provider(llama_server)

    completion = provider.complete(_ask("What is the capital of France? Answer in one word."))

    assert "paris" in completion.text.lower()
    assert completion.prompt_tokens > 5
    assert 1 <= completion.completion_tokens <= 8
    assert completion.finish_reason in {"stop", "length"}


@pytest.mark.llm
def test_stream_yields_the_same_text_as_complete(llama_server: LlamaServer) -> None:
    provider = _provider(llama_server)
    request = _ask("Name three colours, comma-separated.")

    chunks = list(provider.stream(request))

    assert len(chunks) >= 2
    assert "".join(chunks) == provider.complete(request).text


@pytest.mark.llm
def test_structured_output_is_valid_for_the_schema(llama_server: LlamaServer) -> None:
    provider = _provider(llama_server)
    request = _ask(
        'Reply with a JSON object for the contact "Ada", aged 36.',
        json_schema=Contact.model_json_schema(),
        max_tokens=16,
    )

    completion = provider.complete(request)

    assert Contact.model_validate_json(completion.text) == Contact(name="Ada", age=36)


@pytest.mark.llm
def test_tiny_timeout_raises_provider_timeout(llama_server: LlamaServer) -> None:
    provider = _provider(llama_server)

    with pytest.raises(ProviderTimeout):
        provider.complete(_ask("Count to ten.", timeout_s=0.001))


@pytest.mark.llm
def test_server_killed_mid_stream_raises_provider_error(doomed_llama_server: LlamaServer) -> None:
    # Given a long answer (so that the kill lands while the server is still generating it)
    provider = _provider(doomed_llama_server)
    stream = provider.stream(_ask("Count from 1 to 300, one number per line.", max_tokens=600, timeout_s=120))
    first = next(stream)

    # When the server dies after the first chunk
    doomed_llama_server.process.kill()
    doomed_llama_server.process.wait()

    # Then the rest of the stream fails loudly instead of ending as if the answer were complete
    with pytest.raises(ProviderError, match=r"mid-answer|before the answer was complete") as raised:
        for _ in stream:
            pass
    assert first.strip() != ""
    assert not isinstance(raised.value, ProviderTimeout)


@pytest.mark.llm
def test_warm_up_succeeds_against_a_live_server(llama_server: LlamaServer) -> None:
    provider = _provider(llama_server)

    provider.warm_up()

    assert provider.complete(_ask("Say hi.", max_tokens=2)).completion_tokens >= 1


def test_unreachable_server_raises_provider_unavailable_after_retries() -> None:
    # Given a loopback port nobody listens on
    provider = OpenAICompatibleProvider("http://127.0.0.1:9/v1", model="m", max_retries=2, backoff_s=0.01)

    with pytest.raises(ProviderUnavailable, match="after 3 attempts"):
        provider.complete(_ask("hi"))


def test_503_with_retry_after_is_retried_then_succeeds() -> None:
    # Given a server that is overloaded once, then answers
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(503, headers={"Retry-After": "0"}, text="busy")
        body = {
            "model": "m",
            "choices": [{"message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1},
        }
        return httpx.Response(200, json=body)

    provider = OpenAICompatibleProvider(
        "http://server.test/v1", model="m", max_retries=2, transport=httpx.MockTransport(handler)
    )

    completion = provider.complete(_ask("hi"))

    assert completion.text == "ok"
    assert len(calls) == 2
    assert calls[0].url.path == "/v1/chat/completions"


def test_client_error_is_not_retried() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(400, json={"error": {"message": "bad request"}})

    provider = OpenAICompatibleProvider("http://server.test/v1", model="m", transport=httpx.MockTransport(handler))

    with pytest.raises(ProviderError, match="HTTP 400"):
        provider.complete(_ask("hi"))
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("json_schema_format", "expected"),
    [
        (
            "json_schema",
            {"type": "json_schema", "json_schema": {"name": "output", "schema": {"type": "object"}, "strict": True}},
        ),
        ("json_object", {"type": "json_object", "schema": {"type": "object"}}),
    ],
)
def test_response_format_follows_the_capabilities(
    json_schema_format: JsonSchemaFormat, expected: dict[str, object]
) -> None:
    sent: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        body = {"choices": [{"message": {"content": "{}"}, "finish_reason": "stop"}]}
        return httpx.Response(200, json=body)

    capabilities = ProviderCapabilities(json_schema_output=True, json_schema_format=json_schema_format)
    provider = OpenAICompatibleProvider(
        "http://server.test/v1", model="m", capabilities=capabilities, transport=httpx.MockTransport(handler)
    )

    provider.complete(_ask("hi", json_schema={"type": "object"}))

    assert sent[0]["response_format"] == expected


def test_json_schema_request_is_refused_when_the_server_cannot_constrain_output() -> None:
    provider = OpenAICompatibleProvider("http://server.test/v1", model="m", capabilities=ProviderCapabilities())

    with pytest.raises(ProviderError, match="not configured for JSON-Schema output"):
        provider.complete(_ask("hi", json_schema={"type": "object"}))


def test_embed_returns_vectors_in_input_order_and_sends_the_api_key() -> None:
    # Given a server that lists the embeddings out of order (the API allows it: each carries its index)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        data = [{"index": 1, "embedding": [0.0, 1.0]}, {"index": 0, "embedding": [1.0, 0.0]}]
        return httpx.Response(200, json={"object": "list", "data": data})

    provider = OpenAICompatibleProvider(
        "http://server.test/v1", model="m", api_key="sk-test", transport=httpx.MockTransport(handler)
    )

    vectors = provider.embed(["first", "second"])

    assert vectors == [[1.0, 0.0], [0.0, 1.0]]
    assert seen[0].url.path == "/v1/embeddings"
    assert seen[0].headers["Authorization"] == "Bearer sk-test"
