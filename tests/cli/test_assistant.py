"""`rapport kb …` end to end on a fresh SQLite file: import files, search them, answer without a model, sign tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport.assistant.widget_tokens import secret_from, verify
from rapport.cli.main import app
from tests.assistant.kit import DATA_DIR

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    # The models' folder is the shared one (the embedder is exported there once); the database is the test's own.
    return {
        "RAPPORT_DATA_DIR": str(DATA_DIR.resolve()),
        "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "RAPPORT_LLM__PROVIDER": "none",
    }


def test_import_a_folder_then_search_and_ask(env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "error-codes.md").write_text(
        "# Error codes\n\n## E-402: Pairing failed\nForget the device, then pair again.\n"
    )
    (folder / "faq.csv").write_text('question,answer\nDo you ship to Norway?,"Yes, in 5-8 days."\n')
    (folder / "notes.docx").write_bytes(b"ignored: not a knowledge file type")
    assert runner.invoke(app, ["init"], env=env).exit_code == 0

    imported = runner.invoke(app, ["kb", "import", str(folder)], env=env)
    search = runner.invoke(app, ["kb", "search", "E402 headphones", "--k", "1"], env=env)
    ask = runner.invoke(app, ["kb", "ask", "Can you deliver to Norway?"], env=env)

    assert imported.exit_code == 0, imported.output
    assert "created" in imported.output
    assert "indexed 2 article(s)" in imported.output
    assert "error-codes" in search.output
    assert "Yes, in 5-8 days. [1]" in ask.output
    assert "passages only" in ask.output


def test_a_failed_file_makes_the_import_exit_non_zero(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    runner.invoke(app, ["init"], env=env)

    result = runner.invoke(app, ["kb", "import", str(bad), "--no-index"], env=env)

    assert result.exit_code == 1
    assert "failed" in result.output


def test_widget_token_is_signed_with_the_data_dirs_key(tmp_path: Path) -> None:
    env = {"RAPPORT_DATA_DIR": str(tmp_path), "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}

    result = runner.invoke(app, ["kb", "widget-token", "42", "--ttl-s", "600"], env=env)

    assert result.exit_code == 0, result.output
    assert verify(secret_from(None, tmp_path), result.output.strip()) == 42
