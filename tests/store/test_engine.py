"""The engine: PostgreSQL gets the pool of RAPPORT_DATABASE__*; SQLite is tuned for one writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from rapport.settings import Settings
from rapport.store.engine import make_engine


def test_pool_settings_come_from_the_environment_and_reach_the_postgresql_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RAPPORT_DATABASE_URL", "postgresql+psycopg://rapport@127.0.0.1:5432/rapport")
    monkeypatch.setenv("RAPPORT_DATABASE__POOL_SIZE", "3")
    monkeypatch.setenv("RAPPORT_DATABASE__MAX_OVERFLOW", "2")
    monkeypatch.setenv("RAPPORT_DATABASE__POOL_TIMEOUT_S", "5")
    monkeypatch.setenv("RAPPORT_DATABASE__POOL_RECYCLE_S", "600")
    settings = Settings()

    engine = make_engine(settings.resolved_database_url, pool=settings.database)  # connects only on first use

    pool = engine.pool
    assert settings.database_url == "postgresql+psycopg://rapport@127.0.0.1:5432/rapport"
    assert (pool.size(), pool._max_overflow, pool.timeout(), pool._recycle) == (3, 2, 5.0, 600)  # type: ignore[attr-defined]
    assert pool._pre_ping is True


def test_sqlite_gets_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")

    with engine.connect() as conn:
        modes = (conn.scalar(text("PRAGMA journal_mode")), conn.scalar(text("PRAGMA busy_timeout")))

    assert modes == ("wal", 10_000)
