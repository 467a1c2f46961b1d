"""What every command gets: the Settings built once in the callback, and a way to open a transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from rapport.privacy import audit, crypto
from rapport.settings import Settings
from rapport.store.engine import make_engine, make_sessionmaker


@dataclass
class CliContext:
    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            crypto.use_settings(self.settings)
            self._engine = make_engine(self.settings.resolved_database_url, pool=self.settings.database)
        return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction (committed on success); refused attempts are audited even when it rolls back."""
        factory = make_sessionmaker(self.engine)
        with factory() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                audit.write_deferred(session)
                raise


def get(ctx: typer.Context) -> CliContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliContext)
    return obj
