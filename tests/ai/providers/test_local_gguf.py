"""LocalGGUFProvider with the real 0.5B model: answers, streams, JSON-Schema output, timeouts and damaged weights."""

from __future__ import annotations

import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import BaseModel

from rapport.ai.providers import CompletionRequest, LocalGGUFProvider, ProviderTimeout, ProviderUnavailable
from rapport.ai.weights import ModelIntegrityError

from ..conftest import TEST_MODEL

pytestmark = pytest.mark.llm


class Contact(BaseModel):
    name: str
    age: int


@pytest.fixture(scope="module")
def provider(test_model_path: Path) -> LocalGGUFProvider:
    provider = LocalGGUFProvider(test_model_path, TEST_MODEL.sha256, n_ctx=1024)
    provider.warm_up()
    return provider


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


def test_complete_answers_a_short_question(provider: LocalGGUFProvider) -> None:
    completion = provider.complete(_ask("What is the capital of France? Answer in one word."))

    assert "paris" in completion.text.lower()
    assert completion.prompt_tokens > 5
    assert 1 <= completion.completion_tokens <= 8
    assert completion.model == TEST_MODEL.name
    assert completion.finish_reason in {"stop", "length"}


def test_stream_yields_the_same_text_as_complete(provider: LocalGGUFProvider) -> None:
    request = _ask("Name three colours, comma-separated.")

    chunks = list(provider.stream(request))

    assert len(chunks) >= 2
    assert "".join(chunks) == provider.complete(request).text


def test_structured_output_is_valid_for_the_schema(provider: LocalGGUFProvider) -> None:
    request = _ask(
        'Reply with a JSON object for the contact "Ada", aged 36.',
        json_schema=Contact.model_json_schema(),
        max_tokens=16,
    )

    completion = provider.complete(request)

    assert Contact.model_validate_json(completion.text) == Contact(name="Ada", age=36)


def test_timeout_stops_a_long_answer_early(provider: LocalGGUFProvider) -> None:
    # Given an answer that would take about ten seconds to generate in full
    request = _ask("Count from 1 to 300, one number per line.", max_tokens=512, timeout_s=0.5)

    # When its budget is half a second, then generation stops soon after and says why
    started = time.monotonic()
    with pytest.raises(ProviderTimeout, match=r"timeout_s=0\.5"):
        provider.complete(request)
    assert time.monotonic() - started < 2.0

    # and the model answers the next request as usual
    assert provider.complete(_ask("Say hi.", max_tokens=2)).completion_tokens >= 1


def test_stream_timeout_raises_provider_timeout_after_the_text_so_far(provider: LocalGGUFProvider) -> None:
    chunks: list[str] = []
    started = time.monotonic()

    with pytest.raises(ProviderTimeout):
        # 3 s: enough for the first tokens even on a loaded machine, far from the ~13 s the whole count takes
        chunks.extend(provider.stream(_ask("Count from 1 to 300, one number per line.", max_tokens=512, timeout_s=3.0)))

    assert time.monotonic() - started < 5.0
    assert "1" in "".join(chunks)


def test_concurrent_requests_are_served_one_at_a_time(provider: LocalGGUFProvider) -> None:
    questions = [f"What is {n} plus {n}? Answer with the number only." for n in (2, 3, 4)]

    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(pool.map(lambda question: provider.complete(_ask(question, max_tokens=4)).text, questions))

    assert [answer.strip() for answer in answers] == ["4", "6", "8"]


def test_request_waiting_for_a_busy_model_times_out(provider: LocalGGUFProvider) -> None:
    # Given a stream in progress, which holds the model
    stream = provider.stream(_ask("Count from 1 to 300, one number per line.", max_tokens=64))
    next(stream)

    # When another request cannot get the model within its budget, then it says so
    with pytest.raises(ProviderTimeout, match="busy with another request"):
        provider.complete(_ask("hi", timeout_s=0.2))

    # and closing the stream frees the model
    stream.close()
    assert provider.complete(_ask("Say hi.", max_tokens=2)).completion_tokens >= 1


def test_model_file_with_one_flipped_byte_is_refused(test_model_path: Path, tmp_path: Path) -> None:
    # Given a copy of the model with one byte flipped in the middle, its size and mtime put back as they were
    damaged = tmp_path / "damaged.gguf"
    shutil.copyfile(test_model_path, damaged)
    stat = damaged.stat()
    with damaged.open("r+b") as file:
        file.seek(stat.st_size // 2)
        byte = file.read(1)
        file.seek(stat.st_size // 2)
        file.write(bytes([byte[0] ^ 0x01]))
    os.utime(damaged, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    # When it is loaded, then it is refused before llama.cpp sees it
    provider = LocalGGUFProvider(damaged, TEST_MODEL.sha256)
    with pytest.raises(ModelIntegrityError) as raised:
        provider.warm_up()
    assert raised.value.expected_sha256 == TEST_MODEL.sha256
    assert raised.value.actual_sha256 != TEST_MODEL.sha256
    assert "delete it" in str(raised.value)


def test_missing_model_file_raises_provider_unavailable(tmp_path: Path) -> None:
    provider = LocalGGUFProvider(tmp_path / "absent.gguf", TEST_MODEL.sha256)

    with pytest.raises(ProviderUnavailable, match="does not exist"):
        provider.complete(_ask("hi"))
