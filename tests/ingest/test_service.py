"""Import batches: create (or resume), edit before running, preview, queue, cancel, report, presets, access."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from rapport.errors import Conflict, Forbidden, Invalid
from rapport.ingest import pipeline
from rapport.ingest import service as import_service
from rapport.privacy.access import Principal, Role
from tests.factories import make_user, principal_of
from tests.ingest.conftest import write_csv

ROWS = [{"Name": "Ann Lee", "Mail": "ann@example.com"}, {"Name": "Bo", "Mail": "bad"}]


def test_create_detects_and_maps(tmp_path: Path, session: Session, admin: Principal) -> None:
    path = write_csv(tmp_path / "people.csv", ROWS, delimiter=";")

    batch = import_service.create(session, admin, entity="customers", path=path, source="HubSpot Portal")

    assert (batch.status, batch.format, batch.delimiter, batch.source) == ("ready", "csv", ";", "hubspot-portal")
    assert batch.mapping == {"Name": "full_name", "Mail": "email"}
    assert len(batch.file_sha256 or "") == 64


def test_preview_writes_nothing_and_shows_errors(tmp_path: Path, session: Session, admin: Principal) -> None:
    batch = import_service.create(session, admin, entity="customers", path=write_csv(tmp_path / "p.csv", ROWS))

    rows = import_service.preview(session, admin, batch.id, limit=5)

    assert [r.values.get("email") for r in rows] == ["ann@example.com", None]
    assert rows[1].errors[0]["code"] == "invalid_emails"


def test_update_checks_the_mapping_and_options(tmp_path: Path, session: Session, admin: Principal) -> None:
    batch = import_service.create(session, admin, entity="customers", path=write_csv(tmp_path / "p.csv", ROWS))

    import_service.update(
        session, admin, batch.id, mapping={"Name": "full_name", "Mail": None}, options={"region": "cn"}
    )

    assert (batch.mapping, batch.options["region"]) == ({"Name": "full_name"}, "CN")
    with pytest.raises(Invalid, match="time zone"):
        import_service.update(session, admin, batch.id, options={"timezone": "Mars/Base"})
    with pytest.raises(Invalid, match="not in the file"):
        import_service.update(session, admin, batch.id, mapping={"Nope": "email"})


def test_a_finished_import_can_no_longer_be_edited_or_cancelled(
    tmp_path: Path, session: Session, connection: Connection, admin: Principal
) -> None:
    batch = import_service.create(session, admin, entity="customers", path=write_csv(tmp_path / "p.csv", ROWS))
    session.flush()
    pipeline.run_import(connection, batch.id, workers=0)
    session.expire_all()

    with pytest.raises(Conflict, match="started"):
        import_service.update(session, admin, batch.id, mapping={"Name": "full_name"})
    with pytest.raises(Conflict, match="nothing to cancel"):
        import_service.cancel(session, admin, batch.id)
    report = import_service.report(session, import_service.batches.get(session, admin, batch.id))
    assert (report["rows_read"], report["counts_add_up"], report["quarantine_open"]) == (2, True, 1)


def test_a_cancelled_import_stops_and_continues_later(
    tmp_path: Path, session: Session, connection: Connection, admin: Principal
) -> None:
    batch = import_service.create(session, admin, entity="customers", path=write_csv(tmp_path / "p.csv", ROWS))
    import_service.cancel(session, admin, batch.id)
    session.flush()

    import_service.queue(session, admin, batch.id)
    session.flush()
    snapshot = pipeline.run_import(connection, batch.id, workers=0)

    assert (snapshot.status, snapshot.counts.read) == ("completed", 2)


def test_resume_finds_the_unfinished_import_of_the_same_file(
    tmp_path: Path, session: Session, admin: Principal
) -> None:
    path = write_csv(tmp_path / "p.csv", ROWS)
    first = import_service.create(session, admin, entity="customers", path=path)
    first.status, first.last_committed_row = "failed", 1
    session.flush()

    again = import_service.create(session, admin, entity="customers", path=path, resume=True)
    other_source = import_service.create(session, admin, entity="customers", path=path, source="other", resume=True)

    assert again.id == first.id
    assert other_source.id != first.id


def test_support_may_not_import_customers_and_analysts_nothing(tmp_path: Path, session: Session) -> None:
    path = write_csv(tmp_path / "p.csv", ROWS)
    support = principal_of(make_user(session, Role.support))
    analyst = principal_of(make_user(session, Role.analyst))

    with pytest.raises(Forbidden, match="customers"):
        import_service.create(session, support, entity="customers", path=path)
    with pytest.raises(Forbidden, match="imports"):
        import_service.create(session, analyst, entity="tickets", path=path)


def test_unknown_entity_empty_file_and_old_excel_are_refused(
    tmp_path: Path, session: Session, admin: Principal
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")

    with pytest.raises(Invalid, match="cannot import"):
        import_service.create(session, admin, entity="unicorns", path=empty)
    with pytest.raises(Invalid, match="empty"):
        import_service.create(session, admin, entity="customers", path=empty)
