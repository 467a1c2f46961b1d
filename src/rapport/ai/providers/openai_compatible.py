"""OpenAICompatibleProvider: any server that speaks OpenAI's chat completions API (vLLM, Ollama, llama.cpp, hosted).

`base_url` ends where OpenAI's own does, at the API root: `https://api.openai.com/v1`, `http://127.0.0.1:8000/v1`
(llama_cpp.server, vLLM), `http://127.0.0.1:11434/v1` (Ollama). What differs between servers is data in
`ProviderCapabilities` (for instance the `response_format` shape in `json_schema_format`), never a vendor branch.

Retries: a chat completion has no side effect, so connection failures, 5xx and 429 are retried with exponential
backoff (or the server's Retry-After), within the request's `timeout_s`. A stream is retried only before its first
byte: once text has been yielded, a broken stream raises ProviderError, since the caller has already used part of it.
"""

from __future__ import annotations

import email.utils
import json
import random
import threading
import time
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from typing import Any

import httpx

from rapport.ai.providers.base import (
    ChatMessage,
    Completion,
    CompletionRequest,
    JsonSchemaFormat,
    ProviderCapabilities,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
)

# How each `json_schema_format` puts a JSON Schema into `response_format`.
RESPONSE_FORMATS: dict[JsonSchemaFormat, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "json_schema": lambda schema: {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": schema, "strict": True},
    },
    "json_object": lambda schema: {"type": "json_object", "schema": schema},
}

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_MAX_BACKOFF_S = 30.0


