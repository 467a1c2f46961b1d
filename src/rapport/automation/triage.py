"""Triage of one incoming ticket, as pure functions: language, intent, sentiment, spam, priority and duplicates,
each returned with the reasons behind it.

`triage()` sees only text and a few facts about the customer (spend, tags, open tickets); the service reads those
from the database and stores the result. Models plug in through the IntentClassifier, SentimentScorer and
TextSimilarity protocols (embeddings can replace rapidfuzz for duplicates without touching this module).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from rapidfuzz import fuzz, utils

from rapport.automation.intents import IntentClassifier, IntentPrediction, KeywordIntentClassifier
from rapport.automation.schemas import AutomationSettings
from rapport.automation.sentiment import LexiconSentiment, SentimentResult, SentimentScorer

PRIORITIES: Final = ("low", "normal", "high", "urgent")
# What an intent by itself says about priority (support's own playbook: money, access and lost goods first).
INTENT_POINTS: Final[dict[str, float]] = {
    "late_delivery": 2.5,
    "damaged_item": 2.5,
    "account_access": 2.5,
    "billing_error": 2.5,
    "address_change": 2.5,
    "complaint": 1.0,
    "product_question": -1.0,
    "praise": -1.0,
    "discount_request": -1.0,
}
DEFAULT_INTENT_POINTS: Final = 0.5
URGENCY_WORDS: Final[dict[str, float]] = {
    "urgent": 2, "asap": 1.5, "immediately": 1.5, "right now": 1.5, "emergency": 2, "as soon as possible": 1.5,
    "today": 1, "by tomorrow": 1, "deadline": 1, "紧急": 2, "马上": 1.5, "立刻": 1.5, "尽快": 1.5, "赶紧": 1.5,
    "急": 1, "今天": 1,
}  # fmt: skip
SPAM_PHRASES: Final[tuple[str, ...]] = (
    "viagra", "casino", "crypto", "bitcoin", "forex", "investment opportunity", "seo services", "backlinks",
    "click here", "free money", "you are a winner", "lottery", "guaranteed income", "work from home", "loan offer",
    "cheap pills", "whatsapp", "telegram", "代开发票", "发票代开", "加微信", "加v", "刷单", "兼职", "贷款", "博彩",
    "赌场", "中奖", "免费领取", "日赚", "返利",
)  # fmt: skip
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
ZH_RATIO: Final = 0.2


class TextSimilarity(Protocol):
    """0-100, higher is more alike. rapidfuzz now; sentence embeddings later."""

    name: str

    def score(self, a: str, b: str) -> float: ...


class TokenSetSimilarity:
    """rapidfuzz token_set_ratio on lower-cased words without punctuation; Chinese is split into characters first
    (it has no spaces between words)."""

    name = "rapidfuzz-token-set@1"

    def score(self, a: str, b: str) -> float:
        return float(fuzz.token_set_ratio(_tokens(a), _tokens(b), processor=utils.default_process))


@dataclass(frozen=True)
class CustomerFacts:
    total_spent: float = 0.0
    tags: tuple[str, ...] = ()
    other_open_tickets: int = 0


@dataclass(frozen=True)
class Candidate:
    """An open ticket of the same customer that the new one may repeat."""

    ticket_id: int
    text: str


@dataclass(frozen=True)
class Verdict:
    """A finding with its reasons: [(what, points or value)]."""

    value: Any
    score: float
    reasons: tuple[tuple[str, float], ...] = ()

    def explanation(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "score": round(self.score, 2),
            "reasons": [{"why": why, "points": round(points, 2)} for why, points in self.reasons],
        }


@dataclass(frozen=True)
class TriageResult:
    language: Verdict
    intent: IntentPrediction
    sentiment: SentimentResult
    spam: Verdict
    priority: Verdict
    duplicate: Verdict
    is_vip: bool
    sla_hours: float
    models: dict[str, str] = field(default_factory=dict)

    def explanations(self) -> dict[str, Any]:
        return {
            "language": self.language.explanation(),
            "intent": self.intent.explanation(),
            "sentiment": self.sentiment.explanation(),
            "spam": self.spam.explanation(),
            "priority": self.priority.explanation(),
            "duplicate": self.duplicate.explanation(),
            "sla": {"hours": self.sla_hours, "is_vip": self.is_vip},
        }


@dataclass
class Triage:
    """The triage pipeline with its parts; defaults are the explainable baselines."""

    settings: AutomationSettings = field(default_factory=AutomationSettings)
    classifier: IntentClassifier = field(default_factory=KeywordIntentClassifier)
    sentiment: SentimentScorer = field(default_factory=LexiconSentiment)
    similarity: TextSimilarity = field(default_factory=TokenSetSimilarity)

    def run(
        self,
        subject: str,
        body: str,
        customer: CustomerFacts,
        candidates: list[Candidate] = [],  # noqa: B006 (read only)
    ) -> TriageResult:
        text = f"{subject}\n{body}".strip()
        language = detect_language(text)
        intent = self.classifier.classify(subject, body, str(language.value))
        sentiment = self.sentiment.score(text, str(language.value))
        spam = detect_spam(text, self.settings.spam_threshold)
        is_vip = self.settings.vip_tag in customer.tags
        priority = score_priority(text, intent.label, sentiment.label, customer, bool(spam.value), self.settings)
        duplicate = find_duplicate(text, candidates, self.similarity, self.settings.duplicate_threshold)
        hours = self.settings.sla_hours.get(str(priority.value), 24.0) * (
            self.settings.vip_sla_factor if is_vip else 1.0
        )
        models = {
            "intent": self.classifier.name,
            "sentiment": self.sentiment.name,
            "duplicate": self.similarity.name,
            "rules": "triage-rules@1",
        }
        return TriageResult(language, intent, sentiment, spam, priority, duplicate, is_vip, hours, models)


def detect_language(text: str) -> Verdict:
    """zh when CJK characters are at least a fifth of the letters (a Chinese message often names an English
    product), else en."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    ratio = cjk / (cjk + latin) if cjk + latin else 0.0
    value = "zh" if ratio >= ZH_RATIO else "en"
    return Verdict(value, ratio, (("CJK characters", cjk), ("Latin letters", latin), ("zh from ratio", ZH_RATIO)))


