"""`rapport rules …` and `rapport automation …` on a fresh SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder: Path = tmp_path_factory.mktemp("cli-automation")
    values = {"RAPPORT_DATA_DIR": str(folder), "RAPPORT_DATABASE_URL": f"sqlite:///{folder / 'cli.db'}"}
    assert runner.invoke(app, ["init"], env=values).exit_code == 0
    return values


def test_install_list_and_dry_run_the_demo_rules(env: dict[str, str]) -> None:
    installed = runner.invoke(app, ["rules", "install-demo"], env=env)
    listed = runner.invoke(app, ["rules", "list"], env=env)
    dry = runner.invoke(app, ["rules", "dry-run", "--days", "7"], env=env)

    assert installed.output.strip() == "9 demo rules installed"
    assert "off order.placed" in listed.output  # the example webhook rule is off
    assert dry.exit_code == 0, dry.output
    assert "Close obvious spam: 0 of 0 events matched in 7 days" in dry.output


def test_import_a_rule_file_and_switch_it_off(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    action = "{type: set_field, field: customer.tags, value: buyer}"
    path.write_text(f"- name: tag vip orders\n  trigger: {{event: order.placed}}\n  actions: [{action}]\n")

    imported = runner.invoke(app, ["rules", "import", str(path)], env=env)
    rule_id = next(
        line.split()[0]
        for line in runner.invoke(app, ["rules", "list"], env=env).output.splitlines()
        if "tag vip orders" in line
    )
    off = runner.invoke(app, ["rules", "enable", rule_id, "--off"], env=env)

    assert imported.output.strip() == "1 rules installed"
    assert off.output.strip() == f"rule {rule_id} is off"


def test_triage_escalate_and_followups_run_on_an_empty_company(env: dict[str, str]) -> None:
    triage = runner.invoke(app, ["automation", "triage"], env=env)
    escalate = runner.invoke(app, ["automation", "escalate"], env=env)
    follow = runner.invoke(app, ["automation", "followups"], env=env)

    assert triage.output.strip() == '{"triaged": 0, "failed": 0, "remaining": 0}'
    assert escalate.output.startswith("0 ticket(s) escalated")
    assert follow.output.strip() == '{"promises": 0, "idle_deals": 0, "churn": 0}'


def test_promises_shows_what_the_detector_finds(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["automation", "promises", "Thanks! I'll send the invoice tomorrow."], env=env)

    assert "I'll send the invoice tomorrow." in result.output
    assert "tomorrow" in result.output
