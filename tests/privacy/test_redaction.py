"""The first redactor: emails, phone numbers and Luhn-valid card numbers become reversible placeholders."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from rapport.privacy.redaction import BasicRedactor, luhn_ok


def test_email_phone_and_card_are_replaced_and_restored() -> None:
    text = "Jane (jane.doe@example.com, +1 415-555-0132) paid with 4111 1111 1111 1111."

    redaction = BasicRedactor().redact(text)

    assert redaction.text == "Jane (<EMAIL_1>, <PHONE_1>) paid with <CARD_1>."
    assert redaction.restore(redaction.text) == text


def test_chinese_mobile_without_country_code_is_found() -> None:
    redaction = BasicRedactor().redact("我的手机号是13912345678，谢谢")

    assert "13912345678" not in redaction.text
    assert redaction.restore(redaction.text) == "我的手机号是13912345678，谢谢"


def test_the_same_value_gets_the_same_placeholder() -> None:
    redaction = BasicRedactor().redact("a@b.com wrote to a@b.com and c@d.org")

    assert redaction.text == "<EMAIL_1> wrote to <EMAIL_1> and <EMAIL_2>"


def test_order_numbers_that_fail_luhn_are_left_alone() -> None:
    assert BasicRedactor().redact("order 1234567890123456").text == "order 1234567890123456"
    assert luhn_ok("4111111111111111")


# -- PiiRedactor: every kind of personal data, each with its checksum or shape ---------------------------------------
from rapport.privacy import pii  # noqa: E402
from rapport.privacy.redaction import PiiRedactor  # noqa: E402


def _kinds(text: str, *, ner: bool = False) -> dict[str, str]:
    return {s.kind: s.text for s in pii.detect(text, ner=ner)}


def test_iban_needs_its_mod97_check() -> None:
    assert pii.iban_ok("GB82 WEST 1234 5698 7654 32")
    assert not pii.iban_ok("GB83 WEST 1234 5698 7654 32")
    assert _kinds("pay to GB82WEST12345698765432 today") == {"IBAN": "GB82WEST12345698765432"}
    assert "IBAN" not in _kinds("pay to GB83WEST12345698765432 today")


def test_chinese_resident_id_needs_its_mod_11_2_check_character() -> None:
    assert pii.cn_id_ok("11010519491231002X")
    assert not pii.cn_id_ok("110105194912310021")
    assert _kinds("身份证号11010519491231002X，请核对") == {"CN_ID": "11010519491231002X"}
    assert "CN_ID" not in _kinds("身份证号110105194912310021")


def test_ssn_ip_and_labelled_birth_date() -> None:
    found = _kinds("SSN 460-89-9847, from 192.168.10.20 and 2001:db8::ff00:42:8329, date of birth: 1984-03-07")
    assert found["SSN"] == "460-89-9847"
    assert found["IP_ADDRESS"] in {"192.168.10.20", "2001:db8::ff00:42:8329"}
    assert found["DATE_OF_BIRTH"] == "1984-03-07"
    assert "SSN" not in _kinds("ref 000-12-3456")  # area 000 is never issued
    assert "IP_ADDRESS" not in _kinds("version 1.2.3.400")


def test_chinese_phone_formats() -> None:
    for text, number in [
        ("手机 138-1234-5678 找我", "138-1234-5678"),
        ("call +86 139 1234 5678", "+86 139 1234 5678"),
        ("座机 010-62345678", "010-62345678"),
        ("my number is 13912345678", "13912345678"),
    ]:
        assert _kinds(text).get("PHONE") == number, text


def test_street_addresses_english_european_and_chinese() -> None:
    assert _kinds("She lives at 1600 Amphitheatre Parkway, Mountain View")["ADDRESS"].startswith("1600 Amphitheatre")
    assert "Villacher Strasse 89" in _kinds("The bus station is on Villacher Strasse 89")["ADDRESS"]
    assert _kinds("寄到上海市浦东新区世纪大道100号")["ADDRESS"] == "上海市浦东新区世纪大道100号"


def test_pii_redactor_is_reversible_and_ordinary_text_is_left_alone() -> None:
    redactor = PiiRedactor(ner=False)
    text = "IBAN GB82WEST12345698765432, mail jane@example.com, card 4111 1111 1111 1111, 手机13812345678"

    redaction = redactor.redact(text)

    assert "GB82WEST" not in redaction.text
    assert "jane@" not in redaction.text
    assert "13812345678" not in redaction.text
    assert "<IBAN_1>" in redaction.text
    assert "<CARD_1>" in redaction.text
    assert redactor.restore(redaction, redaction.text) == text
    plain = "Order 1234 shipped on Monday; 3 items, total 59.90."
    assert redactor.redact(plain).text == plain


def test_person_organisation_and_chinese_names_with_the_language_models() -> None:
    # Loads spaCy's small English model (once, from its PyPI package) and jieba's dictionary.
    redaction = PiiRedactor().redact("My name is Stephan Fenstermacher and I wrote to 张伟 about the refund.")

    assert "Fenstermacher" not in redaction.text
    assert "张伟" not in redaction.text
    assert "<PERSON_1>" in redaction.text
    assert "<PERSON_2>" in redaction.text


def test_mask_is_irreversible_kind_only() -> None:
    assert PiiRedactor(ner=False).mask("write to a@b.com") == "write to <EMAIL>"


@pytest.mark.db
def test_a_redacted_export_masks_personal_data_in_free_text(session: Session) -> None:
    import io

    from rapport.ingest import export as exporting
    from rapport.privacy.access import system_principal
    from tests.factories import make_customer

    make_customer(session, notes="Call her on +1 415-555-0132 or mail jane.roe@example.org")

    plain, redacted = io.BytesIO(), io.BytesIO()
    exporting.export(session, system_principal(), "customers", "jsonl", plain)
    exporting.export(session, system_principal(), "customers", "jsonl", redacted, redact=True)

    assert "jane.roe@example.org" in plain.getvalue().decode()
    assert "jane.roe@example.org" not in redacted.getvalue().decode()
    assert "<EMAIL>" in redacted.getvalue().decode()
    assert "<PHONE>" in redacted.getvalue().decode()
