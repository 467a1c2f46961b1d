"""`rapport analytics run` on a fresh SQLite file (it belongs in tests/cli/test_analytics.py once that is ours)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rapport.cli.main import app
from rapport.store.engine import make_engine, make_sessionmaker, session_scope
from tests.analytics.conftest import seed_shop

runner = CliRunner()


def test_analytics_run_prints_what_it_found(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"RAPPORT_DATA_DIR": str(tmp_path), "RAPPORT_DATABASE_URL": url}
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        seed_shop(session, customers=45)
    engine.dispose()

    result = runner.invoke(app, ["analytics", "run", "--churn-days", "150"], env=env)

    assert result.exit_code == 0, result.output
    assert "45 customers, 45 with purchases" in result.output
    assert "churn: model churn@1" in result.output
    assert (tmp_path / "models" / "churn" / "churn@1.json").exists()
