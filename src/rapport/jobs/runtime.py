"""What a running job needs: the Settings and a database bind, built once per worker process."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from rapport.privacy import crypto
from rapport.settings import Settings
from rapport.store.engine import make_engine


@dataclass
class JobRuntime:
    """`bind` is given in tests (a connection inside a rolled-back transaction) and by an app that already has an
    engine; otherwise each process makes its own engine on first use (a forked worker must not share the parent's
    connection pool)."""

    settings: Settings
    bind: Engine | Connection | None = None
    _engine: Engine | None = field(default=None, repr=False)
    _pid: int | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _keys_ready: bool = field(default=False, repr=False)

    def database(self) -> Engine | Connection:
        if not self._keys_ready:
            crypto.use_settings(self.settings)  # the keys of encrypted fields, before a job reads one
            self._keys_ready = True
        if self.bind is not None:
            return self.bind
        with self._lock:
            if self._engine is None or self._pid != os.getpid():
                self._engine = make_engine(self.settings.resolved_database_url, pool=self.settings.database)
                self._pid = os.getpid()
            return self._engine
