"""LocalGGUFProvider: a GGUF chat model run in-process by llama-cpp-python, on the CPU, with no server.

The weights are hashed before they load (see `rapport.ai.weights`); a file that fails raises ModelIntegrityError and
is never loaded. One lock guards the llama object, which is not thread-safe: a request waits at most its own
`timeout_s` for the lock. Structured output is grammar-constrained decoding built from the request's JSON Schema,
so the model cannot emit tokens outside it (it can still stop early at `max_tokens`: the gateway validates).

Timeouts are checked after every generated token (see `llama_deadline`). Prompt evaluation itself is not interrupted,
so a long prompt can overrun the deadline by its evaluation time (100 to 140 tokens/s for the 0.5B model here).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rapport.ai.providers.base import (
    ChatMessage,
    Completion,
    CompletionRequest,
    ProviderCapabilities,
    ProviderTimeout,
    ProviderUnavailable,
)
from rapport.ai.weights import verify

if TYPE_CHECKING:  # llama-cpp-python is optional: imported when a model loads, not with this module
    from rapport.ai.providers.llama_deadline import DeadlineLlama


def default_threads() -> int:
    """Half the CPUs this process may use (llama.cpp's own rule), at least one.

    Measured on 2 vCPUs (docs/AI.md): 2 threads generate 1.4-1.6x faster than 1 on an idle machine, but when one core is
    busy with anything else they drop to 0.4x of that (llama.cpp's threads wait on each other at every layer), below
    1 thread. Rapport shares its machine with the web app, workers and the database, so it takes the safe default;
    pass `n_threads` to use more on a machine kept for the model.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no sched_getaffinity
        cpus = os.cpu_count() or 1
    return max(cpus // 2, 1)


class LocalGGUFProvider:
    name = "local"

    def __init__(self, model_path: Path, expected_sha256: str, n_ctx: int = 4096, n_threads: int | None = None) -> None:
        self.model_path = Path(model_path)
        self.expected_sha256 = expected_sha256
        self.n_ctx = n_ctx
        self.n_threads = n_threads or default_threads()
        self.model = self.model_path.stem
        self._llama: DeadlineLlama | None = None
        self._lock = threading.Lock()

    @property
    def capabilities(self) -> ProviderCapabilities:
        return ProviderCapabilities(
            json_schema_output=True, streaming=True, context_length=self.n_ctx, embeddings=False
        )

    def warm_up(self) -> None:
        """Verify the weights' hash and load them; does nothing once loaded."""
        with self._lock:
            self._load_locked()

    def complete(self, request: CompletionRequest) -> Completion:
        with self._holding(time.monotonic() + request.timeout_s) as llama:
            response = cast("dict[str, Any]", llama.create_chat_completion(**self._arguments(request, stream=False)))
            if llama.deadline_passed:
                raise self._timeout(request)
        choice = response["choices"][0]
        usage = response["usage"]
        return Completion(
            text=choice["message"]["content"] or "",
            prompt_tokens=int(usage["prompt_tokens"]),
            completion_tokens=int(usage["completion_tokens"]),
            model=self.model,
            finish_reason=str(choice["finish_reason"]),
        )

    def stream(self, request: CompletionRequest) -> Generator[str, None, None]:
        """Yield the answer's text as it is generated. The lock is held until the iterator ends or is closed."""
        with self._holding(time.monotonic() + request.timeout_s) as llama:
            chunks = cast(
                "Iterator[dict[str, Any]]", llama.create_chat_completion(**self._arguments(request, stream=True))
            )
            try:
                for chunk in chunks:
                    if llama.deadline_passed:
                        raise self._timeout(request)
                    text = chunk["choices"][0]["delta"].get("content")
                    if text:
                        yield text
                if llama.deadline_passed:
                    raise self._timeout(request)
            finally:
                # Closing the generator ends llama-cpp-python's generation loop before the lock is released.
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()

    def _arguments(self, request: CompletionRequest, *, stream: bool) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "messages": [_message(message) for message in request.messages],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "stop": list(request.stop),
            "seed": request.seed,
            "stream": stream,
        }
        if request.json_schema is not None:
            # llama-cpp-python compiles this schema into a GBNF grammar that constrains every sampled token.
            arguments["response_format"] = {"type": "json_object", "schema": request.json_schema}
        return arguments

    @contextmanager
    def _holding(self, deadline: float) -> Iterator[DeadlineLlama]:
        """The loaded model, under the lock, waiting for the lock no longer than the request's deadline."""
        if not self._lock.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
            raise ProviderTimeout("timed out waiting for the model, busy with another request", provider=self.name)
        try:
            llama = self._load_locked()
            llama.start_request(deadline)
            yield llama
        finally:
            self._lock.release()

    def _load_locked(self) -> DeadlineLlama:
        if self._llama is not None:
            return self._llama
        if not self.model_path.is_file():
            raise ProviderUnavailable(
                f"model file {self.model_path} does not exist; join it with rapport.ai.weights.ensure_model()",
                provider=self.name,
            )
        verify(self.model_path, self.expected_sha256)  # raises ModelIntegrityError: a bad file is never loaded
        try:
            from rapport.ai.providers.llama_deadline import DeadlineLlama
        except ImportError as error:
            raise ProviderUnavailable(
                f"llama-cpp-python is not installed ({error}); run scripts/install-llama.sh VENV_DIR",
                provider=self.name,
            ) from error
        try:
            self._llama = DeadlineLlama(
                model_path=str(self.model_path),
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,
                verbose=False,
            )
        except (ValueError, RuntimeError) as error:
            raise ProviderUnavailable(
                f"llama.cpp could not load {self.model_path}: {error}", provider=self.name
            ) from error
        return self._llama

    def _timeout(self, request: CompletionRequest) -> ProviderTimeout:
        return ProviderTimeout(f"no complete answer within timeout_s={request.timeout_s}", provider=self.name)


def _message(message: ChatMessage) -> dict[str, str]:
    return {"role": message["role"], "content": message["content"]}
