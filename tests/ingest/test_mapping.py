"""Column mapping: suggestions from presets, synonyms (English and Chinese) and fuzzy matches; checks."""

from __future__ import annotations

import pytest

from rapport.errors import Invalid
from rapport.ingest.mapping import PRESETS, check, header_key, suggest


@pytest.mark.parametrize(
    ("header", "key"), [("FirstName", "first name"), ("first_name", "first name"), ("E-Mail:", "e mail")]
)
def test_header_key(header: str, key: str) -> None:
    assert header_key(header) == key


def test_chinese_headers_are_known() -> None:
    headers = ["姓名", "电话", "邮箱", "地址", "性别", "生日", "收货人手机"]

    mapped = {s.column: s.field for s in suggest(headers, "customers")}

    assert mapped == {
        "姓名": "full_name",
        "电话": "phone",
        "邮箱": "email",
        "地址": "address_line1",
        "性别": "gender",
        "生日": "birth_date",
        "收货人手机": "mobile",
    }


def test_fuzzy_suggestions_say_why() -> None:
    suggestions = {s.column: s for s in suggest(["Emial Address", "Phone Num", "Favourite colour"], "customers")}

    assert suggestions["Emial Address"].field == "email"
    assert suggestions["Emial Address"].reason.endswith("like 'email address' (email)")
    assert suggestions["Phone Num"].field == "phone"
    assert suggestions["Favourite colour"].field is None


def test_a_field_is_taken_once_by_the_surest_column() -> None:
    suggestions = {s.column: s.field for s in suggest(["Name", "Full Name", "Email", "Other email"], "customers")}

    assert suggestions["Name"] == "full_name"
    assert suggestions["Full Name"] is None
    assert (suggestions["Email"], suggestions["Other email"]) == ("email", "email_2")


def test_preset_wins_and_can_ignore_columns() -> None:
    preset = PRESETS["shop-orders"].mapping

    mapped = {s.column: s.field for s in suggest(["Name", "Email", "Subtotal", "Lineitem sku"], "orders", preset)}

    assert mapped == {"Name": "number", "Email": "customer_email", "Subtotal": None, "Lineitem sku": "sku"}


def test_check_names_every_problem() -> None:
    with pytest.raises(Invalid, match="not a field of customers") as caught:
        check({"a": "full_name", "b": "shoe_size", "c": "full_name", "d": "email"}, "customers", ["a", "b", "c"])

    assert caught.value.details == [
        "'shoe_size' is not a field of customers",
        "'full_name' is fed by both 'a' and 'c'",
        "column 'd' is not in the file",
    ]


def test_check_requires_what_an_entity_needs() -> None:
    with pytest.raises(Invalid, match="number"):
        check({"Email": "customer_email"}, "orders", ["Email"])
    with pytest.raises(Invalid, match="customer"):
        check({"No": "number", "At": "placed_at"}, "orders", ["No", "At"])


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_builtin_preset_is_valid(name: str) -> None:
    preset = PRESETS[name]

    assert check(preset.mapping, preset.entity, []) == {k: v for k, v in preset.mapping.items() if v}
