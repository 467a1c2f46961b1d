"""The LLM provider contract: request and answer records, capabilities, the Protocol, and the provider errors."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypedDict

Role = Literal["system", "user", "assistant"]


class ChatMessage(TypedDict):
    role: Role
    content: str


@dataclass(frozen=True)
class CompletionRequest:
    """One chat completion. `json_schema`, when set, asks the provider to constrain the output to that JSON Schema.

    `timeout_s` is the whole budget of the call (retries included); past it the provider stops and raises
    ProviderTimeout. `temperature=0.0` is greedy decoding, and with `seed` set a local model repeats itself exactly.
    """

    messages: Sequence[ChatMessage]
    max_tokens: int = 256
    temperature: float = 0.0
    stop: Sequence[str] = ()
    seed: int | None = None
    json_schema: dict[str, Any] | None = None
    timeout_s: float = 60.0


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    model: str
    finish_reason: str  # "stop" or "length", as the OpenAI API says it


JsonSchemaFormat = Literal["json_schema", "json_object"]


@dataclass(frozen=True)
class ProviderCapabilities:
    """What a provider (or the server behind it) can do; the differences between servers live here, as data.

    `json_schema_format` is the wire shape of `response_format` that the server understands:
    "json_schema" is OpenAI's `{"type": "json_schema", "json_schema": {"name", "schema", "strict"}}` (OpenAI, vLLM,
    Ollama, llama.cpp's C++ llama-server); "json_object" is `{"type": "json_object", "schema": ...}`, the only one
    that llama-cpp-python's `llama_cpp.server` turns into a grammar (it ignores "json_schema").
    """

    json_schema_output: bool = False
    streaming: bool = True
    context_length: int = 4096
    embeddings: bool = False
    json_schema_format: JsonSchemaFormat = "json_schema"


class LLMProvider(Protocol):
    """A chat model behind one interface. Constructors are cheap; weights load in `warm_up()` or on first call."""

    name: str
    model: str

    @property
    def capabilities(self) -> ProviderCapabilities: ...

    def warm_up(self) -> None: ...

    def complete(self, request: CompletionRequest) -> Completion: ...

    def stream(self, request: CompletionRequest) -> Iterator[str]: ...


class ProviderError(RuntimeError):
    """A provider could not answer. Subclasses say whether trying again later can help."""

    def __init__(self, message: str, *, provider: str = "") -> None:
        self.message = message
        self.provider = provider
        super().__init__(f"{provider}: {message}" if provider else message)


class ProviderUnavailable(ProviderError):
    """The model cannot be reached or loaded right now (server down, overloaded after retries, weights missing)."""


class ProviderTimeout(ProviderError):
    """The request's `timeout_s` ran out before the answer was complete."""
