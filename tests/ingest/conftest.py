"""Helpers for import tests: an admin principal, writing a CSV, and starting and running an import in the test's
transaction."""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from rapport.ingest import pipeline
from rapport.ingest import service as import_service
from rapport.ingest.models import ImportBatch
from rapport.privacy.access import Principal, Role
from tests.factories import make_user, principal_of

Importer = Callable[..., ImportBatch]


@pytest.fixture
def admin(session: Session) -> Principal:
    return principal_of(make_user(session, Role.admin))


def write_csv(path: Path, rows: Sequence[Mapping[str, Any]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def run_import(session: Session, connection: Connection, admin: Principal) -> Importer:
    """Create a batch for a file and run it to the end in the test's transaction; returns the batch, reloaded."""

    def run(
        path: Path, entity: str = "customers", *, principal: Principal | None = None, **options: Any
    ) -> ImportBatch:
        batch = import_service.create(session, principal or admin, entity=entity, path=path, **options)
        session.flush()
        pipeline.run_import(connection, batch.id, workers=0)
        session.expire_all()
        loaded = session.get(ImportBatch, batch.id)
        assert loaded is not None
        return loaded

    return run