class OpenAICompatibleProvider:
    name = "openai"

    def __init__(
        self,
        base_url: str,
        *,
        model: str,
        api_key: str | None = None,
        capabilities: ProviderCapabilities | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 2,
        backoff_s: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """`timeout_s` bounds `warm_up()` and `embed()`, and caps each request's own `timeout_s`.

        `transport` replaces httpx's network transport (an `httpx.MockTransport` in a test of a fault a real server
        cannot be made to give, such as a 503 with Retry-After).
        """
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self._capabilities = capabilities or ProviderCapabilities()
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self._transport = transport
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()

    @property
    def capabilities(self) -> ProviderCapabilities:
        return self._capabilities

    def warm_up(self) -> None:
        """Check that the server answers `GET /models`; raises ProviderUnavailable if it does not."""
        response = self._send("GET", "models", None, time.monotonic() + self.timeout_s, stream=False)
        response.close()

    def complete(self, request: CompletionRequest) -> Completion:
        deadline = self._deadline(request)
        response = self._send("POST", "chat/completions", self._payload(request, stream=False), deadline, stream=False)
        body = self._json(response)
        try:
            choice = body["choices"][0]
            usage = body.get("usage") or {}
            return Completion(
                text=choice["message"].get("content") or "",
                prompt_tokens=int(usage.get("prompt_tokens", 0)),
                completion_tokens=int(usage.get("completion_tokens", 0)),
                model=str(body.get("model") or self.model),
                finish_reason=str(choice.get("finish_reason") or "stop"),
            )
        except (KeyError, IndexError, TypeError, ValueError) as error:
            raise ProviderError(f"unexpected chat completion body: {str(body)[:300]}", provider=self.name) from error

    def stream(self, request: CompletionRequest) -> Generator[str, None, None]:
        """Yield text as the server sends it (server-sent events), ending at `data: [DONE]`."""
        deadline = self._deadline(request)
        response = self._send("POST", "chat/completions", self._payload(request, stream=True), deadline, stream=True)
        is_complete = False
        try:
            for line in response.iter_lines():
                if time.monotonic() >= deadline:
                    raise self._timeout(request.timeout_s)
                data = _sse_data(line)
                if data is None:
                    continue
                if data == "[DONE]":
                    is_complete = True
                    break
                event = _parse_event(data, self.name)
                choice = (event.get("choices") or [{}])[0]
                text = (choice.get("delta") or {}).get("content")
                if choice.get("finish_reason"):
                    is_complete = True  # some servers end after the last chunk without sending [DONE]
                if text:
                    yield text
        except httpx.TimeoutException:
            raise self._timeout(request.timeout_s) from None
        except httpx.TransportError as error:
            raise ProviderError(
                f"the server at {self.base_url} broke off the stream mid-answer ({type(error).__name__}: {error})",
                provider=self.name,
            ) from error
        finally:
            response.close()
        if not is_complete:
            raise ProviderError(
                f"the stream from {self.base_url} ended before the answer was complete (no finish_reason, no [DONE])",
                provider=self.name,
            )

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Embed `texts` with `POST /embeddings`; needs a server started with an embedding model."""
        payload = {"model": self.model, "input": texts}
        body = self._json(self._send("POST", "embeddings", payload, time.monotonic() + self.timeout_s, stream=False))
        try:
            items = sorted(body["data"], key=lambda item: int(item["index"]))
            return [[float(value) for value in item["embedding"]] for item in items]
        except (KeyError, TypeError, ValueError) as error:
            raise ProviderError(f"unexpected embeddings body: {str(body)[:300]}", provider=self.name) from error

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _payload(self, request: CompletionRequest, *, stream: bool) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": [_message(message) for message in request.messages],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "stream": stream,
        }
        if request.stop:
            payload["stop"] = list(request.stop)
        if request.seed is not None:
            payload["seed"] = request.seed
        if request.json_schema is not None:
            if not self._capabilities.json_schema_output:
                raise ProviderError(
                    f"model {self.model} at {self.base_url} is not configured for JSON-Schema output "
                    "(capabilities.json_schema_output is False)",
                    provider=self.name,
                )
            payload["response_format"] = RESPONSE_FORMATS[self._capabilities.json_schema_format](request.json_schema)
        return payload

    def _send(
        self, method: str, path: str, payload: dict[str, Any] | None, deadline: float, *, stream: bool
    ) -> httpx.Response:
        """Send with retries until a 2xx arrives; a 2xx stream comes back open, for the caller to read and close."""
        client = self._http()
        url = f"{self.base_url}/{path}"
        for attempt in range(self.max_retries + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._timeout(None)
            request = client.build_request(method, url, json=payload, timeout=httpx.Timeout(remaining))
            try:
                response = client.send(request, stream=stream)
            except httpx.TimeoutException:
                raise self._timeout(None) from None
            except httpx.TransportError as error:
                failure = f"cannot reach {url}: {type(error).__name__}: {error}"
                delay = self._backoff(attempt)
            else:
                if response.is_success:
                    return response
                response.read()
                response.close()
                failure = f"HTTP {response.status_code} from {url}: {response.text[:300]}"
                if response.status_code not in _RETRY_STATUSES:
                    raise ProviderError(failure, provider=self.name)
                delay = _retry_after_s(response) or self._backoff(attempt)
            if attempt == self.max_retries:
                break
            if time.monotonic() + delay >= deadline:
                raise ProviderTimeout(
                    f"{failure}; retrying in {delay:.1f} s would pass the deadline", provider=self.name
                )
            time.sleep(delay)
        raise ProviderUnavailable(f"{failure} (after {self.max_retries + 1} attempts)", provider=self.name)

    def _http(self) -> httpx.Client:
        with self._client_lock:
            if self._client is None:
                headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
                self._client = httpx.Client(headers=headers, transport=self._transport)
            return self._client

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ProviderError(
                f"non-JSON answer from {response.url}: {response.text[:300]}", provider=self.name
            ) from error
        finally:
            response.close()
        if not isinstance(body, dict):
            raise ProviderError(f"unexpected answer from {response.url}: {str(body)[:300]}", provider=self.name)
        return body

    def _deadline(self, request: CompletionRequest) -> float:
        return time.monotonic() + min(request.timeout_s, self.timeout_s)

    def _backoff(self, attempt: int) -> float:
        # Jitter keeps many workers that failed together from retrying together.
        return min(self.backoff_s * 2.0**attempt, _MAX_BACKOFF_S) * (0.5 + random.random() / 2)

    def _timeout(self, timeout_s: float | None) -> ProviderTimeout:
        budget = f"timeout_s={timeout_s}" if timeout_s is not None else "the request's timeout"
        return ProviderTimeout(f"no complete answer from {self.base_url} within {budget}", provider=self.name)


def _retry_after_s(response: httpx.Response) -> float | None:
    """Retry-After in seconds, given as a number or as an HTTP date; None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC with no zone stated
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _sse_data(line: str) -> str | None:
    """The payload of one `data:` line of a server-sent event stream; None for blanks, comments and other fields."""
    if not line.startswith("data:"):
        return None
    return line[5:].strip()


def _parse_event(data: str, provider: str) -> dict[str, Any]:
    try:
        event = json.loads(data)
    except json.JSONDecodeError as error:
        raise ProviderError(f"unreadable stream event: {data[:300]}", provider=provider) from error
    if not isinstance(event, dict):
        raise ProviderError(f"unexpected stream event: {data[:300]}", provider=provider)
    if "error" in event:
        raise ProviderError(f"the server reported an error mid-stream: {event['error']}", provider=provider)
    return event


def _message(message: ChatMessage) -> dict[str, str]:
    return {"role": message["role"], "content": message["content"]}
