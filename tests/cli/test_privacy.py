"""`rapport privacy …`: the pseudonymised export, DP queries and the epsilon budget from the command line."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from rapport.cli.main import app
from rapport.customers.models import Customer
from rapport.store.engine import make_engine, make_sessionmaker, session_scope

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {"RAPPORT_DATA_DIR": str(tmp_path), "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    return env


def test_export_pseudonymised_writes_a_report(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "out.csv"

    result = runner.invoke(app, ["privacy", "export-pseudonymised", "--out", str(out), "--k", "3"], env=env)

    assert result.exit_code == 0, result.output
    assert '"smallest_class_after"' in result.output
    assert next(csv.reader(out.open()))[:2] == ["customer", "email"]
    assert (tmp_path / "keys" / "pseudonym.key").exists()


def test_dp_query_spends_the_budget_until_refused(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["privacy", "budget", "--total", "1.5"], env=env).exit_code == 0

    first = runner.invoke(app, ["privacy", "dp-query", "count", "--by", "region", "--epsilon", "1"], env=env)
    refused = runner.invoke(app, ["privacy", "dp-query", "count", "--epsilon", "1"], env=env)
    shown = runner.invoke(app, ["privacy", "budget"], env=env)

    assert first.exit_code == 0, first.output
    assert "0.5 left" in first.output
    assert refused.exit_code != 0
    assert "0.5 of 1.5 is left" in str(refused.exception) + refused.output
    assert "spent 1 of 1.5" in shown.output


def test_export_then_erase_a_person(env: dict[str, str], tmp_path: Path) -> None:
    engine = make_engine(env["RAPPORT_DATABASE_URL"])
    with session_scope(make_sessionmaker(engine)) as session:
        customer = Customer(full_name="Ola Nordmann", email="ola@example.no", emails=["ola@example.no"])
        session.add(customer)
        session.flush()
        customer_id = customer.id
    out = tmp_path / "subject.json"

    exported = runner.invoke(app, ["privacy", "export", str(customer_id), "--out", str(out)], env=env)
    unconfirmed = runner.invoke(app, ["privacy", "erase", str(customer_id)], env=env)
    erased = runner.invoke(app, ["privacy", "erase", str(customer_id), "--yes"], env=env)

    assert exported.exit_code == 0, exported.output
    assert '"email": "ola@example.no"' in out.read_text()
    assert unconfirmed.exit_code != 0
    assert erased.exit_code == 0, erased.output
    assert '"already_erased": false' in erased.output
    with session_scope(make_sessionmaker(engine)) as session:
        assert session.scalars(select(Customer.email).where(Customer.id == customer_id)).one() is None
    engine.dispose()
