"""Aspect opinions: lexicon aspects per sentence in English and Chinese, the context window, and polarity per aspect
from a tiny fitted model (two aspects of one sentence may differ) or the lexicon."""

from __future__ import annotations

from rapport.feedback import aspects
from tests.feedback import kit


def test_aspects_are_found_per_sentence_in_both_languages() -> None:
    found = aspects.find_aspects("Delivery took two weeks. The battery barely lasts a day! 客服一直不回消息。")

    assert [(m.aspect, m.term) for m in found] == [
        ("delivery", "delivery"),
        ("battery", "battery"),
        ("customer_service", "客服"),
    ]


def test_window_keeps_the_words_around_the_term() -> None:
    sentence = "I like the screen a lot but the battery is awful and dies before lunch every single day"
    start = sentence.index("battery")

    assert (
        aspects.window(sentence, start, "battery") == "the screen a lot but the battery is awful and dies before lunch"
    )


def test_polarity_per_aspect_from_a_fitted_model() -> None:
    train = [
        ("price", "Great value for money, the price is fair.", "positive"),
        ("delivery", "Delivery was fast and on time.", "positive"),
        ("quality", "Quality is excellent and sturdy.", "positive"),
        ("price", "Way overpriced, the price is a joke.", "negative"),
        ("delivery", "Delivery was late and slow.", "negative"),
        ("quality", "The quality is poor and flimsy.", "negative"),
        ("price", "The price is listed on the website.", "neutral"),
        ("delivery", "Delivery is by courier.", "neutral"),
    ]
    items = [(term, sentence, sentence.lower().index(term)) for term, sentence, _ in train]
    model = aspects.fit_vectors(kit.embedder(), aspects.features(kit.embedder(), items), [p for *_, p in train])

    found = aspects.opinions(["The quality is excellent. Delivery was very late."], model)[0]

    assert [(o.aspect, o.polarity) for o in found] == [("quality", "positive"), ("delivery", "negative")]
    assert all(o.model == "feedback-absa@unsaved" for o in found)


def test_without_a_model_the_sentence_lexicon_gives_polarity() -> None:
    found = aspects.opinions(["The packaging was terrible and the box was crushed."], None)[0]

    assert [(o.aspect, o.polarity, o.model) for o in found] == [("packaging", "negative", "sentiment-lexicon@1")]
