"""The CLI end to end on a fresh SQLite file: init, users, tokens, migrations, audit verification."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport.cli.main import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"RAPPORT_DATA_DIR": str(tmp_path), "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}


def test_init_then_add_user_then_token(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["init"], env=env).exit_code == 0

    added = runner.invoke(
        app,
        ["user", "add", "ops@example.com", "--name", "Ops", "--role", "admin", "--password", "long-enough-1"],
        env=env,
    )
    token = runner.invoke(app, ["user", "token", "ops@example.com"], env=env)

    assert added.exit_code == 0, added.output
    assert "ops@example.com (admin)" in added.output
    assert token.exit_code == 0
    assert token.output.strip().startswith("rpt_")


def test_db_upgrade_reports_the_head_revision(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["db", "upgrade"], env=env)

    assert result.exit_code == 0
    assert "0001" in result.output


def test_audit_verify_on_an_intact_log(env: dict[str, str]) -> None:
    runner.invoke(app, ["init"], env=env)
    runner.invoke(app, ["user", "add", "a@example.com", "--name", "A", "--password", "long-enough-1"], env=env)

    result = runner.invoke(app, ["audit", "verify"], env=env)

    assert result.exit_code == 0
    assert "intact" in result.output


def test_weak_password_is_refused_with_a_message(env: dict[str, str]) -> None:
    runner.invoke(app, ["init"], env=env)

    result = runner.invoke(app, ["user", "add", "b@example.com", "--name", "B", "--password", "short"], env=env)

    assert result.exit_code != 0
    assert "at least 10" in str(result.exception) + result.output


@pytest.mark.parametrize("command", [[], ["db"], ["user"], ["audit"], ["demo"], ["serve"], ["init"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])

    assert result.exit_code == 0
    assert "Usage" in result.output
