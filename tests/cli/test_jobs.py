"""`rapport jobs …` on a fresh SQLite file: the schedule, running a job here, and what is queued."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder: Path = tmp_path_factory.mktemp("cli-jobs")
    values = {"RAPPORT_DATA_DIR": str(folder), "RAPPORT_DATABASE_URL": f"sqlite:///{folder / 'cli.db'}"}
    assert runner.invoke(app, ["init"], env=values).exit_code == 0
    return values


def test_schedule_lists_the_periodic_jobs(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["jobs", "schedule"], env=env)

    assert result.exit_code == 0
    assert "0 7 * * 1        reports.weekly" in result.output


def test_run_now_runs_the_job_here(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["jobs", "run", "jobs.ping", "--now"], env=env)

    assert result.exit_code == 0, result.output
    assert "succeeded after 1 attempt(s)" in result.output


def test_a_queued_job_shows_as_pending(env: dict[str, str]) -> None:
    queued = runner.invoke(app, ["jobs", "run", "tickets.triage", "--arg", "ticket_id=42"], env=env)

    listing = runner.invoke(app, ["jobs"], env=env)

    assert queued.exit_code == 0
    assert 'tickets.triage {"ticket_id": 42}' in listing.output
    assert "jobs.ping #1 succeeded" in listing.output


def test_ping_without_a_worker_says_so(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["jobs", "ping", "--wait", "0.5"], env=env)

    assert result.exit_code == 1
    assert "start one with `rapport worker`" in result.output
