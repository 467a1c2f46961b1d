"""Alembic, configured in code: `upgrade(url)` brings any database to the latest schema.

Each domain that adds tables after the first migration starts its own branch (`branch_labels=("<domain>",)`,
`down_revision="0001"`), so domains never fight over one linear history; "heads" upgrades every branch.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "heads", connection: Connection | None = None) -> None:
    command.upgrade(alembic_config(url, connection), revision)


def current(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from rapport.store.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            heads = MigrationContext.configure(conn).get_current_heads()
            return ", ".join(sorted(heads)) if heads else None
    finally:
        engine.dispose()
