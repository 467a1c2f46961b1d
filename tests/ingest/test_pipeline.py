"""Running imports: counts that always add up, idempotent re-imports, updates, quarantine, every entity."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.customers import blind
from rapport.customers.models import ConsentRecord, Customer, CustomerSourceId
from rapport.demo.files import write_customers, write_orders, write_products
from rapport.ingest.models import ImportBatch, QuarantinedRow
from rapport.interactions.models import Interaction
from rapport.sales.models import Order, Product
from rapport.tickets.models import Ticket
from tests.ingest.conftest import Importer, write_csv
from tests.ingest.messy import write_messy_customers, write_messy_orders

PEOPLE = [
    {"Record ID": "101", "First Name": "Jane", "Last Name": "Doe", "Email": "Jane@Example.com",
     "Phone Number": "(415) 555-0134", "Country/Region": "US", "Lifecycle Stage": "lead",
     "Unsubscribed from all email": "no"},
    {"Record ID": "102", "First Name": "伟", "Last Name": "张", "Email": "zhang.wei@163.com",
     "Phone Number": "139 1234 5678", "Country/Region": "中国", "Lifecycle Stage": "customer",
     "Unsubscribed from all email": "是"},
]  # fmt: skip


def _counts(batch: ImportBatch) -> tuple[int, int, int, int, int]:
    return (batch.rows_read, batch.rows_inserted, batch.rows_updated, batch.rows_unchanged, batch.rows_quarantined)


def test_import_inserts_and_a_second_import_changes_nothing(
    tmp_path: Path, session: Session, run_import: Importer
) -> None:
    path = write_csv(tmp_path / "contacts.csv", PEOPLE)

    first = run_import(path, source="hubspot")
    second = run_import(path, source="hubspot")

    assert _counts(first) == (2, 2, 0, 0, 0)
    assert _counts(second) == (2, 0, 0, 2, 0)
    jane = session.scalars(select(Customer).where(blind.email_clause("jane@example.com"))).one()
    zhang = session.scalars(select(Customer).where(blind.email_clause("zhang.wei@163.com"))).one()
    assert (jane.full_name, jane.phone, jane.country, jane.lifecycle_stage) == (
        "Jane Doe",
        "+14155550134",
        "US",
        "lead",
    )
    assert (zhang.full_name, zhang.first_name, zhang.last_name, zhang.phone) == ("张伟", "伟", "张", "+8613912345678")
    assert (zhang.language, zhang.source, zhang.consent_email) == ("zh", "hubspot", False)
    ids = session.scalars(select(CustomerSourceId.external_id).where(CustomerSourceId.system == "hubspot")).all()
    assert sorted(ids) == ["101", "102"]


def test_changed_rows_are_updated_and_blank_cells_erase_nothing(
    tmp_path: Path, session: Session, run_import: Importer
) -> None:
    run_import(write_csv(tmp_path / "v1.csv", PEOPLE), source="hubspot")
    changed = [{**PEOPLE[0], "Email": "jane.new@example.com", "Phone Number": ""}, PEOPLE[1]]

    batch = run_import(write_csv(tmp_path / "v2.csv", changed), source="hubspot")

    jane = session.scalars(select(Customer).join(CustomerSourceId).where(CustomerSourceId.external_id == "101")).one()
    assert _counts(batch) == (2, 0, 1, 1, 0)
    assert (jane.email, jane.emails, jane.phone) == (
        "jane.new@example.com",
        ["jane.new@example.com", "jane@example.com"],
        "+14155550134",
    )


def test_consent_changes_are_recorded(tmp_path: Path, session: Session, run_import: Importer) -> None:
    rows = [{"id": "1", "name": "Ann Lee", "email": "ann@example.com", "newsletter": "yes"}]
    run_import(write_csv(tmp_path / "a.csv", rows))
    run_import(write_csv(tmp_path / "b.csv", [{**rows[0], "newsletter": "no"}]))

    history = session.execute(select(ConsentRecord.channel, ConsentRecord.is_granted).order_by(ConsentRecord.id)).all()

    assert [tuple(h) for h in history] == [("email", True), ("email", False)]


def test_invalid_rows_are_quarantined_with_content_and_reasons(
    tmp_path: Path, session: Session, run_import: Importer
) -> None:
    rows = [
        {"email": "ok@example.com", "name": "Ok", "birthday": "1990-01-01"},
        {"email": "bad-email", "name": "Bad", "birthday": "1990-02-30"},
    ]

    batch = run_import(write_csv(tmp_path / "c.csv", rows))

    quarantined = session.scalars(select(QuarantinedRow).where(QuarantinedRow.batch_id == batch.id)).one()
    assert _counts(batch) == (2, 1, 0, 0, 1)
    assert quarantined.raw == {"email": "bad-email", "name": "Bad", "birthday": "1990-02-30"}
    assert [(e["field"], e["column"], e["code"]) for e in quarantined.errors] == [
        ("email", "email", "invalid_emails"),
        ("birth_date", "birthday", "impossible_date"),
    ]
    assert batch.error_counts == {"email: invalid_emails": 1, "birth_date: impossible_date": 1}


def test_messy_customers_file_imports_what_is_valid(tmp_path: Path, session: Session, run_import: Importer) -> None:
    path = tmp_path / "messy.csv"
    expected = write_messy_customers(path)

    batch = run_import(path, options={"region": "US"})

    rows = session.scalars(
        select(QuarantinedRow).where(QuarantinedRow.batch_id == batch.id).order_by(QuarantinedRow.row_number)
    ).all()
    got = {row.row_number: {e["code"] for e in row.errors} for row in rows}
    want = {n: code for n, code in enumerate(expected, 1) if code is not None}
    assert batch.status == "completed"
    assert batch.rows_read == len(expected)
    assert batch.rows_inserted + batch.rows_quarantined == batch.rows_read
    assert {n: code in got.get(n, set()) for n, code in want.items()} == dict.fromkeys(want, True)
    assert set(got) == set(want)
    anna = session.scalars(select(Customer).where(blind.email_clause("anna@example.com"))).one()
    assert (anna.full_name, anna.emails, len(anna.notes or "")) == (
        "Anna 🌸 Lee",
        ["anna@example.com", "anna.work@example.com"],
        10_000,
    )
    zhang = session.scalars(select(Customer).where(blind.email_clause("zhangwei@163.com"))).one()
    assert (zhang.full_name, zhang.phone, zhang.birth_date.isoformat() if zhang.birth_date else None) == (
        "张伟",
        "+8613912345678",
        "1985-06-01",
    )


def test_messy_orders_file_imports_what_is_valid(tmp_path: Path, session: Session, run_import: Importer) -> None:
    path = tmp_path / "orders.txt"
    expected = write_messy_orders(path)

    batch = run_import(path, entity="orders", options={"currency": "CNY"})

    rows = session.scalars(select(QuarantinedRow).where(QuarantinedRow.batch_id == batch.id)).all()
    codes = {row.row_number: {e["code"] for e in row.errors} for row in rows}
    assert batch.rows_read == len(expected)
    assert {n: c in codes.get(n, set()) for n, c in enumerate(expected, 1) if c} == {
        3: True,
        4: True,
        5: True,
        6: True,
        7: True,
    }
    assert set(codes) == {3, 4, 5, 6, 7}
    order = session.scalars(select(Order).where(Order.number == "A-2")).one()
    assert (order.currency, order.subtotal, order.shipping, order.total) == (
        "CNY",
        Decimal("1234.50"),
        Decimal("10.00"),
        Decimal("1244.50"),
    )


def test_family_sharing_an_email_stays_two_customers(tmp_path: Path, session: Session, run_import: Importer) -> None:
    rows = [
        {"name": "Zhang Wei", "email": "family@example.com"},
        {"name": "Li Na", "email": "family@example.com"},
    ]
    path = write_csv(tmp_path / "family.csv", rows)

    first = run_import(path)
    second = run_import(path)

    names = session.scalars(select(Customer.full_name).where(blind.email_clause("family@example.com"))).all()
    assert sorted(names) == ["Li Na", "Zhang Wei"]
    assert _counts(first) == (2, 2, 0, 0, 0)
    assert _counts(second) == (2, 0, 0, 2, 0)


def test_shop_orders_one_row_per_line_item(tmp_path: Path, session: Session, run_import: Importer) -> None:
    lines = [
        {"Name": "#1001", "Email": "ann@example.com", "Created at": "2024-03-01 10:00:00 +0800", "Currency": "USD",
         "Lineitem sku": "MUG-1", "Lineitem name": "Mug", "Lineitem quantity": "2", "Lineitem price": "8.50",
         "Shipping": "5.00", "Financial Status": "paid", "Billing Name": "Ann Lee"},
        {"Name": "#1001", "Email": "ann@example.com", "Created at": "2024-03-01 10:00:00 +0800", "Currency": "USD",
         "Lineitem sku": "TEA-2", "Lineitem name": "Tea", "Lineitem quantity": "1", "Lineitem price": "12.00",
         "Shipping": "5.00", "Financial Status": "paid", "Billing Name": "Ann Lee"},
    ]  # fmt: skip
    path = write_csv(tmp_path / "orders_export.csv", lines)

    first = run_import(path, entity="orders", source="shop")
    second = run_import(path, entity="orders", source="shop")

    order = session.scalars(select(Order).where(Order.number == "#1001")).one()
    customer = session.get(Customer, order.customer_id)
    assert _counts(first) == (2, 2, 0, 0, 0)
    assert _counts(second) == (2, 0, 0, 2, 0)
    assert [(line.quantity, line.unit_price) for line in order.lines] == [(2, Decimal("8.50")), (1, Decimal("12.00"))]
    assert (order.subtotal, order.total, order.placed_at.hour) == (Decimal("29.00"), Decimal("34.00"), 2)
    assert customer is not None
    assert (customer.full_name, customer.email) == ("Ann Lee", "ann@example.com")
    assert session.scalar(select(func.count(Product.id)).where(Product.sku.in_(["MUG-1", "TEA-2"]))) == 2


def test_products_then_companies(tmp_path: Path, session: Session, run_import: Importer) -> None:
    products = [
        {"SKU": "P-1", "Product name": "Kettle", "价格": "¥199", "Category": "Kitchen"},
        {"SKU": "P-2", "Product name": "Toaster", "价格": "abc", "Category": "Kitchen"},
    ]
    companies = [{"Company name": "Acme", "Website": "https://www.acme.com/about", "Number of Employees": "120"}]

    product_batch = run_import(write_csv(tmp_path / "products.csv", products), entity="products")
    company_batch = run_import(write_csv(tmp_path / "companies.csv", companies), entity="companies")
    again = run_import(write_csv(tmp_path / "companies2.csv", companies), entity="companies")

    kettle = session.scalars(select(Product).where(Product.sku == "P-1")).one()
    assert _counts(product_batch) == (2, 1, 0, 0, 1)
    assert (kettle.name, kettle.price, kettle.currency) == ("Kettle", Decimal("199.00"), "CNY")
    assert _counts(company_batch) == (1, 1, 0, 0, 0)
    assert _counts(again) == (1, 0, 0, 1, 0)


def test_interactions_and_tickets(tmp_path: Path, session: Session, run_import: Importer) -> None:
    run_import(write_csv(tmp_path / "people.csv", [{"email": "ann@example.com", "name": "Ann Lee"}]))
    messages = [
        {"email": "ann@example.com", "type": "email", "date": "2024-03-01T10:00:00Z",
         "body": "<p>我的订单还没到</p><div class='gmail_quote'>On Monday you wrote: shipped</div>"},
    ]  # fmt: skip
    tickets = [
        {"Ticket ID": "T-9", "email": "ann@example.com", "subject": "Late parcel", "priority": "P1",
         "status": "resolved", "description": "Where is it?\n\nSent from my iPhone"},
    ]  # fmt: skip

    message_batch = run_import(write_csv(tmp_path / "messages.csv", messages), entity="interactions")
    ticket_batch = run_import(write_csv(tmp_path / "tickets.csv", tickets), entity="tickets", source="zendesk")
    again = run_import(write_csv(tmp_path / "tickets2.csv", tickets), entity="tickets", source="zendesk")

    message = session.scalars(select(Interaction).where(Interaction.ticket_id.is_(None))).one()
    ticket = session.scalars(select(Ticket)).one()
    first = session.scalars(select(Interaction).where(Interaction.ticket_id == ticket.id)).one()
    assert _counts(message_batch) == (1, 1, 0, 0, 0)
    assert (message.body, message.language, message.kind) == ("我的订单还没到", "zh", "email")
    assert _counts(ticket_batch) == (1, 1, 0, 0, 0)
    assert _counts(again) == (1, 0, 0, 1, 0)
    assert (ticket.priority, ticket.status, ticket.language) == ("urgent", "solved", "en")
    assert first.body == "Where is it?"


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".xlsx"])
def test_demo_exports_import_cleanly_in_every_format(
    tmp_path: Path, session: Session, run_import: Importer, suffix: str
) -> None:
    path = tmp_path / f"customers{suffix}"
    write_customers(path, 40)

    batch = run_import(path, source="demo")
    again = run_import(path, source="demo")

    assert _counts(batch) == (40, 40, 0, 0, 0)
    assert _counts(again) == (40, 0, 0, 40, 0)
    assert session.scalar(select(func.count(Customer.id)).where(Customer.source == "demo")) == 40


def test_demo_orders_and_products(tmp_path: Path, session: Session, run_import: Importer) -> None:
    write_customers(tmp_path / "customers.csv", 30)
    write_products(tmp_path / "products.csv")
    write_orders(tmp_path / "orders.csv", 30)
    run_import(tmp_path / "customers.csv", source="demo")
    products = run_import(tmp_path / "products.csv", entity="products", source="demo")

    orders = run_import(
        tmp_path / "orders.csv",
        entity="orders",
        source="demo",
        mapping={"order_number": "number", "customer_id": "customer_external_id", "email": "customer_email",
                 "placed_at": "placed_at", "status": "status", "currency": "currency", "sku": "sku",
                 "product_name": "product_name", "quantity": "quantity", "unit_price": "unit_price",
                 "shipping": "shipping"},
    )  # fmt: skip

    assert _counts(products) == (240, 240, 0, 0, 0)
    assert orders.rows_quarantined == 0
    assert orders.rows_inserted == orders.rows_read
    assert orders.warnings == {}
    total = session.scalar(select(func.sum(Order.total)))
    assert total is not None
    assert total > 0
