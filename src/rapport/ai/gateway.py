"""The only path to a language model: provider choice, limits, cache, redaction, validation and a record of each call.

Every feature calls `Gateway.complete`, `Gateway.generate_json` or `Gateway.stream` with its own feature name. The
gateway picks the provider for that feature (settings), waits for a slot (a bounded queue; a full queue answers
`Busy` with a retry-after estimate instead of piling up), answers from the cache when the same deterministic question
was asked before, redacts personal data for providers that are not in-process and restores it in the answer,
validates structured output against its Pydantic schema (one repair round), and writes one `ai_calls` row per call in
its own short transaction: a feature's transaction is never held open across a model call.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from rapport.ai import weights
from rapport.ai.models import CachedCompletion, ModelCall
from rapport.ai.providers import (
    PROVIDERS,
    ChatMessage,
    Completion,
    CompletionRequest,
    LLMProvider,
    LocalGGUFProvider,
    OpenAICompatibleProvider,
    ProviderCapabilities,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
)
from rapport.errors import Busy, RapportError
from rapport.kit.clock import utcnow
from rapport.privacy import pii
from rapport.privacy.redaction import PiiRedactor, Redaction, Redactor
from rapport.settings import Settings

T = TypeVar("T", bound=BaseModel)


class ModelUnavailable(RapportError):
    """No model can answer (none configured, weights missing, server down): features fall back to what works."""

    status_code = 503
    code = "model_unavailable"


class ModelOutputInvalid(RapportError):
    """The model's answer did not fit the requested schema, even after one repair round."""

    status_code = 502
    code = "bad_model_output"


MIN_CALL_S = 1.0


@dataclass
class _Limiter:
    """At most `concurrency` calls at once and `queue` waiting; the rest are told when to come back."""

    concurrency: int
    queue: int
    semaphore: threading.Semaphore = field(init=False)
    waiting: int = 0
    mean_latency_s: float = 2.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.semaphore = threading.BoundedSemaphore(self.concurrency)

    def retry_after_s(self) -> int:
        return max(1, round(self.mean_latency_s * (self.waiting + 1) / self.concurrency))

    def acquire(self, timeout_s: float) -> float:
        """Wait for a slot (at most `timeout_s`); the seconds waited, which the call's own deadline then loses."""
        if self.semaphore.acquire(blocking=False):
            return 0.0
        started = time.perf_counter()
        with self.lock:
            if self.waiting >= self.queue:
                raise Busy(f"the model is busy ({self.waiting} calls waiting)", retry_after_s=self.retry_after_s())
            self.waiting += 1
        try:
            if not self.semaphore.acquire(timeout=timeout_s):
                raise Busy("the model stayed busy for the whole timeout", retry_after_s=self.retry_after_s())
        finally:
            with self.lock:
                self.waiting -= 1
        waited = time.perf_counter() - started
        if timeout_s - waited < MIN_CALL_S:  # too little of the deadline left for a useful answer
            self.semaphore.release()
            raise Busy("the model stayed busy for most of the timeout", retry_after_s=self.retry_after_s())
        return waited

    def release(self, latency_s: float) -> None:
        self.mean_latency_s = 0.8 * self.mean_latency_s + 0.2 * latency_s
        self.semaphore.release()


ProviderFactory = Callable[[str, Settings], LLMProvider]


def build_provider(name: str, settings: Settings) -> LLMProvider:
    """Make the provider called `name` from settings; cheap (weights load on first use)."""
    llm = settings.llm
    if name == "none":
        raise ModelUnavailable("no language model is configured (RAPPORT_LLM__PROVIDER=none)")
    if name not in PROVIDERS:
        raise ModelUnavailable(f"unknown provider '{name}'; known: {', '.join(PROVIDERS)}")
    if name == "local":
        try:
            path = weights.ensure_model(llm.local_model, settings.data_dir)
        except weights.ModelError as error:
            raise ModelUnavailable(f"the local model is not available: {error}") from error
        model = weights.get_model(llm.local_model)
        return LocalGGUFProvider(path, model.sha256, n_ctx=model.context_length, n_threads=llm.n_threads)
    if not llm.base_url:
        raise ModelUnavailable("the OpenAI-compatible provider needs RAPPORT_LLM__BASE_URL")
    return OpenAICompatibleProvider(
        llm.base_url,
        model=llm.model,
        api_key=llm.api_key,
        capabilities=ProviderCapabilities(json_schema_output=True, json_schema_format="json_object"),
        timeout_s=llm.timeout_s,
        max_retries=llm.max_retries,
    )


