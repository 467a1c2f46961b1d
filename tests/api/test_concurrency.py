"""Concurrent readers and writers on one SQLite file: every read of personal data is audited, and none of them is
refused as "database is busy" (a read request used to upgrade its read snapshot to write its audit event, which
SQLite refuses at once when another request committed meanwhile)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import func, select

from rapport.customers.models import Customer
from rapport.privacy.models import AuditEvent
from rapport.privacy.settings import SecuritySettings
from rapport.settings import Settings
from tests.web.conftest import demo_database, serving

READERS = 6
WRITERS = 3
READS_EACH = 25


def test_concurrent_reads_and_writes_are_all_answered_and_every_read_is_audited(tmp_path: Path) -> None:
    engine = demo_database(tmp_path, 30)
    with engine.connect() as conn:
        ids = list(conn.scalars(select(Customer.id).order_by(Customer.id)))
        reads_before = conn.scalar(select(func.count()).where(AuditEvent.action == "read"))
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'rapport.db'}",
        log_level="WARNING",
        security=SecuritySettings(api_rate_limit=0),
    )
    with serving(settings) as server:
        login = {"email": server.email("admin"), "password": server.password}
        token = httpx.post(f"{server.url}/api/auth/tokens", json=login).json()["token"]
        headers = {"authorization": f"Bearer {token}"}

        def read(worker: int) -> list[int]:
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
                return [
                    client.get(f"/api/customers/{ids[(worker * READS_EACH + i) % len(ids)]}").status_code
                    for i in range(READS_EACH)
                ]

        def write(worker: int) -> list[int]:
            codes = []
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
                for i in range(READS_EACH):
                    if i % 2:
                        body = {"lifecycle_stage": "customer"}
                        codes.append(client.patch(f"/api/customers/{ids[i % len(ids)]}", json=body).status_code)
                    else:
                        body = {"full_name": f"Writer {worker} {i}", "email": f"w{worker}.{i}@example.com"}
                        codes.append(client.post("/api/customers", json=body).status_code)
            return codes

        with ThreadPoolExecutor(READERS + WRITERS) as pool:
            readers = [pool.submit(read, w) for w in range(READERS)]
            writers = [pool.submit(write, w) for w in range(WRITERS)]
            read_codes = [c for f in readers for c in f.result()]
            write_codes = [c for f in writers for c in f.result()]

    assert set(read_codes) == {200}, sorted(set(read_codes))
    assert set(write_codes) <= {200, 201}, sorted(set(write_codes))
    with engine.connect() as conn:
        reads_after = conn.scalar(select(func.count()).where(AuditEvent.action == "read"))
    assert reads_after - reads_before >= READERS * READS_EACH
    engine.dispose()
