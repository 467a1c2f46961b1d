"""Sentiment of a customer message: the SentimentScorer protocol and a small English/Chinese lexicon baseline.

The lexicon adds word weights, flips a word after a negator ("not happy", "不满意"), strengthens it after an
intensifier ("very", "非常"), and counts shouting (ALL CAPS words, "!!", "？？") as negative only when the message is
already negative. Every contribution is kept, so the result explains itself. A trained model (feedback analysis)
plugs in by implementing SentimentScorer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Final, Protocol

LABELS: Final = ("very_negative", "negative", "neutral", "positive")

EN_LEXICON: Final[dict[str, float]] = {
    # negative
    "unacceptable": -3,
    "terrible": -3,
    "worst": -3,
    "useless": -3,
    "awful": -3,
    "disgusting": -3,
    "scam": -3,
    "fraud": -3,
    "hate": -3,
    "furious": -3,
    "ridiculous": -2.5,
    "angry": -2.5,
    "fed up": -2.5,
    "sucks": -3,
    "disappointed": -2,
    "disappointing": -2,
    "frustrat": -2,
    "annoy": -2,
    "not happy": -2,
    "poor": -2,
    "bad": -2,
    "complain": -2,
    "waste": -2,
    "can't believe": -2,
    "third time": -2,
    "second time": -1.5,
    "nobody": -1.5,
    "no one": -1.5,
    "still": -0.5,
    "again": -0.5,
    "broken": -1.5,
    "damaged": -1.5,
    "wrong": -1.5,
    "late": -1,
    "problem": -1,
    "issue": -1,
    "never": -1,
    "unhappy": -2,
    "upset": -2,
    "horrible": -3,
    "joke": -1.5,
    "rude": -2.5,
    "ignored": -2,
    "stopped working": -1.5,
    "missing": -1,
    "charged twice": -1.5,
    # problem statements: customers rarely say "bad", they say what went wrong
    "already emailed": -1.5,
    "on hold": -1.5,
    "not working": -1.5,
    "isn't working": -1.5,
    "ruined": -2,
    "soaking wet": -1.5,
    "heard nothing": -2,
    "what is going on": -2,
    "too long": -1.5,
    "expired": -1,
    "ages": -1,
    "every single time": -1.5,
    "locked": -1,
    "didn't get": -1.5,
    "haven't received": -1.5,
    "where is my": -1,
    "no email": -1,
    "won't": -1,
    "\U0001f629": -1.5,
    "\U0001f615": -1,
    "\U0001f621": -2.5,
    "\U0001f641": -1,
    # positive
    "thank": 0.5,
    "great": 2,
    "amazing": 3,
    "excellent": 3,
    "love": 2.5,
    "perfect": 2.5,
    "happy": 2,
    "helpful": 2,
    "fantastic": 3,
    "wonderful": 3,
    "awesome": 2.5,
    "appreciate": 1.5,
    "good": 1,
    "quick": 1,
    "fast": 1,
    "pleased": 2,
    "well done": 2.5,
    "brilliant": 3,
    "impressed": 2.5,
    "smooth": 1.5,
}
ZH_LEXICON: Final[dict[str, float]] = {
    # negative
    "太差": -3,
    "垃圾": -3,
    "骗": -3,
    "差劲": -3,
    "恶心": -3,
    "气死": -3,
    "失望": -2,
    "投诉": -2,
    "生气": -2.5,
    "无语": -2,
    "坑": -2,
    "不满": -2,
    "糟糕": -2.5,
    "烦": -1.5,
    "问题": -0.5,
    "坏了": -1,
    "破损": -1,
    "还没": -1,
    "一直": -0.5,
    "三次": -1.5,
    "再不处理": -2.5,
    "到底": -1.5,
    "人呢": -2,
    "怎么回事": -1.5,
    "离谱": -2.5,
    "太慢": -2,
    "不行": -1,
    "很差": -2.5,
    "态度": -1,
    "发错": -1,
    "没人": -1.5,
    "不靠谱": -2.5,
    "退款": -0.5,
    "什么情况": -1.5,
    "不认识": -1,
    "一直提示": -1,
    "错误": -0.5,
    "少发": -1,
    "漏液": -1,
    "湿了": -1,
    "为什么还不": -2,
    "排队": -1,
    "连不上": -1,
    "好几天": -1,
    "没有收到": -1.5,
    "没收到": -1.5,
    "急": -0.5,
    # positive
    "谢谢": 0.5,
    "感谢": 1.5,
    "满意": 2,
    "很好": 2,
    "不错": 2,
    "棒": 2.5,
    "喜欢": 2,
    "给力": 2.5,
    "点赞": 2.5,
    "好评": 2.5,
    "辛苦": 1,
    "专业": 1.5,
    "很快": 1.5,
    "赞": 2,
    "开心": 2,
}
EN_NEGATORS: Final = frozenset({"not", "no", "never", "hardly", "isn't", "wasn't", "don't", "didn't", "doesn't"})
EN_INTENSIFIERS: Final = frozenset({"very", "really", "so", "extremely", "absolutely", "totally", "completely"})
ZH_NEGATORS: Final = "不没别未"
ZH_INTENSIFIERS: Final = ("非常", "特别", "太", "很", "真")
_WORD = re.compile(r"[A-Za-z']+")
_CLAUSE = re.compile(r"[,.;:!?]|\band\b|\bbut\b")


@dataclass(frozen=True)
class SentimentResult:
    label: str
    score: float  # -1 … 1
    raw: float
    contributions: tuple[tuple[str, float], ...] = ()
    model: str = ""

    def explanation(self) -> dict[str, object]:
        strongest = sorted(self.contributions, key=lambda c: -abs(c[1]))[:10]
        return {
            "label": self.label,
            "score": round(self.score, 3),
            "model": self.model,
            "words": [{"word": word, "weight": round(weight, 2)} for word, weight in strongest],
        }


class SentimentScorer(Protocol):
    name: str

    def score(self, text: str, language: str) -> SentimentResult: ...


@dataclass
class LexiconSentiment:
    """Thresholds on the summed weights: ≤ -4 very negative, ≤ -1 negative, ≥ 1.5 positive."""

    name: str = "sentiment-lexicon@1"
    very_negative_at: float = -4.0
    negative_at: float = -1.0
    positive_at: float = 1.5
    en: dict[str, float] = field(default_factory=lambda: dict(EN_LEXICON))
    zh: dict[str, float] = field(default_factory=lambda: dict(ZH_LEXICON))

    def score(self, text: str, language: str) -> SentimentResult:
        contributions = self._english(text) + self._chinese(text)
        raw = sum(weight for _, weight in contributions)
        if raw < 0:
            shouting = _shouting(text)
            if shouting:
                contributions.append(("(shouting)", shouting))
                raw += shouting
        label = (
            "very_negative"
            if raw <= self.very_negative_at
            else "negative"
            if raw <= self.negative_at
            else "positive"
            if raw >= self.positive_at
            else "neutral"
        )
        return SentimentResult(label, math.tanh(raw / 4), raw, tuple(contributions), self.name)

    def _english(self, text: str) -> list[tuple[str, float]]:
        lowered = text.lower()
        found: list[tuple[str, float]] = []
        for word, weight in self.en.items():
            for match in _pattern(word).finditer(lowered):
                # A negator reaches at most three words back, and never past a comma or "and"/"but".
                clause = _CLAUSE.split(lowered[max(0, match.start() - 40) : match.start()])[-1]
                window = [m.group(0) for m in _WORD.finditer(clause)][-3:]
                negator = next((t for t in window if t in EN_NEGATORS or t.endswith("n't")), None)
                factor, shown = 1.0, word
                if negator and not word.startswith("not "):
                    factor, shown = -0.7, f"{negator} {word}"
                elif window and window[-1] in EN_INTENSIFIERS:
                    factor, shown = 1.5, f"{window[-1]} {word}"
                found.append((shown, weight * factor))
        return found

    def _chinese(self, text: str) -> list[tuple[str, float]]:
        found: list[tuple[str, float]] = []
        for word, weight in self.zh.items():
            start = text.find(word)
            while start != -1:
                factor = 1.0
                if start > 0 and text[start - 1] in ZH_NEGATORS and word[0] not in ZH_NEGATORS:
                    factor = -0.7
                elif any(text[max(0, start - len(i)) : start] == i for i in ZH_INTENSIFIERS):
                    factor = 1.5
                prefix = text[start - 1] if factor != 1.0 and start > 0 else ""
                found.append((prefix + word, weight * factor))
                start = text.find(word, start + len(word))
        return found


def _shouting(text: str) -> float:
    """ALL-CAPS words and doubled !/? make an already negative message worse (at most -2)."""
    caps = sum(1 for w in re.findall(r"\b[A-Z]{3,}\b", text) if w not in {"USB", "LED", "SKU", "PDF", "ASAP"})
    marks = len(re.findall(r"[!！]{2,}|[?？]{2,}", text))
    return -min(0.5 * caps + 0.5 * marks, 2.0)


@cache
def _pattern(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z])" + r"\s+".join(re.escape(p) for p in word.split()))
