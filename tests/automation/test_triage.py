"""Triage as pure functions: language, spam, priority and duplicates, each with its reasons."""

from __future__ import annotations

import pytest

from rapport.automation.schemas import AutomationSettings
from rapport.automation.triage import (
    Candidate,
    CustomerFacts,
    TokenSetSimilarity,
    Triage,
    detect_language,
    detect_spam,
    find_duplicate,
    score_priority,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Where is my order?", "en"),
        ("我买的Loomis & Co 卡其休闲裤（黑色）发的什么快递？有单号吗", "zh"),
        ("Hi, this is 林梅 from the Shanghai office, my parcel is late.", "en"),
        ("", "en"),
    ],
)
def test_detect_language_by_cjk_ratio(text: str, expected: str) -> None:
    assert detect_language(text).value == expected


def test_detect_spam_adds_up_links_and_phrases() -> None:
    verdict = detect_spam("Click here for free money http://a.example http://b.example http://c.example", 3.0)

    assert verdict.value is True
    assert verdict.score == 5.0  # 3 links (2) + two phrases (1.5 each)
    assert ("3 links", 2.0) in verdict.reasons


def test_an_ordinary_message_is_not_spam() -> None:
    verdict = detect_spam("My order #123 arrived damaged, can you send a new one?", 3.0)

    assert verdict.value is False
    assert verdict.reasons == ()


def test_score_priority_explains_each_point() -> None:
    facts = CustomerFacts(total_spent=3500.0, tags=("vip",), other_open_tickets=2)

    verdict = score_priority(
        "Please fix this ASAP", "billing_error", "very_negative", facts, False, AutomationSettings()
    )

    reasons = dict(verdict.reasons)
    assert verdict.value == "urgent"
    assert reasons["intent billing_error"] == 2.5
    assert reasons["urgency words: asap"] == 1.5
    assert reasons["very negative"] == 2.0
    assert reasons["VIP customer"] == 2.0
    assert reasons["lifetime spend 3,500 ≥ 3,000"] == 1.5
    assert reasons["2 other open tickets"] == 1.0
    assert verdict.score == 10.5


@pytest.mark.parametrize(
    ("intent", "sentiment", "expected"),
    [("praise", "positive", "low"), ("order_status", "neutral", "normal"), ("late_delivery", "neutral", "high")],
)
def test_score_priority_levels(intent: str, sentiment: str, expected: str) -> None:
    verdict = score_priority("text", intent, sentiment, CustomerFacts(), False, AutomationSettings())

    assert verdict.value == expected


def test_spam_is_always_low_priority() -> None:
    verdict = score_priority(
        "URGENT", "billing_error", "very_negative", CustomerFacts(tags=("vip",)), True, AutomationSettings()
    )

    assert verdict.value == "low"


def test_find_duplicate_picks_the_most_similar_open_ticket() -> None:
    candidates = [
        Candidate(7, "Where is my order #4411? Tracking has not moved"),
        Candidate(9, "Password reset link expired"),
    ]

    verdict = find_duplicate("Order #4411 - tracking has not moved for days", candidates, TokenSetSimilarity(), 85.0)

    assert verdict.value == 7
    assert verdict.score >= 85


def test_find_duplicate_compares_chinese_by_characters() -> None:
    candidates = [Candidate(3, "订单10287发错了，同一个商品发了两件")]

    verdict = find_duplicate("订单10287发错了 同一个商品发了两件，怎么处理", candidates, TokenSetSimilarity(), 85.0)

    assert verdict.value == 3


def test_a_different_request_is_not_a_duplicate() -> None:
    verdict = find_duplicate(
        "Can I change my delivery address?", [Candidate(3, "Refund for my kettle")], TokenSetSimilarity(), 85.0
    )

    assert verdict.value is None


def test_run_combines_the_findings_with_sla_hours_halved_for_vip() -> None:
    result = Triage().run("Refund please", "I want my money back, this is unacceptable!", CustomerFacts(tags=("vip",)))

    explanations = result.explanations()
    assert result.intent.label == "refund_request"
    assert result.sentiment.label in {"negative", "very_negative"}
    assert result.is_vip is True
    assert result.sla_hours == AutomationSettings().sla_hours[str(result.priority.value)] * 0.5
    assert set(explanations) == {"language", "intent", "sentiment", "spam", "priority", "duplicate", "sla"}
    assert result.models["intent"] == "intent-keywords@1"
