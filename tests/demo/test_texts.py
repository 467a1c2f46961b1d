"""Tests for rapport.demo.texts: varied, reproducible tickets, replies, reviews and interactions in two languages."""

import random
import re
import string
from types import ModuleType

import pytest

from rapport.demo.company import ERROR_CODES
from rapport.demo.phrases import interactions, replies, reviews, tickets_en, tickets_zh
from rapport.demo.texts import (
    INTENT_IDS,
    INTENTS,
    InteractionKind,
    Language,
    TicketContext,
    render_agent_reply,
    render_interaction,
    render_review,
    render_ticket,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
LANGUAGES: tuple[Language, ...] = ("en", "zh")
FULL = TicketContext(
    customer_first_name="Anna",
    order_number="#10023",
    product_name="Aurora Wireless Noise-Cancelling Headphones",
    sku="ELC-10023",
    amount="$129.99",
    days_late=4,
    error_code="E-402",
)
BARE = TicketContext(customer_first_name="Anna")
EMPTY = TicketContext()
FULL_VALUES = {
    "name": "Anna",
    "order": "10023",
    "product": "Aurora Headphones",
    "sku": "ELC-10023",
    "amount": "$129.99",
    "days": "4",
    "code": "E-402",
    "courier": "UPS",
    "agent": "Mia",
}


def all_templates() -> list[str]:
    texts: list[str] = []
    for module in (tickets_en, tickets_zh):
        texts += [t for by_sentiment in module.BODIES.values() for group in by_sentiment.values() for t in group]
        texts += [t for group in module.SUBJECTS.values() for t in group]
        texts += [t for group in module.CLOSINGS.values() for t in group]
    for language in LANGUAGES:
        texts += [t for group in replies.ACTIONS[language].values() for t in group]
        texts += list(replies.GREETINGS[language]) + list(replies.SIGN_OFFS[language])
        texts += list(interactions.EMAILS[language]) + list(interactions.CALL_NOTES[language])
        texts += list(interactions.NOTES[language]) + [line for chat in interactions.CHATS[language] for line in chat]
    return texts


def test_there_are_at_least_16_intents_with_labels_priorities_and_sentiments() -> None:
    assert len(INTENTS) >= 16
    for intent_id, intent in INTENTS.items():
        assert intent.id == intent_id
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", intent_id)
        assert intent.label_en
        assert CJK.search(intent.label_zh)
        assert intent.priority in ("low", "normal", "high", "urgent")
        assert intent.sentiment in ("very_negative", "negative", "neutral", "positive")


@pytest.mark.parametrize("module", [tickets_en, tickets_zh], ids=LANGUAGES)
@pytest.mark.parametrize("intent", INTENT_IDS)
def test_every_intent_has_at_least_8_body_templates_per_language(module: ModuleType, intent: str) -> None:
    templates = [t for group in module.BODIES[intent].values() for t in group]
    assert len(set(templates)) >= 8
    assert len(module.SUBJECTS[intent]) >= 3


def test_every_template_fills_with_known_placeholders() -> None:
    for template in all_templates():
        fields = {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
        assert fields <= set(FULL_VALUES), template
        assert template.format(**FULL_VALUES)


@pytest.mark.parametrize("ctx", [BARE, EMPTY], ids=["first_name_only", "empty"])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("intent", INTENT_IDS)
def test_every_intent_renders_with_a_sparse_context(language: Language, intent: str, ctx: TicketContext) -> None:
    rng = random.Random(intent)
    for _ in range(30):
        ticket = render_ticket(rng, intent, language, ctx)
        reply = render_agent_reply(rng, intent, language, ctx)
        assert ticket.body
        assert ticket.subject
        assert "{" not in ticket.body + ticket.subject + reply
        assert "None" not in ticket.body + ticket.subject + reply


def test_render_ticket_is_deterministic_for_a_seed() -> None:
    def batch(seed: int) -> list[object]:
        rng = random.Random(seed)
        return [render_ticket(rng, intent, lang, FULL) for intent in INTENT_IDS for lang in LANGUAGES]

    assert batch(1) == batch(1)
    assert batch(1) != batch(2)


@pytest.mark.parametrize("language", LANGUAGES)
def test_tickets_are_varied_enough_for_a_classifier(language: Language) -> None:
    rng = random.Random(0)
    for intent in INTENT_IDS:
        bodies = {render_ticket(rng, intent, language, FULL).body for _ in range(200)}
        assert len(bodies) >= 60, intent


def test_chinese_texts_contain_chinese_characters() -> None:
    rng = random.Random(4)
    zh_ctx = TicketContext("芳", "10023", "Aurora 无线降噪耳机", "ELC-10023", "¥899", 3)
    for intent in INTENT_IDS:
        assert CJK.search(render_ticket(rng, intent, "zh", zh_ctx).body)
        assert CJK.search(render_agent_reply(rng, intent, "zh", zh_ctx))
    for rating in range(1, 6):
        assert CJK.search(render_review(rng, "Aurora 无线降噪耳机", rating, "zh"))
    for kind in ("email", "chat", "call_note", "note"):
        assert CJK.search(render_interaction(rng, kind, "zh", zh_ctx))


def test_technical_tickets_and_replies_keep_the_given_error_code() -> None:
    rng = random.Random(8)
    texts = [render_ticket(rng, "technical_problem", "en", FULL).body.upper() for _ in range(200)]
    texts += [render_agent_reply(rng, "technical_problem", "en", FULL).upper() for _ in range(50)]
    assert any("E-402" in text for text in texts)
    assert not any(code in text for text in texts for code in ERROR_CODES if code != "E-402")


def test_very_negative_tickets_get_a_higher_priority_than_the_intent_default() -> None:
    rng = random.Random(6)
    tickets = [render_ticket(rng, "complaint", "en", FULL) for _ in range(100)]
    assert {t.priority for t in tickets if t.sentiment == "very_negative"} == {"high"}
    assert {t.priority for t in tickets if t.sentiment != "very_negative"} == {"normal"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_reviews_have_at_least_30_phrases_per_language(language: Language) -> None:
    openers = [p for group in reviews.OPENERS[language].values() for p in group]
    aspects = [p for pair in reviews.ASPECTS[language].values() for side in pair for p in side]
    closers = [p for group in reviews.CLOSERS[language].values() for p in group]
    assert len(set(openers + aspects + closers)) >= 30


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("rating", [1, 2, 3, 4, 5])
def test_reviews_open_with_a_phrase_for_their_rating(language: Language, rating: int) -> None:
    rng = random.Random(rating)
    openers = [o.format(product="Kettle").lower() for o in reviews.OPENERS[language][rating]]
    for _ in range(20):
        review = render_review(rng, "Kettle", rating, language, category="Home & Kitchen").lower()
        assert review.startswith(tuple(openers)), review
        assert "battery" not in review
        assert "续航" not in review


@pytest.mark.parametrize("rating", [0, 6])
def test_render_review_rejects_a_rating_out_of_range(rating: int) -> None:
    with pytest.raises(ValueError, match="rating"):
        render_review(random.Random(1), "Kettle", rating, "en")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["email", "chat", "call_note", "note"])
def test_every_interaction_kind_renders(language: Language, kind: InteractionKind) -> None:
    rng = random.Random(kind)
    texts = {render_interaction(rng, kind, language, FULL) for _ in range(40)}
    assert len(texts) >= 5
    assert all(text and "{" not in text for text in texts)
    for ctx in (BARE, EMPTY):
        sparse = render_interaction(rng, kind, language, ctx)
        assert sparse
        assert "{" not in sparse
        assert "None" not in sparse


def test_chats_label_each_speaker() -> None:
    rng = random.Random(2)
    for _ in range(20):
        lines = render_interaction(rng, "chat", "en", FULL).splitlines()
        assert all(line.startswith(("Customer: ", "Agent: ")) for line in lines)


def test_render_ticket_rejects_an_unknown_intent() -> None:
    with pytest.raises(ValueError, match="intent"):
        render_ticket(random.Random(1), "teleportation", "en", FULL)


def test_renderers_reject_an_unknown_language_or_kind() -> None:
    rng = random.Random(1)
    with pytest.raises(ValueError, match="language"):
        render_ticket(rng, "praise", "fr", FULL)
    with pytest.raises(ValueError, match="kind"):
        render_interaction(rng, "fax", "en", FULL)
