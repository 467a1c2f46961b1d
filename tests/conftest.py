"""Fixtures: a migrated database (SQLite by default, PostgreSQL with --db postgresql), a rolled-back session per
test, an API client on the same transaction, and factories."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from rapport.app import create_app
from rapport.settings import Settings
from rapport.store import migrate
from rapport.store.engine import make_engine, make_sessionmaker

# One keyring of field-encryption keys for the whole run (and the CLI and server subprocesses tests start), so every
# test database reads what another part of the same test wrote. Set before any Settings is built.
os.environ.setdefault("RAPPORT_PRIVACY__KEY_FILE", str(Path(tempfile.mkdtemp(prefix="rapport-keys-")) / "fields.json"))

PG_ADMIN_URL = os.environ.get("RAPPORT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=["sqlite", "postgresql"],
        default=os.environ.get("RAPPORT_TEST_DB", "sqlite"),
        help="database the `engine` fixture builds (default sqlite)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if {"engine", "session", "connection", "client"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


def _postgres_available() -> bool:
    try:
        probe = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))
        probe.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def database_url(db_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    if not _postgres_available():
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}"
        if IN_CI:
            pytest.fail(message + " (under CI the PostgreSQL tests must run)")
        pytest.exit(message + "; start it or run without --db postgresql", returncode=3)
    name = f"rapport_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield str(make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False))
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    migrate.upgrade(database_url)
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection with an outer transaction that is rolled back after the test: nothing leaks between tests."""
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    with make_sessionmaker(connection)() as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url)


@pytest.fixture
def client(settings: Settings, connection: Connection) -> Iterator[TestClient]:
    app = create_app(settings, bind=connection)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
