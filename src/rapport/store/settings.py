"""Database connection pool settings: what each process keeps open to PostgreSQL (SQLite ignores them)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DatabaseSettings(BaseModel):
    """The PostgreSQL pool of one process (see docs/SCALING.md). Attached to the main Settings as `Settings.database`.

    Every `rapport serve` and `rapport worker` process has its own pool, so the server must allow
    processes × (pool_size + max_overflow) connections; behind PgBouncer the pool can stay small."""

    pool_size: int = Field(default=10, ge=1, description="Connections kept open per process.")
    max_overflow: int = Field(default=10, ge=0, description="Extra connections a busy process may open and close.")
    pool_timeout_s: float = Field(default=30.0, gt=0, description="Wait this long for a free connection, then fail.")
    pool_recycle_s: int = Field(
        default=1800, description="Reopen connections older than this (idle firewalls and proxies cut them); -1: never."
    )
