"""Exports: formats, masking for the caller's role, filters, access and audit."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.errors import Forbidden, Invalid
from rapport.ingest import export as exporting
from rapport.privacy.access import Principal, Role
from rapport.privacy.models import AuditEvent
from tests.factories import make_customer, make_order, make_user, principal_of


def test_csv_jsonl_and_xlsx_hold_the_same_records(session: Session, admin: Principal) -> None:
    make_customer(session, full_name="张伟", tags=["vip", "会员"], city="上海")
    make_customer(session, full_name="Jane Doe", city="Boston")
    outputs = {}

    for fmt in ("csv", "jsonl", "xlsx"):
        out = io.BytesIO()
        assert exporting.export(session, admin, "customers", fmt, out, filters={"city": "上海"}) == 1
        outputs[fmt] = out.getvalue()

    row = next(csv.DictReader(io.StringIO(outputs["csv"].decode("utf-8-sig"))))
    record = json.loads(outputs["jsonl"])
    sheet = list(load_workbook(io.BytesIO(outputs["xlsx"]), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert (row["full_name"], row["tags"]) == ("张伟", '["vip", "会员"]')
    assert (record["full_name"], record["tags"]) == ("张伟", ["vip", "会员"])
    assert sheet[1][sheet[0].index("full_name")] == "张伟"


def test_masked_fields_stay_masked(session: Session) -> None:
    make_customer(session, email="jane@example.com", phone="+14155550134")
    analyst = principal_of(make_user(session, Role.analyst))

    records = list(exporting.rows(session, analyst, "customers"))

    assert [(r["email"], r["phone"], r["is_masked"]) for r in records] == [("j***@e***.com", "+14*****0134", True)]


def test_orders_carry_their_lines(session: Session, admin: Principal) -> None:
    order = make_order(session, make_customer(session))

    records = list(exporting.rows(session, admin, "orders"))

    assert [(r["number"], len(r["lines"])) for r in records] == [(order.number, 1)]


def test_export_needs_read_on_the_entity_and_is_audited(session: Session, admin: Principal) -> None:
    marketing = principal_of(make_user(session, Role.marketing))

    with pytest.raises(Forbidden, match="tickets"):
        exporting.check(session, marketing, "tickets", "csv")
    with pytest.raises(Invalid, match="format"):
        exporting.check(session, admin, "customers", "pdf")
    exporting.export(session, admin, "products", "jsonl", io.BytesIO())
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert (event.entity, event.detail["count"], event.detail["format"]) == ("products", 0, "jsonl")