class Gateway:
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session] | None,
        *,
        providers: dict[str, LLMProvider] | None = None,
        factory: ProviderFactory = build_provider,
        redactor: Redactor | None = None,
    ) -> None:
        """`providers` pre-built by name (tests pass real ones); others are built by `factory` on first use."""
        self.settings = settings
        self.sessions = sessions
        self._providers: dict[str, LLMProvider] = dict(providers or {})
        self._factory = factory
        self._redactor = redactor or PiiRedactor(kinds=pii.PERSONAL_KINDS)
        self._limiters: dict[str, _Limiter] = {}
        self._lock = threading.Lock()

    # -- choosing a provider ---------------------------------------------------------------------------------
    def provider_name(self, feature: str) -> str:
        return self.settings.llm.feature_providers.get(feature, self.settings.llm.provider)

    def provider(self, feature: str) -> LLMProvider:
        name = self.provider_name(feature)
        with self._lock:
            if name not in self._providers:
                self._providers[name] = self._factory(name, self.settings)
            if name not in self._limiters:
                llm = self.settings.llm
                self._limiters[name] = _Limiter(concurrency=llm.max_concurrency, queue=llm.max_queue)
            return self._providers[name]

    def is_available(self, feature: str) -> bool:
        """Whether a model can be asked for this feature, without loading it: features pick a fallback otherwise."""
        try:
            self.provider(feature)
        except ModelUnavailable:
            return False
        return True

    # -- calls -----------------------------------------------------------------------------------------------
    def complete(
        self,
        feature: str,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        stop: Sequence[str] = (),
        seed: int | None = 0,
        json_schema: dict[str, Any] | None = None,
        timeout_s: float | None = None,
        use_cache: bool = True,
    ) -> Completion:
        provider = self.provider(feature)
        request = CompletionRequest(
            messages=list(messages),
            max_tokens=max_tokens,
            temperature=temperature,
            stop=tuple(stop),
            seed=seed,
            json_schema=json_schema,
            timeout_s=timeout_s or self.settings.llm.timeout_s,
        )
        key = _cache_key(provider, request) if use_cache and self.settings.llm.cache and temperature == 0 else None
        if key is not None:
            cached = self._cached(key)
            if cached is not None:
                self._record(feature, provider, cached, 0.0, None, is_cache_hit=True)
                return cached
        request, redaction = self._redact(provider, request)
        limiter = self._limiters[self.provider_name(feature)]
        waited = limiter.acquire(request.timeout_s)
        request = replace(request, timeout_s=request.timeout_s - waited)  # one deadline for the wait and the call
        started = time.perf_counter()
        try:
            completion = provider.complete(request)
        except ProviderError as error:
            self._record_error(feature, provider, started, error)
            raise _as_rapport_error(error) from error
        finally:
            limiter.release(time.perf_counter() - started)
        if redaction is not None:
            completion = replace(completion, text=redaction.restore(completion.text))
        latency_ms = (time.perf_counter() - started) * 1000
        self._record(feature, provider, completion, latency_ms, None, is_redacted=redaction is not None)
        if key is not None:
            self._store(key, completion)
        return completion

    def generate_json(self, feature: str, messages: Sequence[ChatMessage], schema: type[T], **kwargs: Any) -> T:
        """A validated `schema` instance. Constrained decoding where the provider has it; one repair round if not.

        The provider gets the schema without its length bounds (`decodable_schema`); pydantic checks them after."""
        json_schema = decodable_schema(schema.model_json_schema())
        completion = self.complete(feature, messages, json_schema=json_schema, **kwargs)
        try:
            return schema.model_validate_json(completion.text)
        except ValidationError as error:
            repair: list[ChatMessage] = [
                *messages,
                {"role": "assistant", "content": completion.text},
                {
                    "role": "user",
                    "content": "That is not valid for the required JSON schema: "
                    f"{_short_errors(error)}. Reply with only the corrected JSON object.",
                },
            ]
            second = self.complete(feature, repair, json_schema=json_schema, **kwargs)
            try:
                return schema.model_validate_json(second.text)
            except ValidationError as again:
                raise ModelOutputInvalid(
                    f"the model's answer did not match {schema.__name__}: {_short_errors(again)}"
                ) from again

    def stream(
        self,
        feature: str,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = 0,
        timeout_s: float | None = None,
    ) -> Iterator[str]:
        """Yield the answer as it is generated; placeholders are restored even when split across chunks."""
        provider = self.provider(feature)
        request = CompletionRequest(
            messages=list(messages),
            max_tokens=max_tokens,
            temperature=temperature,
            seed=seed,
            timeout_s=timeout_s or self.settings.llm.timeout_s,
        )
        request, redaction = self._redact(provider, request)
        limiter = self._limiters[self.provider_name(feature)]
        waited = limiter.acquire(request.timeout_s)
        request = replace(request, timeout_s=request.timeout_s - waited)  # one deadline for the wait and the call
        started = time.perf_counter()
        first_token_ms: float | None = None
        pieces: list[str] = []
        restorer = _StreamRestorer(redaction)
        try:
            for chunk in provider.stream(request):
                if first_token_ms is None:
                    first_token_ms = (time.perf_counter() - started) * 1000
                pieces.append(chunk)
                ready = restorer.feed(chunk)
                if ready:
                    yield ready
            tail = restorer.flush()
            if tail:
                yield tail
        except ProviderError as error:
            self._record_error(feature, provider, started, error, is_streamed=True)
            raise _as_rapport_error(error) from error
        finally:
            limiter.release(time.perf_counter() - started)
        text = "".join(pieces)
        completion = Completion(
            text=text, prompt_tokens=0, completion_tokens=len(pieces), model=provider.model, finish_reason="stop"
        )
        latency_ms = (time.perf_counter() - started) * 1000
        self._record(
            feature,
            provider,
            completion,
            latency_ms,
            first_token_ms,
            is_redacted=redaction is not None,
            is_streamed=True,
        )

    # -- helpers ---------------------------------------------------------------------------------------------
    def _redact(self, provider: LLMProvider, request: CompletionRequest) -> tuple[CompletionRequest, Redaction | None]:
        # In-process models never send text anywhere; every other provider gets placeholders instead of PII.
        if provider.name == "local":
            return request, None
        combined = Redaction(text="")
        messages: list[ChatMessage] = []
        for message in request.messages:
            redaction = self._redactor.redact(message["content"])
            text = redaction.text
            for placeholder, original in redaction.placeholders.items():
                # keep placeholders unique across messages
                unique = placeholder
                if unique in combined.placeholders and combined.placeholders[unique] != original:
                    unique = f"{placeholder[:-1]}_{len(combined.placeholders)}>"
                    text = text.replace(placeholder, unique)
                combined.placeholders[unique] = original
            messages.append({"role": message["role"], "content": text})
        if not combined.placeholders:
            return request, None
        return replace(request, messages=messages), combined

    def _cached(self, key: str) -> Completion | None:
        if self.sessions is None:
            return None
        with self.sessions() as session:
            row = session.scalar(select(CachedCompletion).where(CachedCompletion.key == key))
            if row is None:
                return None
            return Completion(
                text=row.text,
                prompt_tokens=row.prompt_tokens,
                completion_tokens=row.completion_tokens,
                model=row.model,
                finish_reason="stop",
            )

    def _store(self, key: str, completion: Completion) -> None:
        if self.sessions is None:
            return
        with self.sessions() as session:
            session.add(
                CachedCompletion(
                    key=key,
                    text=completion.text,
                    prompt_tokens=completion.prompt_tokens,
                    completion_tokens=completion.completion_tokens,
                    model=completion.model,
                    created_at=utcnow(),
                )
            )
            try:
                session.commit()
            except IntegrityError:  # another call stored the same answer first
                session.rollback()

    def _record(
        self,
        feature: str,
        provider: LLMProvider,
        completion: Completion,
        latency_ms: float,
        first_token_ms: float | None,
        *,
        is_cache_hit: bool = False,
        is_redacted: bool = False,
        is_streamed: bool = False,
    ) -> None:
        if self.sessions is None:
            return
        with self.sessions() as session:
            session.add(
                ModelCall(
                    at=utcnow(),
                    feature=feature[:60],
                    provider=provider.name,
                    model=completion.model[:120],
                    prompt_tokens=completion.prompt_tokens,
                    completion_tokens=completion.completion_tokens,
                    latency_ms=latency_ms,
                    first_token_ms=first_token_ms,
                    is_cache_hit=is_cache_hit,
                    is_redacted=is_redacted,
                    is_streamed=is_streamed,
                )
            )
            session.commit()

    def _record_error(
        self, feature: str, provider: LLMProvider, started: float, error: Exception, *, is_streamed: bool = False
    ) -> None:
        if self.sessions is None:
            return
        with self.sessions() as session:
            session.add(
                ModelCall(
                    at=utcnow(),
                    feature=feature[:60],
                    provider=provider.name,
                    model=provider.model[:120],
                    latency_ms=(time.perf_counter() - started) * 1000,
                    is_streamed=is_streamed,
                    error=f"{type(error).__name__}: {error}"[:300],
                )
            )
            session.commit()


