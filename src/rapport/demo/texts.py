"""Customer and staff texts for the demo: support tickets per intent, agent replies, reviews and interactions.

Every function draws only from the `random.Random` it is given, so a seed reproduces the same texts. The phrase
tables live in `rapport.demo.phrases`; this module picks, fills and roughens them.
"""

import random
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from rapport.demo import company, noise
from rapport.demo.phrases import Language, Sentiment, interactions, replies, reviews, tickets_en, tickets_zh

Priority = Literal["low", "normal", "high", "urgent"]
InteractionKind = Literal["email", "chat", "call_note", "note"]

__all__ = [
    "INTENTS",
    "INTENT_IDS",
    "Intent",
    "InteractionKind",
    "Language",
    "Priority",
    "Sentiment",
    "TicketContext",
    "TicketText",
    "render_agent_reply",
    "render_interaction",
    "render_review",
    "render_ticket",
]


@dataclass(frozen=True, slots=True)
class Intent:
    id: str
    label_en: str
    label_zh: str
    priority: Priority
    sentiment: Sentiment


INTENTS: Final[dict[str, Intent]] = {
    intent.id: intent
    for intent in (
        Intent("order_status", "Order status", "订单查询", "normal", "neutral"),
        Intent("refund_request", "Refund request", "退款申请", "normal", "negative"),
        Intent("late_delivery", "Late delivery", "物流延误", "high", "negative"),
        Intent("damaged_item", "Damaged item", "商品破损", "high", "negative"),
        Intent("wrong_item", "Wrong or missing item", "错发漏发", "normal", "negative"),
        Intent("account_access", "Account access", "账号登录", "high", "negative"),
        Intent("billing_error", "Billing error", "扣款异常", "high", "negative"),
        Intent("product_question", "Product question", "商品咨询", "low", "neutral"),
        Intent("complaint", "Complaint", "投诉", "normal", "very_negative"),
        Intent("praise", "Praise", "表扬", "low", "positive"),
        Intent("cancellation", "Cancellation", "取消订单", "normal", "neutral"),
        Intent("address_change", "Address change", "修改地址", "high", "neutral"),
        Intent("warranty_claim", "Warranty claim", "保修申请", "normal", "negative"),
        Intent("discount_request", "Discount or promo code", "优惠咨询", "low", "neutral"),
        Intent("technical_problem", "Technical problem", "技术故障", "normal", "negative"),
        Intent("return_label", "Return label", "退货面单", "normal", "neutral"),
        Intent("privacy_request", "Privacy or data request", "隐私与数据", "normal", "neutral"),
    )
}
INTENT_IDS: Final = tuple(INTENTS)


@dataclass(frozen=True, slots=True)
class TicketContext:
    """What a text may mention; a template that names a missing field is never drawn.

    Pass names in the text's language; `amount` is shown as given ("$49.99", "¥299"). Set `error_code` to keep a
    ticket and its reply on the same code; otherwise each draws one.
    """

    customer_first_name: str | None = None
    order_number: str | None = None
    product_name: str | None = None
    sku: str | None = None
    amount: str | None = None
    days_late: int | None = None
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class TicketText:
    subject: str
    body: str
    sentiment: Sentiment
    priority: Priority  # the intent's default, one step higher when the customer is very upset


# Placeholders a template may use only when the context has them; the others are always filled.
_OPTIONAL: Final = {"order": 1, "product": 2, "sku": 4, "amount": 8, "days": 16, "name": 32}
_ALWAYS: Final = frozenset({"code", "courier", "agent"})
_PRIORITY_UP: Final[dict[Priority, Priority]] = {
    "low": "normal",
    "normal": "high",
    "high": "urgent",
    "urgent": "urgent",
}
_LANGUAGES: Final[tuple[Language, ...]] = ("en", "zh")
_KINDS: Final[tuple[InteractionKind, ...]] = ("email", "chat", "call_note", "note")
_SENTIMENTS: Final[tuple[Sentiment, ...]] = ("very_negative", "negative", "neutral", "positive")


@dataclass(frozen=True, slots=True)
class _Template:
    text: str
    needs: int  # bit mask over _OPTIONAL
    sentiment: Sentiment


