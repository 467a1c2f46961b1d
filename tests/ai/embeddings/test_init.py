"""build_embedder and EMBEDDERS: every name builds without loading or writing anything; bad names and options are
refused with Invalid."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.ai.embeddings import EMBEDDERS, CachedEmbedder, OpenAICompatibleEmbedder, build_embedder
from rapport.errors import Invalid

LOCAL = sorted(name for name in EMBEDDERS if name != "openai")


@pytest.mark.parametrize("name", LOCAL)
def test_building_a_local_embedder_loads_nothing_and_writes_nothing(tmp_path: Path, name: str) -> None:
    built = build_embedder(name, tmp_path)

    assert built.name == name
    assert built.dimension in {384, 512}
    assert list(tmp_path.iterdir()) == []


def test_openai_embedder_gets_its_url_and_model(tmp_path: Path) -> None:
    built = build_embedder("openai", tmp_path, base_url="http://127.0.0.1:9/v1", model="e5")

    assert isinstance(built, OpenAICompatibleEmbedder)
    assert (built.base_url, built.model) == ("http://127.0.0.1:9/v1", "e5")


def test_cache_size_wraps_the_embedder_in_a_cache(tmp_path: Path) -> None:
    built = build_embedder("e5-small-q4", tmp_path, cache_size=100)

    assert isinstance(built, CachedEmbedder)
    assert built.max_entries == 100


def test_an_unknown_name_is_invalid(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="unknown embedder 'bert'; known: e5-small"):
        build_embedder("bert", tmp_path)


def test_openai_without_a_url_is_invalid(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="needs base_url"):
        build_embedder("openai", tmp_path, model="e5")


def test_an_unknown_option_is_invalid(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="bad options for embedder 'minilm'"):
        build_embedder("minilm", tmp_path, colour="blue")
