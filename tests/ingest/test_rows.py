"""From a raw record to clean values and per-field errors."""

from __future__ import annotations

from decimal import Decimal

from rapport.ingest.readers import Record
from rapport.ingest.rows import Context, Options, prepare


def _prepare(entity: str, values: dict[str, object], mapping: dict[str, str], **options: object) -> object:
    return prepare(Context(entity, mapping, Options.of(options)), Record(1, 2, values))


def test_customer_values_are_derived_and_defaults_kept_apart() -> None:
    row = _prepare(
        "customers",
        {"First": "wei", "Last": "ZHANG", "Mail": "W@X.com", "Tel": "139 1234 5678", "Land": "中国", "Opt out": "yes"},
        {
            "First": "first_name",
            "Last": "last_name",
            "Mail": "email",
            "Tel": "phone",
            "Land": "country",
            "Opt out": "email_opt_out",
        },
    )

    assert row.values == {  # type: ignore[attr-defined]
        "country": "CN",
        "first_name": "Wei",
        "last_name": "Zhang",
        "full_name": "Wei Zhang",
        "emails": ["w@x.com"],
        "email": "w@x.com",
        "phones": ["+8613912345678"],
        "phone": "+8613912345678",
        "addresses": [{"country": "CN"}],
        "city": None,
        "consent_email": False,
    }
    assert row.defaults == {"language": "en"}  # type: ignore[attr-defined]


def test_a_customer_needs_a_name_an_email_or_a_phone() -> None:
    row = _prepare("customers", {"City": "Paris"}, {"City": "city"})

    assert [(e.field, e.code) for e in row.errors] == [("_row", "required")]  # type: ignore[attr-defined]


def test_every_bad_field_is_reported_once_with_its_column() -> None:
    row = _prepare(
        "customers",
        {"Name": "Ann", "Mail": "nope", "Born": "2099-01-01", "Sex": "?!"},
        {"Name": "full_name", "Mail": "email", "Born": "birth_date", "Sex": "gender"},
    )

    assert [(e.field, e.column, e.code) for e in row.errors] == [  # type: ignore[attr-defined]
        ("email", "Mail", "invalid_emails"),
        ("gender", "Sex", "invalid_gender"),
        ("birth_date", None, "implausible_date"),
    ]


def test_order_line_takes_currency_from_the_amount() -> None:
    row = _prepare(
        "orders",
        {"No": "A1", "At": "2024-01-02", "Mail": "a@x.com", "SKU": "S1", "Price": "¥12.5"},
        {"No": "number", "At": "placed_at", "Mail": "customer_email", "SKU": "sku", "Price": "unit_price"},
    )

    assert row.values["unit_price"] == Decimal("12.50")  # type: ignore[attr-defined]
    assert row.values["quantity"] == 1  # type: ignore[attr-defined]
    assert row.defaults["currency"] == "CNY"  # type: ignore[attr-defined]


def test_structural_problems_become_a_row_error() -> None:
    row = prepare(Context("customers", {"a": "email"}, Options()), Record(3, 9, {}, "line 9: broken"))

    assert [(e.field, e.code, e.message) for e in row.errors] == [("_row", "structure", "line 9: broken")]
