"""The lexicon sentiment baseline: weights, negation, intensifiers and shouting, in English and Chinese."""

from __future__ import annotations

import pytest

from rapport.automation.sentiment import LexiconSentiment


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Absolutely unacceptable. This is the worst service, I am furious.", "very_negative"),
        ("My refund still hasn't arrived and nobody answers.", "negative"),
        ("Could you tell me the delivery date?", "neutral"),
        ("Thank you so much, the agent was amazing and very helpful!", "positive"),
        ("太差了，我要投诉，垃圾服务", "very_negative"),
        ("退款到账很快，服务不错，很满意", "positive"),
    ],
)
def test_score_labels_english_and_chinese(text: str, expected: str) -> None:
    assert LexiconSentiment().score(text, "en").label == expected


def test_a_negator_flips_the_word_after_it() -> None:
    scorer = LexiconSentiment()

    plain = scorer.score("The service was helpful.", "en")
    negated = scorer.score("The service was not helpful.", "en")

    assert plain.raw > 0
    assert negated.raw < 0
    assert ("not helpful", -1.4) in [(w, round(v, 2)) for w, v in negated.contributions]


def test_chinese_negator_flips_satisfied() -> None:
    result = LexiconSentiment().score("我很不满意", "zh")

    assert result.raw < 0


def test_shouting_only_counts_when_the_message_is_negative() -> None:
    scorer = LexiconSentiment()

    angry = scorer.score("Wrong item AGAIN!! Terrible.", "en")
    happy = scorer.score("GREAT JOB team!!", "en")

    assert ("(shouting)", -1.0) in angry.contributions
    assert all(word != "(shouting)" for word, _ in happy.contributions)
