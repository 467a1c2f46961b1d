"""Engine creation and session scopes; SQLite is tuned for one writer and many readers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

from rapport.store.settings import DatabaseSettings

SQLITE_BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str, *, echo: bool = False, pool: DatabaseSettings | None = None) -> Engine:
    """An engine for `url`. A SQLite file gets WAL, foreign keys and a busy timeout on every connection; a server
    database gets the connection pool of `pool` (RAPPORT_DATABASE__*), checked before each use."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        _tune_sqlite(engine)
        return engine
    pool = pool or DatabaseSettings()
    return create_engine(
        url,
        echo=echo,
        pool_size=pool.pool_size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.pool_timeout_s,
        pool_recycle=pool.pool_recycle_s,
        pool_pre_ping=True,
    )


def _tune_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented recipe takes it over.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(IMMEDIATE) else "BEGIN")
        connection.info[WROTE] = False

    # Whether the open transaction has written (and so holds SQLite's write lock): audit.record uses it to keep a
    # read-only request from upgrading its read snapshot to a write, which SQLite refuses when another writer
    # committed in between ("database is locked", at once, whatever the busy timeout).
    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if not connection.info.get(WROTE) and not statement.lstrip()[:6].upper().startswith(_READS):
            connection.info[WROTE] = True


WROTE = "rapport.sqlite.wrote"
IMMEDIATE = "rapport_sqlite_immediate"  # an execution option: begin SQLite's transaction holding the write lock
_READS = ("SELECT", "PRAGMA", "BEGIN", "SAVEPO", "RELEAS", "ROLLBA", "WITH")


def has_written(connection: Connection) -> bool:
    """True when this SQLite connection's transaction has written (always True for other databases)."""
    return connection.dialect.name != "sqlite" or bool(connection.info.get(WROTE, True))


def make_sessionmaker(bind: Engine | Connection) -> sessionmaker[Session]:
    # A Connection bind (tests) already holds an outer transaction; sessions then work in savepoints.
    if isinstance(bind, Connection):
        return sessionmaker(bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint")
    return sessionmaker(bind=bind, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error. For the CLI and jobs."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
