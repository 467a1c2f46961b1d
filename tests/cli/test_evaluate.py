"""`rapport eval NAME`: runs the repository's eval/NAME.py and passes its arguments through."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rapport.cli.evaluate import EVAL_DIR
from rapport.cli.main import app


def test_every_eval_command_has_its_script() -> None:
    import typer.main

    group = typer.main.get_command(app).commands["eval"]  # type: ignore[attr-defined]

    scripts = [path.stem for path in EVAL_DIR.glob("*.py") if not path.stem.endswith("_questions")]
    assert sorted(group.commands) == sorted(scripts)


def test_arguments_pass_through_to_the_script(capfd: pytest.CaptureFixture[str]) -> None:
    result = CliRunner().invoke(app, ["eval", "cais", "--help"])

    printed = capfd.readouterr().out  # the script runs in a child process, writing to the real stdout
    assert result.exit_code == 0
    assert "usage: cais.py" in printed
    assert "--split" in printed
