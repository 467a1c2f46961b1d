"""Aspect-level opinions: which aspects of a product or service a message talks about, and its polarity on each.

Aspects are found with a per-domain lexicon (the shop's categories, English and Chinese terms), sentence by sentence:
on reviews and tickets a short list of terms finds most mentions, and every hit says which words it came from.
Polarity per aspect comes from a three-class logistic regression (negative/neutral/positive) over two e5 vectors:
"aspect: sentence" and the few words around the aspect term, so two aspects of one sentence can differ ("great
screen, awful battery"). It is trained on the SemEval-2014 training sentences (eval/feedback_absa.py). Without a
fitted model the sentence's lexicon sentiment stands in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import joblib  # type: ignore[import-untyped]
import numpy as np
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from rapport.ai.embeddings.base import Embedder, Vectors
from rapport.automation.sentiment import LexiconSentiment
from rapport.feedback.sentiment import lexicon_label, model_dir
from rapport.kit.clock import utcnow

MODEL_NAME = "feedback-absa"
POLARITIES: Final = ("negative", "neutral", "positive")

# The shop's aspect categories and the words that name them. Longer terms are tried first.
ASPECT_TERMS: Final[dict[str, tuple[str, ...]]] = {
    "quality": ("build quality", "quality", "materials", "made", "flimsy", "sturdy", "做工", "质量", "质感", "线头"),
    "price": ("value for money", "price", "overpriced", "expensive", "cheap", "价格", "性价比", "贵", "不值"),
    "delivery": ("delivery", "shipping", "courier", "arrived", "parcel", "tracking", "物流", "快递", "配送", "送货"),
    "packaging": ("packaging", "packaged", "box", "包装", "盒子"),
    "battery": ("battery", "charge", "续航", "电池", "充电"),
    "size": ("size", "fits", "runs small", "尺码", "尺寸", "合身"),
    "customer_service": ("customer service", "support", "agent", "客服", "售后"),
    "design": ("design", "colour", "color", "looks", "颜值", "色差", "外观"),
    "ease_of_use": ("instructions", "set up", "setup", "easy to use", "说明书", "操作", "安装"),
    "refund": ("refund", "return", "money back", "退款", "退货"),
    "account": ("account", "password", "login", "log in", "账号", "密码", "登录"),
}
_SENTENCE: Final = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")
_WINDOW_WORDS: Final = 6


@dataclass(frozen=True)
class AspectMention:
    aspect: str  # the category
    term: str  # the words found
    sentence: str
    start: int  # where the term starts in the sentence


@dataclass(frozen=True)
class AspectOpinion:
    aspect: str
    term: str
    sentence: str
    polarity: str
    confidence: float
    model: str


def find_aspects(text: str) -> list[AspectMention]:
    """Each aspect category at most once per sentence, by its first (longest) matching term."""
    found: list[AspectMention] = []
    for sentence in (s.strip() for s in _SENTENCE.findall(text)):
        if not sentence:
            continue
        lowered = sentence.lower()
        for aspect, terms in ASPECT_TERMS.items():
            for term in sorted(terms, key=len, reverse=True):
                start = _find(lowered, term)
                if start >= 0:
                    found.append(AspectMention(aspect, term, sentence, start))
                    break
    return found


def _find(lowered: str, term: str) -> int:
    if term.isascii():
        match = re.search(rf"(?<![a-z]){re.escape(term)}(?![a-z])", lowered)
        return match.start() if match else -1
    return lowered.find(term)


def window(sentence: str, start: int, term: str) -> str:
    """The aspect term with up to six words (or twelve characters of Chinese) either side."""
    if not term.isascii():
        return sentence[max(0, start - 12) : start + len(term) + 12]
    before = sentence[:start].split()[-_WINDOW_WORDS:]
    after = sentence[start + len(term) :].split()[:_WINDOW_WORDS]
    return " ".join([*before, sentence[start : start + len(term)], *after])


def features(embedder: Embedder, items: Sequence[tuple[str, str, int]]) -> Vectors:
    """(term, sentence, term start) → [e5("term: sentence"), e5(window around the term)] per item."""
    if not items:
        return np.zeros((0, 2 * embedder.dimension), dtype=np.float32)
    whole = embedder.embed([f"{term}: {sentence}" for term, sentence, _ in items], kind="query")
    local = embedder.embed([window(sentence, start, term) for term, sentence, start in items], kind="query")
    return np.hstack([whole, local]).astype(np.float32)


@dataclass
class AspectPolarity:
    embedder: Embedder
    classifier: LogisticRegression
    version: int = 0

    @property
    def name(self) -> str:
        return f"{MODEL_NAME}@{self.version}" if self.version else f"{MODEL_NAME}@unsaved"

    def predict_vectors(self, vectors: Vectors) -> list[tuple[str, float]]:
        if len(vectors) == 0:
            return []
        probabilities = self.classifier.predict_proba(vectors)
        classes = list(self.classifier.classes_)
        best = probabilities.argmax(1)
        return [(str(classes[int(i)]), float(row[int(i)])) for row, i in zip(probabilities, best, strict=True)]


def fit_vectors(embedder: Embedder, vectors: Vectors, polarities: Sequence[str], *, c: float = 2.0) -> AspectPolarity:
    classifier = LogisticRegression(C=c, max_iter=3000)
    classifier.fit(vectors, np.asarray(polarities))
    return AspectPolarity(embedder, classifier)


def save(model: AspectPolarity, data_dir: Path, *, metrics: dict[str, Any] | None = None) -> Path:
    folder = model_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    versions = [int(p.stem.split("@")[1]) for p in folder.glob(f"{MODEL_NAME}@*.joblib")]
    model.version = max(versions, default=0) + 1
    path = folder / f"{MODEL_NAME}@{model.version}.joblib"
    joblib.dump({"classifier": model.classifier, "embedder": model.embedder.name}, path)
    card = {"embedder": model.embedder.name, "saved_at": utcnow().isoformat(), **(metrics or {})}
    path.with_suffix(".json").write_text(json.dumps(card, indent=1, ensure_ascii=False))
    return path


def load_latest(data_dir: Path, embedder: Embedder) -> AspectPolarity | None:
    folder = model_dir(data_dir)
    paths = sorted(folder.glob(f"{MODEL_NAME}@*.joblib"), key=lambda p: int(p.stem.split("@")[1]), reverse=True)
    for path in paths:
        stored = joblib.load(path)
        if stored.get("embedder") == embedder.name:
            return AspectPolarity(embedder, stored["classifier"], int(path.stem.split("@")[1]))
    return None


def opinions(texts: Sequence[str], model: AspectPolarity | None) -> list[list[AspectOpinion]]:
    """Aspect opinions per text: the fitted polarity model when given, else the lexicon on the sentence."""
    mentions = [find_aspects(text) for text in texts]
    flat = [m for found in mentions for m in found]
    if model is not None:
        predicted = model.predict_vectors(features(model.embedder, [(m.term, m.sentence, m.start) for m in flat]))
    else:
        lexicon = LexiconSentiment()
        predicted = []
        for m in flat:
            result = lexicon.score(m.sentence, "zh" if not m.term.isascii() else "en")
            predicted.append((lexicon_label(result), min(1.0, abs(result.score) + 0.5)))
    name = model.name if model is not None else "sentiment-lexicon@1"
    out: list[list[AspectOpinion]] = []
    position = 0
    for found in mentions:
        row = []
        for m in found:
            polarity, confidence = predicted[position]
            position += 1
            row.append(AspectOpinion(m.aspect, m.term, m.sentence, polarity, confidence, name))
        out.append(row)
    return out
