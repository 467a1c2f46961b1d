"""The embedder the retrieval tests use: the assistant's default (multilingual e5, int8), loaded once, cached."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rapport.ai.embeddings import Embedder, build_embedder

DATA_DIR = Path(os.environ.get("RAPPORT_DATA_DIR", "var"))


@pytest.fixture(scope="session")
def e5() -> Embedder:
    embedder = build_embedder("e5-small-int8", DATA_DIR, cache_size=4096)
    embedder.warm_up()
    return embedder
