"""Crash safety: an import killed with SIGKILL mid-way, then run again, leaves exactly what an uninterrupted import
leaves. The import runs in a child process (what the CLI does: create-or-resume the batch, then run it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from rapport.customers.models import ConsentRecord, Customer, CustomerSourceId
from rapport.demo.files import write_customers
from rapport.ingest.models import ImportBatch
from rapport.store import migrate
from rapport.store.engine import make_engine
from tests.conftest import PG_ADMIN_URL

ROWS = 4000
CHUNK = 40

IMPORT = """
import sys
from pathlib import Path
from rapport.ingest import pipeline, service
from rapport.privacy.access import system_principal
from rapport.store.engine import make_engine, make_sessionmaker, session_scope

engine = make_engine(sys.argv[1])
with session_scope(make_sessionmaker(engine)) as session:
    batch = service.create(session, system_principal(), entity="customers", path=Path(sys.argv[2]),
                           source="demo", chunk_size=int(sys.argv[3]), resume=True)
    batch_id = batch.id
pipeline.run_import(engine, batch_id, workers=0)
"""


@pytest.fixture
def two_databases(db_backend: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'crashed.db'}", f"sqlite:///{tmp_path / 'clean.db'}"
        return
    names = [f"rapport_crash_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    urls = [make_url(PG_ADMIN_URL).set(database=n).render_as_string(hide_password=False) for n in names]
    yield urls[0], urls[1]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _start(url: str, path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    return subprocess.Popen([sys.executable, "-c", IMPORT, url, str(path), str(CHUNK)], env=env)


def _committed(url: str) -> tuple[int, str] | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(ImportBatch.last_committed_row, ImportBatch.status)).first()
            return None if row is None else (row[0], row[1])
    finally:
        engine.dispose()


def _content(url: str) -> dict[str, Any]:
    """Everything the import wrote, keyed by what the file says (ids of PostgreSQL sequences may differ)."""
    engine = make_engine(url)
    skip = {"id", "updated_at", "company_id"}
    try:
        with engine.connect() as conn:
            customers = sorted(
                tuple((k, str(v)) for k, v in row._mapping.items() if k not in skip)
                for row in conn.execute(select(Customer))
            )
            sources = sorted(
                tuple(row)
                for row in conn.execute(
                    select(CustomerSourceId.system, CustomerSourceId.external_id, Customer.email).join(Customer)
                )
            )
            consents = sorted(
                tuple(row)
                for row in conn.execute(
                    select(ConsentRecord.channel, ConsentRecord.is_granted, Customer.email).join(Customer)
                )
            )
            columns = (
                ImportBatch.status,
                ImportBatch.rows_read,
                ImportBatch.rows_inserted,
                ImportBatch.rows_updated,
                ImportBatch.rows_unchanged,
                ImportBatch.rows_quarantined,
                ImportBatch.last_committed_row,
            )
            batch = [tuple(row) for row in conn.execute(select(*columns))]
            return {"customers": customers, "sources": sources, "consents": consents, "batches": batch}
    finally:
        engine.dispose()


@pytest.mark.db
@pytest.mark.slow
def test_kill_9_mid_import_then_rerun_equals_an_uninterrupted_import(
    tmp_path: Path, two_databases: tuple[str, str]
) -> None:
    crashed, clean = two_databases
    path = tmp_path / "customers.csv"
    write_customers(path, ROWS)
    for url in (crashed, clean):
        migrate.upgrade(url)

    child = _start(crashed, path)
    deadline = time.monotonic() + 120
    state = None
    while time.monotonic() < deadline and child.poll() is None:
        state = _committed(crashed)
        if state is not None and state[0] >= 5 * CHUNK:
            break
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    after_kill = _committed(crashed)
    rerun = _start(crashed, path)
    assert rerun.wait(timeout=300) == 0
    uninterrupted = _start(clean, path)
    assert uninterrupted.wait(timeout=300) == 0

    assert after_kill is not None
    assert after_kill[1] == "running"  # left as the killed process had it
    assert 0 < after_kill[0] < ROWS  # killed mid-way
    assert after_kill[0] % CHUNK == 0  # whole chunks only
    assert _content(crashed) == _content(clean)
    assert _content(clean)["batches"] == [("completed", ROWS, ROWS, 0, 0, 0, ROWS)]
