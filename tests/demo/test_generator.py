"""The demo generator writes a realistic, reproducible company into a fresh database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select

from rapport.cli.db import ensure_default_pipeline
from rapport.customers.models import Customer
from rapport.demo import generator
from rapport.interactions.models import Interaction
from rapport.sales.models import Order
from rapport.store import migrate
from rapport.store.engine import make_engine, make_sessionmaker
from rapport.tickets.models import Ticket

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)


def _fresh(path: Path) -> Engine:
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        ensure_default_pipeline(session)
        session.commit()
    return engine


def test_generates_the_expected_volumes_in_both_languages(tmp_path: Path) -> None:
    engine = _fresh(tmp_path / "a.db")

    summary = generator.generate(engine, customers=300, seed=3, anchor=ANCHOR, chunk=120)

    assert summary.counts["customers"] == 300
    assert summary.counts["orders"] >= 300 * 8
    assert summary.counts["tickets"] >= 300
    assert summary.counts["knowledge_articles"] >= 44
    assert summary.counts["products"] >= 200
    with engine.connect() as conn:
        languages = dict(conn.execute(select(Customer.language, func.count()).group_by(Customer.language)).all())
        intents = conn.execute(select(func.count(func.distinct(Ticket.intent)))).scalar_one()
        latest = conn.execute(select(func.max(Order.placed_at))).scalar_one()
    assert set(languages) == {"en", "zh"}
    assert intents >= 15
    assert latest <= ANCHOR


def test_same_seed_gives_the_same_company(tmp_path: Path) -> None:
    first = _fresh(tmp_path / "a.db")
    second = _fresh(tmp_path / "b.db")

    generator.generate(first, customers=60, seed=11, anchor=ANCHOR)
    generator.generate(second, customers=60, seed=11, anchor=ANCHOR)

    query = select(Customer.full_name, Customer.email).order_by(Customer.id)
    texts = select(Interaction.body).order_by(Interaction.id)
    with first.connect() as a, second.connect() as b:
        assert a.execute(query).all() == b.execute(query).all()
        assert a.execute(texts).all() == b.execute(texts).all()


def test_demo_logins_work_with_the_printed_password(tmp_path: Path) -> None:
    from rapport.accounts import service as account_service

    engine = _fresh(tmp_path / "a.db")
    generator.generate(engine, customers=10, seed=1, anchor=ANCHOR)

    with make_sessionmaker(engine)() as session:
        user = account_service.authenticate(session, f"admin@{generator.STAFF_DOMAIN}", generator.DEMO_PASSWORD)

    assert user.role == "admin"
