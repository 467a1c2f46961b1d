"""`rapport import`, `export`, `imports …` and `duplicates …` on a fresh SQLite file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport.cli.main import app

runner = CliRunner()
PEOPLE = (
    "id,name,email,phone,city\n"
    "1,Jane Doe,jane@example.com,+1 415 555 0134,Boston\n"
    "2,张伟,bad-email,+8613912345678,上海\n"
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {"RAPPORT_DATA_DIR": str(tmp_path), "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert runner.invoke(app, ["init"], env=environment).exit_code == 0
    return environment


def _people(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    return path


def test_import_then_reimport_changes_nothing(tmp_path: Path, env: dict[str, str]) -> None:
    path = _people(tmp_path)

    first = runner.invoke(app, ["import", str(path), "--entity", "customers", "--source", "crm"], env=env)
    second = runner.invoke(app, ["import", str(path), "--entity", "customers", "--source", "crm"], env=env)

    assert first.exit_code == 0, first.output
    assert "│ 2         │ 1        │ 0       │ 0         │ 1           │" in first.output
    assert "│ 2         │ 0        │ 0       │ 1         │ 1           │" in second.output
    assert "rapport imports quarantine 1" in first.output


def test_dry_run_writes_nothing(tmp_path: Path, env: dict[str, str]) -> None:
    result = runner.invoke(app, ["import", str(_people(tmp_path)), "-e", "customers", "--dry-run"], env=env)
    listed = runner.invoke(app, ["imports", "list"], env=env)

    assert result.exit_code == 0, result.output
    assert "row 2 (line 3):" in result.output
    assert "is not an email address" in result.output.replace("\n", " ")
    assert "customers" not in listed.output


def test_mapping_file_and_saved_preset(tmp_path: Path, env: dict[str, str]) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text("mapping:\n  name: full_name\n  email: email\n  city: null\n", encoding="utf-8")

    result = runner.invoke(
        app,
        ["import", str(_people(tmp_path)), "-e", "customers", "--mapping", str(mapping), "--save-preset", "people"],
        env=env,
    )
    presets = runner.invoke(app, ["imports", "presets", "--entity", "customers"], env=env)

    assert result.exit_code == 0, result.output
    assert "people" in presets.output
    assert "hubspot-contacts" in presets.output


def test_quarantine_out_fix_and_reimport(tmp_path: Path, env: dict[str, str]) -> None:
    runner.invoke(app, ["import", str(_people(tmp_path)), "-e", "customers"], env=env)
    rows = tmp_path / "rows.csv"

    exported = runner.invoke(app, ["imports", "quarantine", "1", "--out", str(rows)], env=env)
    with rows.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.DictReader(fh))
    lines[0]["email"] = "zhang.wei@163.com"
    with rows.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(lines[0]))
        writer.writeheader()
        writer.writerows(lines)
    fixed = runner.invoke(app, ["imports", "fix", "1", str(rows)], env=env)
    shown = runner.invoke(app, ["imports", "show", "1"], env=env)

    assert exported.exit_code == 0, exported.output
    assert lines[0]["_errors"].startswith("email:")
    assert fixed.exit_code == 0, fixed.output
    assert "inserted: 1" in fixed.output
    assert "│ 2         │ 2        │ 0       │ 0         │ 0           │" in shown.output


def test_export_with_a_filter(tmp_path: Path, env: dict[str, str]) -> None:
    runner.invoke(app, ["import", str(_people(tmp_path)), "-e", "customers"], env=env)
    out = tmp_path / "boston.csv"

    result = runner.invoke(
        app, ["export", "customers", "--format", "csv", "--out", str(out), "--filter", "city=Boston"], env=env
    )

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [(r["full_name"], r["email"]) for r in rows] == [("Jane Doe", "jane@example.com")]


def test_duplicates_scan_merge_unmerge(tmp_path: Path, env: dict[str, str]) -> None:
    path = tmp_path / "dupes.csv"
    path.write_text("name,phone\n张伟,+8613912345678\nWei Zhang,+86 139 1234 5678\n", encoding="utf-8")
    runner.invoke(app, ["import", str(path), "-e", "customers"], env=env)

    scanned = runner.invoke(app, ["duplicates", "scan"], env=env)
    listed = runner.invoke(app, ["duplicates", "list"], env=env)
    merged = runner.invoke(app, ["duplicates", "merge", "1", "2"], env=env)
    undone = runner.invoke(app, ["duplicates", "unmerge", "1"], env=env)

    assert "2 customers, 1 pairs (1 new)" in scanned.output
    assert "same phone" in listed.output
    assert merged.output.startswith("merge 1: customer 2 into 1")
    assert "restored" in undone.output


@pytest.mark.parametrize(
    "command",
    [["import"], ["export"], ["imports"], ["imports", "fix"], ["duplicates"], ["duplicates", "merge"]],
)
def test_ingest_commands_have_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])

    assert result.exit_code == 0
    assert "Usage" in result.output
