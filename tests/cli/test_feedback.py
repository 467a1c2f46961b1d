"""`rapport feedback …` on a small demo company: run, topics, report, rename, merge, then an incremental run."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rapport.cli.main import app
from tests.feedback.kit import DATA_DIR

runner = CliRunner()


def test_run_then_topics_report_rename_and_merge(tmp_path: Path) -> None:
    # The embedding model's files come from the repository's data directory (as in the assistant tests); no fitted
    # sentiment model, so the lexicon scores.
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "embeddings").symlink_to((DATA_DIR / "models" / "embeddings").resolve())
    env = {
        "RAPPORT_DATA_DIR": str(tmp_path),
        "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "RAPPORT_LLM__PROVIDER": "none",
    }
    made = runner.invoke(app, ["demo", "--customers", "60", "--no-serve"], env=env)
    assert made.exit_code == 0, made.output

    ran = runner.invoke(app, ["feedback", "run", "--min-cluster-size", "5"], env=env)

    assert ran.exit_code == 0, ran.output
    assert "run 1 (full):" in ran.output
    assert "sentiment by sentiment-lexicon@1" in ran.output
    listed = runner.invoke(app, ["feedback", "topics", "--json"], env=env)
    topics = json.loads(listed.output)
    assert len(topics) >= 2
    first, second = topics[0]["id"], topics[1]["id"]
    report = runner.invoke(app, ["feedback", "report", "--limit", "3"], env=env)
    renamed = runner.invoke(app, ["feedback", "rename", str(first), "Where is my parcel"], env=env)
    merged = runner.invoke(app, ["feedback", "merge", str(first), str(second)], env=env)
    again = runner.invoke(app, ["feedback", "run", "--incremental"], env=env)

    assert report.exit_code == 0
    assert "messages in" in report.output
    assert renamed.exit_code == 0
    assert f"topic {first}: Where is my parcel" in renamed.output
    assert merged.exit_code == 0
    assert f"topic {first} (Where is my parcel) now has" in merged.output
    assert again.exit_code == 0
    assert "(incremental): 0 messages" in again.output
