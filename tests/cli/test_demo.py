"""`rapport demo`: a new company is generated once and its analysis is queued for the server's workers."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, func, select

from rapport.cli.main import app
from rapport.feedback.models import FeedbackRun
from tests.cli.test_feedback import runner
from tests.feedback.kit import DATA_DIR


def test_a_new_demo_company_queues_its_analysis_which_fills_the_feedback_pages(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "embeddings").symlink_to((DATA_DIR / "models" / "embeddings").resolve())
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"RAPPORT_DATA_DIR": str(tmp_path), "RAPPORT_DATABASE_URL": url, "RAPPORT_LLM__PROVIDER": "none"}

    made = runner.invoke(app, ["demo", "--customers", "40", "--no-serve"], env=env)
    again = runner.invoke(app, ["demo", "--customers", "40", "--no-serve"], env=env)
    ran = runner.invoke(app, ["jobs", "run", "demo.analyse", "--now"], env=env)

    assert made.exit_code == 0, made.output
    assert "queued demo.analyse" in made.output
    assert "queued demo.analyse" not in again.output  # an existing company is left as it is
    assert ran.exit_code == 0, ran.output
    with create_engine(url).connect() as connection:
        assert connection.scalar(select(func.count()).select_from(FeedbackRun)) == 1
