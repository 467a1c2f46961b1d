"""The guardrails on single messages: each kind of problem is named, and good copy passes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rapport.marketing import guardrails
from rapport.marketing.settings import DEFAULT_FORBIDDEN

FACTS = guardrails.Facts(
    prices=frozenset({Decimal("79.00"), Decimal("63.20")}),
    discounts=frozenset({Decimal("20.00")}),
    dates=frozenset({date(2026, 12, 31)}),
    links=("https://shop.example.com/",),
)
EMMA = guardrails.Recipient(full_name="Emma Walker", first_name="Emma", email="emma@example.com", language="en")
WANG = guardrails.Recipient(full_name="王伟", first_name="伟", language="zh")
PEOPLE = guardrails.KnownPeople.of(["Emma Walker", "Olivia Chen", "王伟", "李娜"])


def _check(body: str, *, language: str = "en", channel: str = "email", subject: str = "Winter offer") -> set[str]:
    recipient = WANG if language == "zh" else EMMA
    verdict = guardrails.check(
        body,
        subject=subject,
        channel=channel,
        language=language,
        facts=FACTS,
        recipient=recipient,
        people=PEOPLE,
        forbidden=DEFAULT_FORBIDDEN,
    )
    return verdict.kinds


@pytest.mark.parametrize(
    ("body", "language"),
    [
        ("Hi Emma, the Alpine jacket is now $63.20 instead of $79.00, 20% off until December 31, 2026.", "en"),
        ("Take 20% off until 12/31. Questions? Reply to emma@example.com.", "en"),
        ("Alpine 羽绒服八折，现价$63.20，优惠至2026年12月31日。", "zh"),
        ("王伟，您好：Alpine 羽绒服限时8折，截止12月31日。", "zh"),
    ],
)
def test_good_copy_passes(body: str, language: str) -> None:
    assert _check(body, language=language) == set()


@pytest.mark.parametrize(
    ("body", "language", "kind"),
    [
        ("Now 30% off the Alpine jacket.", "en", "discount"),
        ("Half price on every jacket this week.", "en", "discount"),
        ("Alpine 羽绒服7折优惠。", "zh", "discount"),
        ("The jacket is only $59.99 this week.", "en", "price"),
        ("The offer ends on January 15, 2027.", "en", "date"),
        ("Alpine 羽绒服八折，1月15日截止。", "zh", "date"),
        ("Olivia Chen loved this jacket, and so will you.", "en", "personal_data"),
        ("Hi Olivia, 20% off the jacket until December 31.", "en", "personal_data"),
        ("Write to olivia@example.com for your 20% off.", "en", "personal_data"),
        ("Call +1 415 555 0199 to order the jacket.", "en", "personal_data"),
        ("李娜也买了这件羽绒服，现在八折。", "zh", "personal_data"),
        ("Alpine 羽绒服八折，欢迎选购。", "en", "language"),
        ("The jacket is 20% off until December 31.", "zh", "language"),
        ("Guaranteed warmth at 20% off.", "en", "claim"),
        ("我们保证这件羽绒服最保暖，八折优惠。", "zh", "claim"),
        ("THE BIGGEST SALE EVER ON JACKETS", "en", "tone"),
        ("Buy now!!! Only today!!!", "en", "tone"),
        ("Dear {first_name}, enjoy 20% off.", "en", "placeholder"),
        ("See https://bargains.example.net/win for 20% off.", "en", "link"),
    ],
)
def test_each_kind_of_bad_copy_is_named(body: str, language: str, kind: str) -> None:
    assert kind in _check(body, language=language)


def test_chinese_fold_counts_as_a_discount() -> None:
    # 8折 is 80% of the price: the campaign's 20% off; 85折 would be 15% off.
    assert _check("羽绒服8折优惠，欢迎选购。", language="zh") == set()
    assert _check("羽绒服八折优惠，欢迎选购。", language="zh") == set()
    assert "discount" in _check("羽绒服85折优惠，欢迎选购。", language="zh")
    assert "discount" in _check("羽绒服八五折优惠，欢迎选购。", language="zh")  # 15% off, not 50%


def test_length_depends_on_the_channel() -> None:
    long_sms = "The Alpine jacket is 20% off until December 31. " * 4

    assert "length" in _check(long_sms, channel="sms", subject="")
    assert "length" not in _check(long_sms, channel="email")
    assert "length" in _check("Alpine 羽绒服八折。" * 10, language="zh", channel="sms", subject="")
    assert "length" in _check("The Alpine jacket is 20% off.", subject="")


def test_the_recipients_own_details_are_allowed() -> None:
    verdict = guardrails.check(
        "Hi Emma Walker, we will write to emma@example.com or call +14155550123 about 20% off.",
        subject="For you",
        facts=FACTS,
        recipient=guardrails.Recipient(
            full_name="Emma Walker", first_name="Emma", email="emma@example.com", phone="+14155550123"
        ),
        people=PEOPLE,
    )

    assert verdict.problems == []


def test_dates_read_in_either_order_and_iso() -> None:
    assert "date" not in _check("Until 31/12/2026 or 2026-12-31, 20% off.")
    assert "date" in _check("Until 2026-12-30, 20% off.")
