"""`rapport ask` end to end on a fresh SQLite file with the small local model (Qwen2.5-Coder 0.5B)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from rapport.cli.main import app
from tests.assistant.kit import DATA_DIR
from tests.factories import make_customer

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "RAPPORT_DATA_DIR": str(DATA_DIR.resolve()),
        "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "RAPPORT_LLM__PROVIDER": "local",
        "RAPPORT_LLM__LOCAL_MODEL": "qwen2.5-coder-0.5b-instruct-q4_k_m",
        "RAPPORT_LLM__CACHE": "false",
        "RAPPORT_LLM__TIMEOUT_S": "240",
    }


def test_ask_prints_the_table_summary_and_sql(env: dict[str, str], tmp_path: Path) -> None:
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    engine = create_engine(env["RAPPORT_DATABASE_URL"])
    with Session(engine) as session:
        for city in ("London", "London", "上海市"):
            make_customer(session, city=city)
        session.commit()
    engine.dispose()

    result = runner.invoke(app, ["ask", "How many customers do we have?", "--json"], env=env)

    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["status"] == "answered"
    assert answer["rows"] == [[3]]
    assert answer["sql"].startswith("SELECT count(customers.id)")


def test_ask_without_a_model_says_so(env: dict[str, str]) -> None:
    env = {**env, "RAPPORT_LLM__PROVIDER": "none"}
    assert runner.invoke(app, ["init"], env=env).exit_code == 0

    result = runner.invoke(app, ["ask", "How many customers do we have?"], env=env)

    assert result.exit_code != 0
    assert "no language model is configured" in str(result.exception) + result.output
