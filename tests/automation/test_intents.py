"""The keyword intent baseline: labels English and Chinese messages and names the words that decided."""

from __future__ import annotations

import pytest

from rapport.automation.intents import KeywordIntentClassifier


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        (
            "Refund for order #10202",
            "Can you refund the $29.00 for the lamp? I posted it back last week.",
            "refund_request",
        ),
        ("Item arrived damaged", "The box was crushed and the mug inside is cracked.", "damaged_item"),
        ("Account locked", "I can't log in, the password reset link has expired.", "account_access"),
        ("退款还没到账！", "申请退款好几天了，一直显示处理中，麻烦看一下", "refund_request"),
        ("修改地址", "搬家了，麻烦把收货地址改成新的", "address_change"),
        ("错误E-231！", "屏幕闪烁然后出现E-231，重启两次了还是不行。", "technical_problem"),
    ],
)
def test_classify_finds_the_intent_in_english_and_chinese(subject: str, body: str, expected: str) -> None:
    prediction = KeywordIntentClassifier().classify(subject, body, "en")

    assert prediction.label == expected
    assert 0 < prediction.confidence <= 1


def test_explanation_lists_the_deciding_words_strongest_first() -> None:
    prediction = KeywordIntentClassifier().classify("Refund please", "I want my money back for the kettle.", "en")

    words = prediction.explanation()["words"]

    assert prediction.label == "refund_request"
    assert [w["word"] for w in words][:2] == ["refund", "money back"]
    assert words[0]["where"] == "subject"
    assert words[0]["weight"] == 4.5  # 3 × 1.5 in the subject


def test_a_message_without_known_words_has_no_intent() -> None:
    prediction = KeywordIntentClassifier().classify("Hello", "Just saying hi.", "en")

    assert prediction.label is None
    assert prediction.confidence == 0.0