def detect_spam(text: str, threshold: float) -> Verdict:
    lowered = text.lower()
    reasons: list[tuple[str, float]] = []
    links = _URL.findall(text)
    if len(links) >= 3:
        reasons.append((f"{len(links)} links", 2.0))
    elif links and len(_URL.sub("", text).strip()) < 60:
        reasons.append(("a link with almost no text", 1.5))
    phrases = [p for p in SPAM_PHRASES if p in lowered]
    for phrase in phrases[:3]:
        reasons.append((f"spam phrase '{phrase}'", 1.5))
    letters = _LATIN.findall(text)
    if len(letters) >= 20 and sum(c.isupper() for c in letters) / len(letters) > 0.6:
        reasons.append(("mostly capital letters", 1.0))
    if re.search(r"[!$€¥]{4,}", text):
        reasons.append(("runs of !, $ or ¥", 0.5))
    score = sum(points for _, points in reasons)
    return Verdict(score >= threshold, score, tuple(reasons))


def score_priority(
    text: str,
    intent: str | None,
    sentiment: str,
    customer: CustomerFacts,
    is_spam: bool,
    settings: AutomationSettings,
) -> Verdict:
    """Points from intent, urgency words, sentiment, customer value and repeat contact; ≥5 urgent, ≥2.5 high,
    ≥0 normal, below that low. Spam is always low."""
    if is_spam:
        return Verdict("low", -10.0, (("spam", -10.0),))
    reasons: list[tuple[str, float]] = []
    reasons.append((f"intent {intent or 'unknown'}", INTENT_POINTS.get(intent or "", DEFAULT_INTENT_POINTS)))
    lowered = text.lower()
    urgency = [(w, p) for w, p in URGENCY_WORDS.items() if _has_word(lowered, w)]
    if urgency:
        reasons.append((f"urgency words: {', '.join(w for w, _ in urgency)}", min(sum(p for _, p in urgency), 3.0)))
    if sentiment == "very_negative":
        reasons.append(("very negative", 2.0))
    elif sentiment == "negative":
        reasons.append(("negative", 1.0))
    if settings.vip_tag in customer.tags:
        reasons.append(("VIP customer", 2.0))
    if customer.total_spent >= settings.high_value_spend:
        reasons.append((f"lifetime spend {customer.total_spent:,.0f} ≥ {settings.high_value_spend:,.0f}", 1.5))
    elif customer.total_spent >= settings.valuable_spend:
        reasons.append((f"lifetime spend {customer.total_spent:,.0f} ≥ {settings.valuable_spend:,.0f}", 1.0))
    if customer.other_open_tickets >= 2:
        reasons.append((f"{customer.other_open_tickets} other open tickets", 1.0))
    score = sum(points for _, points in reasons)
    value = "urgent" if score >= 5 else "high" if score >= 2.5 else "normal" if score >= 0 else "low"
    return Verdict(value, score, tuple(reasons))


def find_duplicate(text: str, candidates: list[Candidate], similarity: TextSimilarity, threshold: float) -> Verdict:
    """The most similar open ticket of the same customer, a duplicate when its score reaches the threshold."""
    if len(text) < 10 or not candidates:
        return Verdict(None, 0.0, (("open tickets compared", float(len(candidates))),))
    scored = sorted(((similarity.score(text, c.text), c.ticket_id) for c in candidates if c.text), reverse=True)
    if not scored:
        return Verdict(None, 0.0, (("open tickets compared", 0.0),))
    best, ticket_id = scored[0]
    reasons = (("open tickets compared", float(len(scored))), (f"best: ticket {ticket_id}", best))
    return Verdict(ticket_id if best >= threshold else None, best, reasons)


def sla_due(created_at: datetime, hours: float) -> datetime:
    return created_at + timedelta(hours=hours)


def _has_word(lowered: str, word: str) -> bool:
    if _CJK.search(word):
        return word in lowered
    return re.search(r"(?<![a-z])" + re.escape(word) + r"(?![a-z])", lowered) is not None


def _tokens(text: str) -> str:
    return _CJK.sub(lambda m: f" {m.group(0)} ", text.lower())