class _StreamRestorer:
    """Restores placeholders in streamed text, holding back a chunk's tail that may be the start of one."""

    def __init__(self, redaction: Redaction | None) -> None:
        self.redaction = redaction
        self.buffer = ""

    def feed(self, chunk: str) -> str:
        if self.redaction is None:
            return chunk
        self.buffer += chunk
        cut = self.buffer.rfind("<")
        if cut != -1 and ">" not in self.buffer[cut:] and len(self.buffer) - cut < 24:
            ready, self.buffer = self.buffer[:cut], self.buffer[cut:]
        else:
            ready, self.buffer = self.buffer, ""
        return self.redaction.restore(ready)

    def flush(self) -> str:
        rest, self.buffer = self.buffer, ""
        return self.redaction.restore(rest) if self.redaction else rest


def _cache_key(provider: LLMProvider, request: CompletionRequest) -> str:
    payload = {
        "provider": provider.name,
        "model": provider.model,
        "messages": list(request.messages),
        "max_tokens": request.max_tokens,
        "stop": list(request.stop),
        "seed": request.seed,
        "schema": request.json_schema,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


_LENGTH_BOUNDS = frozenset({"maxLength", "minLength", "maxItems", "minItems"})


def decodable_schema(schema: Any) -> Any:
    """`schema` without string and array length bounds, which llama.cpp unrolls into grammars so deep that it can
    crash (a segmentation fault took a whole process down with `maxLength`/`maxItems`). The bounds still hold:
    the answer is validated against the full pydantic model afterwards, with one repair round."""
    if isinstance(schema, dict):
        return {key: decodable_schema(value) for key, value in schema.items() if key not in _LENGTH_BOUNDS}
    if isinstance(schema, list):
        return [decodable_schema(item) for item in schema]
    return schema


def _short_errors(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in error.errors()[:5])


def _as_rapport_error(error: ProviderError) -> RapportError:
    if isinstance(error, ProviderTimeout):
        return Busy(f"the model did not answer in time: {error.message}", retry_after_s=5)
    if isinstance(error, ProviderUnavailable):
        return ModelUnavailable(f"the model is unavailable: {error.message}")
    return ModelUnavailable(f"the model failed: {error.message}")
