"""`python -m rapport.ai.embeddings`: export reports the int8 folders, embed prints vectors."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rapport.ai.embeddings import Embedder
from rapport.ai.embeddings.__main__ import main

from .conftest import DATA_DIR


def test_export_reports_the_folder_of_a_finished_export(
    embedder: Callable[[str], Embedder], capsys: pytest.CaptureFixture[str]
) -> None:
    embedder("minilm-int8")  # makes sure the export exists, so this run only finds it

    code = main(["--data-dir", str(DATA_DIR), "export", "all-minilm-l6-v2"])

    assert code == 0
    assert capsys.readouterr().out.startswith(
        f"all-minilm-l6-v2: {DATA_DIR / 'models' / 'embeddings'}/all-minilm-l6-v2-int8 ("
    )


def test_embed_prints_dimension_and_unit_norm(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--data-dir", str(DATA_DIR), "embed", "e5-small-q4", "你好", "hello", "--kind", "passage"])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert len(lines) == 2
    assert lines[0].startswith("'你好': dim 384, first [")
    assert lines[1].endswith("norm 1.000")


def test_export_of_an_unknown_model_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["export", "bert"])

    assert "unknown model 'bert'" in capsys.readouterr().err
