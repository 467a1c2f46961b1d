"""`rapport recommend fit` and `show`, and the job marketing.fit_recommender, on a fresh SQLite file."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from rapport.cli.main import app
from rapport.jobs.catalog import JOBS
from rapport.settings import Settings
from rapport.store.engine import make_engine
from tests.factories import make_customer, make_order, make_product

runner = CliRunner()


def test_fit_then_show_a_customer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"RAPPORT_DATA_DIR": str(tmp_path), "RAPPORT_DATABASE_URL": url}
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    engine = make_engine(url)
    with Session(engine) as session:
        earbuds = make_product(session, name="Voltra Wireless Earbuds")
        charger = make_product(session, name="Voltra Phone Charger")
        for _ in range(2):
            make_order(session, make_customer(session), earbuds)
        other = make_customer(session)
        make_order(session, other, earbuds)
        make_order(session, other, charger)
        buyer = make_customer(session, consent_email=True)
        make_order(session, buyer, earbuds)
        session.commit()
        buyer_id = buyer.id

    job = JOBS["marketing.fit_recommender"].run(engine, Settings(data_dir=tmp_path, database_url=url))
    engine.dispose()

    fitted = runner.invoke(app, ["recommend", "fit"], env=env)
    shown = runner.invoke(app, ["recommend", "show", str(buyer_id), "--n", "3"], env=env)
    missing = runner.invoke(app, ["recommend", "show", "424242"], env=env)

    assert (job["model"], job["purchases"]) == ("item_knn", 5)
    assert fitted.exit_code == 0, fitted.output
    assert "fitted item_knn on 5 purchases (4 customers, 2 products)" in fitted.output
    assert shown.exit_code == 0, shown.output
    assert " 1. Voltra Phone Charger" in shown.output
    assert (
        "You bought Voltra Wireless Earbuds; 1 customer who bought it also bought Voltra Phone Charger." in shown.output
    )
    assert "next best offer: cross_sell, Voltra Phone Charger" in shown.output
    assert missing.exit_code != 0
    assert str(missing.exception) == "customers 424242 not found"  # `rapport` (main.run) prints it, exit 2