def _needs(text: str) -> int:
    mask = 0
    for _, field, _, _ in string.Formatter().parse(text):
        if field is None or field in _ALWAYS:
            continue
        if field not in _OPTIONAL:
            raise ValueError(f"unknown placeholder {{{field}}} in {text!r}")
        mask |= _OPTIONAL[field]
    return mask


class _Pool:
    """Templates of one kind; `draw` picks among those the context can fill, with the filter cached per mask."""

    __slots__ = ("_by_mask", "templates")

    def __init__(self, texts: Mapping[Sentiment, tuple[str, ...]]) -> None:
        self.templates = tuple(_Template(t, _needs(t), s) for s, group in texts.items() for t in group)
        self._by_mask: dict[int, tuple[_Template, ...]] = {}

    def draw(self, rng: random.Random, available: int) -> _Template:
        fitting = self._by_mask.get(available)
        if fitting is None:
            fitting = tuple(t for t in self.templates if t.needs & ~available == 0)
            self._by_mask[available] = fitting
        if not fitting:
            raise ValueError("no template fits this context")
        return rng.choice(fitting)

    def fill(self, rng: random.Random, values: dict[str, str], available: int) -> str:
        return self.draw(rng, available).text.format(**values)


def _neutral(texts: tuple[str, ...]) -> _Pool:
    return _Pool({"neutral": texts})


@dataclass(frozen=True, slots=True)
class _TicketPhrases:
    """One language's ticket tables (phrases.tickets_en or phrases.tickets_zh)."""

    bodies: Mapping[str, Mapping[Sentiment, tuple[str, ...]]]
    subjects: Mapping[str, tuple[str, ...]]
    asides: Mapping[str, tuple[str, ...]]
    general_asides: Mapping[Sentiment, tuple[str, ...]]
    openings: Mapping[Sentiment, tuple[str, ...]]
    closings: Mapping[Sentiment, tuple[str, ...]]
    emoji: Mapping[Sentiment, tuple[str, ...]]


_TICKETS: Final[dict[Language, _TicketPhrases]] = {
    "en": _TicketPhrases(
        tickets_en.BODIES,
        tickets_en.SUBJECTS,
        tickets_en.ASIDES,
        tickets_en.GENERAL_ASIDES,
        tickets_en.OPENINGS,
        tickets_en.CLOSINGS,
        tickets_en.EMOJI,
    ),
    "zh": _TicketPhrases(
        tickets_zh.BODIES,
        tickets_zh.SUBJECTS,
        tickets_zh.ASIDES,
        tickets_zh.GENERAL_ASIDES,
        tickets_zh.OPENINGS,
        tickets_zh.CLOSINGS,
        tickets_zh.EMOJI,
    ),
}
_BODIES: Final = {(i, lang): _Pool(_TICKETS[lang].bodies[i]) for lang in _LANGUAGES for i in INTENTS}
_SUBJECTS: Final = {(i, lang): _neutral(_TICKETS[lang].subjects[i]) for lang in _LANGUAGES for i in INTENTS}
_CLOSINGS: Final = {(lang, s): _neutral(_TICKETS[lang].closings[s]) for lang in _LANGUAGES for s in _SENTIMENTS}
_ACTIONS: Final = {(i, lang): _neutral(replies.ACTIONS[lang][i]) for lang in _LANGUAGES for i in INTENTS}
_GREETINGS: Final = {lang: _neutral(replies.GREETINGS[lang]) for lang in _LANGUAGES}
_INTERACTIONS: Final = {
    **{("email", lang): _neutral(interactions.EMAILS[lang]) for lang in _LANGUAGES},
    **{("chat", lang): _neutral(tuple("\n".join(turns) for turns in interactions.CHATS[lang])) for lang in _LANGUAGES},
    **{("call_note", lang): _neutral(interactions.CALL_NOTES[lang]) for lang in _LANGUAGES},
    **{("note", lang): _neutral(interactions.NOTES[lang]) for lang in _LANGUAGES},
}
_CHAT_SPEAKERS: Final[dict[Language, tuple[str, str]]] = {"en": ("Customer: ", "Agent: "), "zh": ("顾客：", "客服：")}
_GREETING_STARTS: Final = ("Hi", "Hello", "Hey", "Dear", "你好", "您好", "客服", "亲", "在吗")
_ZH_BREAKS: Final = "，。！？～,.!?~ ]\n"


