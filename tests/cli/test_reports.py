"""`rapport reports …` on a fresh SQLite file: the weekly report builds, checks out and is listed."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rapport.cli.main import app

runner = CliRunner()


def test_weekly_report_builds_and_lists(tmp_path: Path) -> None:
    env = {
        "RAPPORT_DATA_DIR": str(tmp_path),
        "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "RAPPORT_REPORTS__CJK_FONT": "",
    }
    runner.invoke(app, ["init"], env=env)

    built = runner.invoke(app, ["reports", "weekly", "--as-of", "2026-11-24"], env=env)
    listed = runner.invoke(app, ["reports", "list"], env=env)

    assert built.exit_code == 0, built.output
    assert "report 1 (ready)" in built.output
    assert "numbers found in the tables" in built.output
    assert "weekly 2026-11-16 ready" in listed.output
    assert list(tmp_path.glob("reports/weekly-2026-11-16-*/report.pdf"))
