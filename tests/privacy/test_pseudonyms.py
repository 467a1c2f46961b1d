"""Keyed pseudonyms and the k-anonymous pseudonymised export."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from rapport.errors import Forbidden
from rapport.privacy import pseudonyms
from rapport.privacy.access import Role
from tests.factories import make_customer, make_order, make_user, principal_of, token_for

KEY = b"k" * 32


def test_pseudonyms_are_stable_keyed_and_kind_separated() -> None:
    a = pseudonyms.pseudonym(KEY, "email", "Jane@Example.com ")
    assert a == pseudonyms.pseudonym(KEY, "email", "jane@example.com")
    assert a != pseudonyms.pseudonym(b"another key", "email", "jane@example.com")
    assert pseudonyms.pseudonym(KEY, "customer", 7) != pseudonyms.pseudonym(KEY, "email", "7")
    assert len(a) == 16


def test_key_file_is_made_once(tmp_path: Path) -> None:
    first = pseudonyms.key_from(None, tmp_path)
    assert first == pseudonyms.key_from(None, tmp_path)
    assert (tmp_path / "keys" / "pseudonym.key").stat().st_mode & 0o077 == 0
    assert pseudonyms.key_from("configured", tmp_path) == b"configured"


def test_age_bands() -> None:
    today = date(2026, 6, 1)
    assert pseudonyms.age_band(date(1990, 7, 1), today) == "30-39"
    assert pseudonyms.age_band(date(2010, 1, 1), today) == "<18"
    assert pseudonyms.age_band(None, today) == "unknown"


def test_anonymise_generalises_then_suppresses_small_classes() -> None:
    common = {"age_band": "30-39", "gender": "female", "region": "CN-east"}
    rows = [{**common, "postcode_prefix": "200"} for _ in range(5)]
    rows += [{**common, "postcode_prefix": "201"} for _ in range(2)]
    rows += [{**common, "postcode_prefix": "202"}]  # with the two above, a class of 3 once postcodes are generalised
    rows += [{"age_band": "80+", "gender": "male", "region": "US-west", "postcode_prefix": "981"}]  # alone: dropped

    kept, report = pseudonyms.anonymise(rows, k=3)

    assert report.smallest_class_before == 1
    assert report.smallest_class_after >= 3
    assert report.suppressed == 1
    assert report.rows_out == 8
    assert report.generalised_postcode == 4
    assert sum(r["postcode_prefix"] == "*" for r in kept) == 3
    assert pseudonyms.smallest_class(kept) >= 3


@pytest.mark.db
def test_export_has_no_direct_identifiers_and_is_k_anonymous(session: Session, tmp_path: Path) -> None:
    for i in range(12):
        customer = make_customer(
            session,
            gender="female" if i % 2 else "male",
            birth_date=date(1990, 1, 1),
            country="CN",
            city="上海",
            addresses=[{"line1": "世纪大道100号", "postal_code": "200120"}],
        )
        make_order(session, customer)
    loner = make_customer(session, full_name="Only One", gender="other", birth_date=date(1930, 1, 1), country="NZ")
    analyst = principal_of(make_user(session, Role.analyst))
    out = tmp_path / "export.csv"

    rows, report = pseudonyms.export_pseudonymised(session, analyst, key=KEY, k=5, out=out)

    text = out.read_text()
    assert "Only One" not in text
    assert "@example.com" not in text
    assert "世纪大道" not in text
    assert "200120" not in text
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert len(parsed) == report.rows_out == len(rows)
    assert {r["postcode_prefix"] for r in parsed} <= {"200", "*"}
    assert pseudonyms.pseudonym(KEY, "customer", loner.id) not in text  # suppressed: a class of one
    assert report.smallest_class_after >= 5
    assert report.suppressed >= 1
    with pytest.raises(Forbidden):
        pseudonyms.export_pseudonymised(session, principal_of(make_user(session, Role.support)), key=KEY)


@pytest.mark.db
def test_api_export_for_analysts(client: TestClient, session: Session) -> None:
    for _ in range(6):
        make_customer(session, gender="female", birth_date=date(1985, 5, 5), country="US", city="Seattle")
    headers = token_for(session, make_user(session, Role.analyst))

    response = client.post("/api/privacy/exports/pseudonymised?k=3", headers=headers)
    denied = client.post(
        "/api/privacy/exports/pseudonymised", headers=token_for(session, make_user(session, Role.sales))
    )

    assert response.status_code == 200, response.text
    assert response.json()["report"]["smallest_class_after"] >= 3
    assert all("full_name" not in row and "email" in row for row in response.json()["rows"])
    assert denied.status_code == 403
