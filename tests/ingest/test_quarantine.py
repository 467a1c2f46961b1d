"""The quarantine: fix, discard, re-import; counts keep adding up."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.customers import blind
from rapport.customers.models import Customer
from rapport.errors import Conflict, Invalid
from rapport.ingest import quarantine
from rapport.ingest.models import ImportBatch, QuarantinedRow
from rapport.privacy.access import Principal
from rapport.store.listing import ListQuery
from tests.ingest.conftest import Importer, write_csv


def _batch(tmp_path: Path, run_import: Importer) -> ImportBatch:
    rows = [
        {"name": "Ann", "email": "ann@example.com", "birthday": "1990-01-01"},
        {"name": "Bo", "email": "bo@", "birthday": "1991-02-30"},
        {"name": "Cy", "email": "cy@example", "birthday": ""},
    ]
    return run_import(write_csv(tmp_path / "p.csv", rows))


def _rows(session: Session, batch: ImportBatch) -> list[QuarantinedRow]:
    return list(
        session.scalars(
            select(QuarantinedRow).where(QuarantinedRow.batch_id == batch.id).order_by(QuarantinedRow.row_number)
        )
    )


def test_fix_reports_remaining_errors_then_reimport_counts(
    tmp_path: Path, session: Session, admin: Principal, run_import: Importer
) -> None:
    batch = _batch(tmp_path, run_import)
    bo, cy = _rows(session, batch)

    _, partly = quarantine.fix(session, admin, bo.id, {"email": "bo@example.com"})
    _, fully = quarantine.fix(session, admin, bo.id, {"birthday": "1991-02-28"})
    result = quarantine.reimport(session, admin, batch.id)

    assert [e["field"] for e in partly] == ["birth_date"]
    assert fully == []
    assert result == {"rows": 2, "inserted": 1, "updated": 0, "unchanged": 0, "still_quarantined": 1}
    session.refresh(batch)
    assert (batch.rows_read, batch.rows_inserted, batch.rows_quarantined) == (3, 2, 1)
    bo_customer = session.scalars(select(Customer).where(blind.email_clause("bo@example.com"))).one()
    session.refresh(bo)
    assert (bo.status, bo.record_id) == ("reimported", bo_customer.id)
    assert cy.status == "open"


def test_discarded_rows_leave_the_open_list(
    tmp_path: Path, session: Session, admin: Principal, run_import: Importer
) -> None:
    batch = _batch(tmp_path, run_import)
    bo, _cy = _rows(session, batch)

    quarantine.discard(session, admin, bo.id)
    page = quarantine.list_rows(session, admin, batch.id, ListQuery(filters={"status": "open"}))

    assert [r.row_number for r in page.items] == [3]
    with pytest.raises(Conflict, match="discarded"):
        quarantine.fix(session, admin, bo.id, {"email": "x@y.com"})


def test_fix_refuses_columns_the_file_does_not_have(
    tmp_path: Path, session: Session, admin: Principal, run_import: Importer
) -> None:
    batch = _batch(tmp_path, run_import)

    with pytest.raises(Invalid, match="not columns"):
        quarantine.fix(session, admin, _rows(session, batch)[0].id, {"shoe": "42"})