def _language(language: str) -> Language:
    for known in _LANGUAGES:
        if language == known:
            return known
    raise ValueError(f"unsupported language: {language!r}")


def _intent(intent: str) -> Intent:
    if intent not in INTENTS:
        raise ValueError(f"unknown intent: {intent!r}")
    return INTENTS[intent]


def _fill(rng: random.Random, ctx: TicketContext, language: Language) -> tuple[dict[str, str], int]:
    couriers = company.COURIERS_EN if language == "en" else company.COURIERS_ZH
    values = {
        "code": ctx.error_code or _anchored(rng, company.ERROR_CODES, ctx.order_number or ctx.sku or ctx.product_name),
        "courier": _anchored(rng, couriers, ctx.order_number),
        "agent": rng.choice(replies.AGENTS[language]),
    }
    optional = {
        "order": ctx.order_number.lstrip("#") if ctx.order_number else None,
        "product": ctx.product_name,
        "sku": ctx.sku,
        "amount": ctx.amount,
        "days": str(ctx.days_late) if ctx.days_late is not None else None,
        "name": ctx.customer_first_name,
    }
    mask = 0
    for field, value in optional.items():
        if value:
            values[field] = value
            mask |= _OPTIONAL[field]
    return values, mask


def _anchored(rng: random.Random, options: tuple[str, ...], anchor: str | None) -> str:
    """Pick by the order or product when there is one, so that a ticket and its reply rendered from the same
    context name the same courier and error code; draw otherwise."""
    if anchor:
        return options[sum(map(ord, anchor)) % len(options)]
    return rng.choice(options)


def _join_zh(rng: random.Random, parts: list[str]) -> str:
    text = parts[0]
    for part in parts[1:]:
        text += part if text[-1] in _ZH_BREAKS else rng.choice(("，", "。", " ")) + part
    return text


def render_ticket(rng: random.Random, intent: str, language: str, ctx: TicketContext) -> TicketText:
    """Write one customer ticket: a body template for the intent, wrapped in optional greeting, asides and sign-off."""
    spec, lang = _intent(intent), _language(language)
    phrases = _TICKETS[lang]
    values, mask = _fill(rng, ctx, lang)
    template = _BODIES[intent, lang].draw(rng, mask)
    sentiment = template.sentiment
    core = template.text.format(**values)

    opening, closing, asides = "", "", []
    shape = rng.random()  # below 0.25 a bare one-liner; above 0.65 a chatty paragraph
    if shape >= 0.25:
        if rng.random() < 0.7 and not core.startswith(_GREETING_STARTS):
            opening = rng.choice(phrases.openings[sentiment])
        if rng.random() < 0.6:
            closing = _CLOSINGS[lang, sentiment].fill(rng, values, mask)
    if shape >= 0.65:
        pool = phrases.asides[intent] + phrases.general_asides[sentiment]
        asides = rng.sample(pool, min(len(pool), rng.randint(1, 2)))
    middle_parts = [*asides, core] if asides and rng.random() < 0.4 else [core, *asides]
    if rng.random() < (0.18 if sentiment == "positive" else 0.08):
        middle_parts.append(rng.choice(phrases.emoji[sentiment]))

    if lang == "en":
        middle = noise.roughen_en(rng, " ".join(middle_parts), sentiment)
        separator = "\n\n" if rng.random() < 0.6 else " "
        body = separator.join(part for part in (opening, middle, closing) if part)
    else:
        middle = noise.roughen_zh(rng, _join_zh(rng, middle_parts), sentiment)
        body = _join_zh(rng, [part for part in (opening, middle) if part])
        if closing:
            body = _join_zh(rng, [body, closing]) if rng.random() < 0.6 else f"{body}\n{closing}"
    subject = _subject(rng, intent, lang, sentiment, values, mask)
    priority = _PRIORITY_UP[spec.priority] if sentiment == "very_negative" else spec.priority
    return TicketText(subject, body, sentiment, priority)


