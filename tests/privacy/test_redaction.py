"""The first redactor: emails, phone numbers and Luhn-valid card numbers become reversible placeholders."""

from __future__ import annotations

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
