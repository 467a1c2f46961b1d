"""Rules that decide what the code does with a message: language, a request for a person, own-records questions."""

from __future__ import annotations

import pytest

from rapport.assistant.language import asks_for_human, detect_language, order_numbers, records_question


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Where is my parcel?", "en"), ("我的包裹到哪了", "zh"), ("订单 10023 E-402", "zh"), ("10023", "en")],
)
def test_language_follows_the_customer(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text", ["Can I talk to a human?", "I want a real person", "speak to an agent please", "转人工", "我要人工客服"]
)
def test_requests_for_a_person(text: str) -> None:
    assert asks_for_human(text)


@pytest.mark.parametrize("text", ["My Agent app crashes", "How do refunds work?", "人工智能是怎么用的"])
def test_other_messages_are_not_requests_for_a_person(text: str) -> None:
    assert not asks_for_human(text)


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("where is my order 10023?", ("10023",)),
        ("订单10023到哪了", ("10023",)),
        ("order #2024 please", ("2024",)),
        ("I bought it in 2024 for $1299", ()),
        ("error E-402 on HB-2041", ()),
        ("orders 10023 and 10024", ("10023", "10024")),
    ],
)
def test_order_numbers(text: str, numbers: tuple[str, ...]) -> None:
    assert order_numbers(text) == numbers


def test_records_questions() -> None:
    assert records_question("where is my order?").wants_orders
    assert records_question("what's the status of my ticket").wants_tickets
    assert not records_question("how long do refunds take?").any