def _subject(
    rng: random.Random, intent: str, language: Language, sentiment: Sentiment, values: dict[str, str], mask: int
) -> str:
    subject = _SUBJECTS[intent, language].fill(rng, values, mask)
    roll = rng.random()
    if language == "en":
        if sentiment == "very_negative" and roll < 0.3:
            return f"URGENT: {subject}" if roll < 0.15 else f"{subject}!!!"
        if roll < 0.1:
            return subject.lower()
        return f"Re: {subject}" if roll < 0.15 else subject
    if sentiment == "very_negative" and roll < 0.3:
        return f"【急】{subject}"
    return f"{subject}！" if sentiment == "negative" and roll < 0.1 else subject


def render_agent_reply(rng: random.Random, intent: str, language: str, ctx: TicketContext) -> str:
    """Write a support agent's reply to a ticket of this intent, with promises that match the knowledge base."""
    spec, lang = _intent(intent), _language(language)
    values, mask = _fill(rng, ctx, lang)
    greeting = _GREETINGS[lang].fill(rng, values, mask)
    empathy = rng.choice(replies.EMPATHY[lang][spec.sentiment])
    action = _ACTIONS[intent, lang].fill(rng, values, mask)
    follow_up = rng.choice(replies.FOLLOW_UPS[lang]) if rng.random() < 0.7 else ""
    sign_off = rng.choice(replies.SIGN_OFFS[lang]).format(**values)
    if lang == "en":
        middle = " ".join(part for part in (empathy, action, follow_up) if part)
        return f"{greeting}\n\n{middle}\n\n{sign_off}"
    return f"{greeting}{empathy}{action}{follow_up}\n{sign_off}"


def render_review(
    rng: random.Random, product_name: str, rating: int, language: str, *, category: str | None = None
) -> str:
    """Write a product review whose tone follows the star rating; `category` keeps aspects plausible (no battery
    talk for a cutting board)."""
    if not 1 <= rating <= 5:
        raise ValueError(f"rating must be 1..5, got {rating}")
    lang = _language(language)
    aspects = [
        aspect
        for aspect in reviews.ASPECTS[lang]
        if aspect not in reviews.CATEGORY_ASPECTS or category in reviews.CATEGORY_ASPECTS[aspect]
    ]
    count = 0 if rng.random() < 0.15 else rng.randint(1, 3 if rating in (1, 5) else 2)
    sentences = [rng.choice(reviews.OPENERS[lang][rating]).format(product=product_name)]
    for position, aspect in enumerate(rng.sample(aspects, count)):
        praise, criticism = reviews.ASPECTS[lang][aspect]
        if rating == 4:
            is_praise = position == 0 or rng.random() < 0.6
        elif rating == 3:
            is_praise = position % 2 == 0
        else:
            is_praise = rating == 5 or (rating == 2 and position > 0 and rng.random() < 0.3)
        sentences.append(rng.choice(praise if is_praise else criticism))
    if rng.random() < 0.6:
        closers = [closer for closer in reviews.CLOSERS[lang][rating] if closer not in sentences[0]]
        sentences.append(rng.choice(closers))
    if lang == "en":
        text = " ".join(sentences)
        return text.lower() if rng.random() < 0.1 else text
    text = _join_zh(rng, sentences)
    return text if text[-1] in _ZH_BREAKS else text + rng.choice(("。", "！", "", "～"))


def render_interaction(rng: random.Random, kind: str, language: str, ctx: TicketContext) -> str:
    """Write an email, a chat transcript, a staff call note or an internal staff note about the customer."""
    lang = _language(language)
    if kind not in _KINDS:
        raise ValueError(f"unsupported interaction kind: {kind!r}")
    values, mask = _fill(rng, ctx, lang)
    text = _INTERACTIONS[kind, lang].fill(rng, values, mask)
    if kind == "chat":
        customer, agent = _CHAT_SPEAKERS[lang]
        text = "\n".join(
            (customer + line[3:]) if line.startswith("C: ") else (agent + line[3:]) for line in text.split("\n")
        )
    elif kind == "call_note" and lang == "en":
        text = noise.abbreviate_en(rng, text)
    return text
