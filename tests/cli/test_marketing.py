"""`rapport marketing …` on a small demo company: the whole path in one command, then the other commands."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rapport.cli.main import app

runner = CliRunner()


def test_demo_path_then_segments_and_campaign_commands(tmp_path: Path) -> None:
    env = {
        "RAPPORT_DATA_DIR": str(tmp_path),
        "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "RAPPORT_LLM__PROVIDER": "none",
        "RAPPORT_QUEUE__BACKEND": "immediate",
    }
    made = runner.invoke(app, ["demo", "--customers", "150", "--no-serve"], env=env)
    assert made.exit_code == 0, made.output

    demo = runner.invoke(app, ["marketing", "demo", "--no-model", "--sentence", "customers who spent over 10"], env=env)

    assert demo.exit_code == 0, demo.output
    assert "segment rules (rules): total spent is over 10.0" in demo.output
    assert "SIMULATED" in demo.output
    assert "holdout" in demo.output
    assert "Newcombe" in demo.output

    listed = runner.invoke(app, ["marketing", "campaign", "list"], env=env)
    segments = runner.invoke(app, ["marketing", "segment", "list"], env=env)
    draft = runner.invoke(
        app,
        ["marketing", "segment", "from-sentence", "Chinese-speaking customers", "--save", "zh", "--no-model"],
        env=env,
    )
    created = runner.invoke(
        app,
        ["marketing", "campaign", "create", "Spring", "--segment", "2", "--offer", "10% off", "--discount", "10"],
        env=env,
    )
    preview = runner.invoke(app, ["marketing", "campaign", "preview", "2", "--sample", "1"], env=env)
    copy = runner.invoke(app, ["marketing", "campaign", "messages", "2", "--no-model"], env=env)
    sent = runner.invoke(app, ["marketing", "campaign", "send", "2"], env=env)
    results = runner.invoke(app, ["marketing", "campaign", "results", "2"], env=env)

    assert "sent" in listed.output
    assert "Win-back" in segments.output
    assert "language is zh" in draft.output
    assert "saved segment 2" in draft.output
    assert created.exit_code == 0, created.output
    assert "campaign 2" in created.output
    assert preview.exit_code == 0, preview.output
    assert "eligible" in preview.output
    assert copy.exit_code == 0, copy.output
    assert "[A/en] template" in copy.output
    assert sent.exit_code == 0, sent.output
    assert '"queued"' in sent.output
    assert results.exit_code == 0, results.output
    assert "holdout" in results.output
    assert list(tmp_path.glob("mail/outbox/*.eml"))  # the immediate queue sent the campaign's mail
