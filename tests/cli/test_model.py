"""`rapport model …` on a fresh SQLite file: list, promote, configure, predict, evaluate, roll back."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport.cli.main import app
from rapport.store.engine import make_engine, make_sessionmaker, session_scope
from tests.ai.classifier.conftest import add_version, train_tiny

runner = CliRunner()
pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    values = {
        "RAPPORT_DATA_DIR": str(tmp_path),
        "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "COLUMNS": "200",
    }
    assert runner.invoke(app, ["init"], env=values).exit_code == 0
    engine = make_engine(values["RAPPORT_DATABASE_URL"])
    with session_scope(make_sessionmaker(engine)) as session:
        for _ in range(2):
            add_version(session, tmp_path, train_tiny(tmp_path_factory))
    engine.dispose()
    return values


def test_list_promote_configure_predict_and_roll_back(env: dict[str, str], tmp_path: Path) -> None:
    data = tmp_path / "eval.csv"
    data.write_text("text,label\nplease refund me,refund\nwhere is my parcel,delivery\n", encoding="utf-8")

    listed = runner.invoke(app, ["model", "list"], env=env, terminal_width=200)
    first = runner.invoke(app, ["model", "promote", "ticket-intent@1"], env=env)
    second = runner.invoke(app, ["model", "promote", "ticket-intent@2"], env=env)
    configured = runner.invoke(app, ["model", "config", "ticket-intent", "--threshold", "0"], env=env)
    predicted = runner.invoke(app, ["model", "predict", "ticket-intent", "please refund my money"], env=env)
    evaluated = runner.invoke(
        app,
        ["model", "eval", "ticket-intent@1", "--data", str(data), "--out", str(tmp_path / "out")],
        env=env,
        terminal_width=200,
    )
    rolled = runner.invoke(app, ["model", "rollback", "ticket-intent"], env=env)

    assert listed.exit_code == 0, listed.output
    assert "ticket-intent@2" in listed.output
    assert "now serves ticket-intent@1" in first.output
    assert "now serves ticket-intent@2" in second.output
    assert "threshold 0.0000 (set)" in configured.output
    assert predicted.exit_code == 0, predicted.output
    assert predicted.output.startswith("ticket-intent@2")
    assert "because:" in predicted.output
    assert evaluated.exit_code == 0, evaluated.output
    assert (tmp_path / "out" / "report.json").is_file()
    assert "rolled back to ticket-intent@1" in rolled.output


def test_rolling_back_with_nothing_before_is_refused(env: dict[str, str]) -> None:
    runner.invoke(app, ["model", "promote", "ticket-intent@1"], env=env)

    result = runner.invoke(app, ["model", "rollback", "ticket-intent"], env=env)

    assert result.exit_code != 0
    assert "nothing to roll back" in str(result.exception) + result.output


@pytest.mark.parametrize("command", [["model"], ["model", "train"], ["model", "eval"], ["model", "predict"]])
def test_model_commands_have_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])

    assert result.exit_code == 0
    assert "Usage" in result.output
