"""`rapport mail …` on a fresh SQLite file: import a message, answer it by a rule, send the outbox."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rapport.cli.main import app

runner = CliRunner()


def test_import_triage_acknowledge_and_send(tmp_path: Path) -> None:
    env = {"RAPPORT_DATA_DIR": str(tmp_path), "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    runner.invoke(app, ["init"], env=env)
    runner.invoke(app, ["rules", "install-demo"], env=env)
    message = tmp_path / "in.eml"
    headers = (
        b"From: Ada <ada@example.com>\r\nTo: help@shop.example\r\nSubject: Broken kettle\r\nMessage-ID: <k1@x>\r\n"
    )
    message.write_bytes(headers + b"\r\nIt leaks, I want a refund.")

    imported = runner.invoke(app, ["mail", "import", str(message), "--now"], env=env)
    sent = runner.invoke(app, ["mail", "send"], env=env)
    outbox = runner.invoke(app, ["mail", "outbox"], env=env)

    assert imported.exit_code == 0, imported.output
    assert "1 imported (1 new tickets" in imported.output
    assert sent.output.strip() == "1 sent, 0 failed (of 1)"
    assert "sent   ada@example.com" in outbox.output
    assert "Re: Broken kettle [#1]" in outbox.output
    assert len(list((tmp_path / "mail" / "outbox").glob("*.eml"))) == 1
