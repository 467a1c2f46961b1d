"""Complaint and request topics: embeddings → PCA → HDBSCAN clusters → c-TF-IDF keywords → a plain-words name.

Pure functions over vectors and texts; service.py stores the result. PCA to 20 dimensions first because density
clustering degrades in 384 dimensions (BERTopic reduces with UMAP for the same reason; PCA is in scikit-learn and is
deterministic). Keywords are class-based TF-IDF (BERTopic's c-TF-IDF): words frequent in one topic and rare in the
others. Names come from the gateway (structured output) and fall back to the top keywords with no model.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from pydantic import BaseModel, Field
from sklearn.cluster import HDBSCAN  # type: ignore[import-untyped]
from sklearn.decomposition import PCA  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # type: ignore[import-untyped]

from rapport.ai.embeddings.base import Vectors, normalise
from rapport.ai.gateway import Gateway, ModelOutputInvalid, ModelUnavailable
from rapport.ai.rag.tokens import CHINESE_STOPWORDS
from rapport.errors import RapportError

# Words every customer message has: greetings, sign-offs, filler. They would top every topic's keywords.
EXTRA_STOPWORDS = frozenset(
    {
        "hi",
        "hello",
        "thanks",
        "thank",
        "regards",
        "please",
        "just",
        "really",
        "got",
        "get",
        "dear",
        "team",
        "ve",
        "ll",
        "don",
        "didn",
        "doesn",
        "isn",
        "hasn",
        "haven",
        "wasn",
        "won",
        "im",
        "it's",
        "您好",
        "你好",
        "谢谢",
        "麻烦",
        "一下",
        "请问",
        "我们",
        "你们",
        "这个",
        "那个",
        "什么",
        "怎么",
        "已经",
        "还是",
        "就是",
        "可以",
    }
)
_WORD = re.compile(r"[a-z][a-z']{2,}|[\u4e00-\u9fff]+")


@dataclass
class Cluster:
    members: list[int]  # row positions in the input
    centroid: Vectors
    threshold: float  # a new message joins when its cosine to the centroid is at least this
    keywords: list[str] = field(default_factory=list)


def cluster(
    vectors: Vectors, *, min_cluster_size: int, languages: Sequence[str] | None = None, seed: int = 13
) -> list[Cluster]:
    """Density clusters of the rows, largest first; rows in no cluster (noise) are left out.

    With `languages`, each language's mean vector is subtracted first: in e5's space the language is the strongest
    direction, and on the demo company without centring HDBSCAN finds two clusters, English and Chinese. "leaf"
    selection gives the fine topics a product team acts on rather than the few most stable blobs (tried on the
    demo company: "eom" gave 2 clusters, "leaf" 41 at min_cluster_size 27)."""
    n = len(vectors)
    if n < max(2 * min_cluster_size, 4):
        return []
    space = np.array(vectors, dtype=np.float32, copy=True)
    if languages is not None:
        tags = np.array([lang or "" for lang in languages])
        for lang in set(tags.tolist()):
            space[tags == lang] -= space[tags == lang].mean(axis=0)
        space = normalise(space)
    dims = min(20, n - 1, vectors.shape[1])
    reduced = PCA(n_components=dims, random_state=seed).fit_transform(space)
    labels = HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=min(10, min_cluster_size),
        cluster_selection_method="leaf",
        copy=True,
    ).fit_predict(reduced)
    clusters = []
    for label in sorted(set(labels.tolist()) - {-1}):
        members = [int(i) for i in np.flatnonzero(labels == label)]
        clusters.append(_cluster_of(vectors, members))
    return sorted(clusters, key=lambda c: -len(c.members))


def _cluster_of(vectors: Vectors, members: list[int]) -> Cluster:
    centroid = normalise(vectors[members].mean(axis=0, keepdims=True))[0]
    similarities = vectors[members] @ centroid
    # The 5th percentile of the members' own similarity: a newcomer must be as close as nearly all members are.
    return Cluster(members, centroid, float(np.quantile(similarities, 0.05)))


def tokens(text: str) -> list[str]:
    """Keyword candidates: English words (no stop words) and jieba words of Chinese runs (two characters or more)."""
    out: list[str] = []
    for piece in _WORD.findall(text.lower()):
        if piece.isascii():
            if piece not in ENGLISH_STOP_WORDS and piece not in EXTRA_STOPWORDS:
                out.append(piece)
        else:
            out += [w for w in _jieba().lcut(piece) if len(w) >= 2 and w not in CHINESE_STOPWORDS | EXTRA_STOPWORDS]
    return out


@cache
def _jieba() -> Any:
    import jieba  # type: ignore[import-untyped]

    jieba.setLogLevel(60)
    return jieba


def keywords(documents: Sequence[Sequence[str]], *, top: int = 8) -> list[list[str]]:
    """c-TF-IDF: per class, tf(t, c) · log(1 + A / f(t)), A the mean words per class, f(t) t's count overall."""
    counts = [Counter(t for text in texts for t in tokens(text)) for texts in documents]
    overall: Counter[str] = Counter()
    for c in counts:
        overall.update(c)
    average = sum(overall.values()) / max(len(counts), 1)
    out = []
    for c in counts:
        total = sum(c.values()) or 1
        scored = {t: (n / total) * math.log(1 + average / overall[t]) for t, n in c.items() if n >= 2}
        out.append([t for t, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:top]])
    return out


def match(
    new: Sequence[Cluster],
    old: dict[int, tuple[Vectors, set[int]]],
    member_ids: Sequence[set[int]],
    *,
    min_similarity: float = 0.9,
    min_overlap: float = 0.5,
) -> dict[int, int]:
    """Cluster position → old topic id, greedily by the best pair first: the same topic when the centroids are close
    or most members are shared (Jaccard of message ids). Each old topic is taken at most once."""
    pairs: list[tuple[float, int, int]] = []
    for i, (found, ids) in enumerate(zip(new, member_ids, strict=True)):
        for topic_id, (centroid, old_ids) in old.items():
            similarity = float(found.centroid @ centroid)
            overlap = len(ids & old_ids) / max(len(ids | old_ids), 1)
            if similarity >= min_similarity or overlap >= min_overlap:
                pairs.append((max(similarity, overlap + 1.0), i, topic_id))
    taken_new: set[int] = set()
    taken_old: set[int] = set()
    result: dict[int, int] = {}
    for _, i, topic_id in sorted(pairs, reverse=True):
        if i not in taken_new and topic_id not in taken_old:
            result[i] = topic_id
            taken_new.add(i)
            taken_old.add(topic_id)
    return result


def assign(vectors: Vectors, centroids: Vectors, thresholds: Sequence[float]) -> list[tuple[int, float] | None]:
    """Per row: (centroid position, similarity) of the nearest centroid when it is above that topic's threshold."""
    if len(centroids) == 0 or len(vectors) == 0:
        return [None] * len(vectors)
    similarities = vectors @ centroids.T
    best = similarities.argmax(axis=1)
    out: list[tuple[int, float] | None] = []
    for row, j in enumerate(best):
        value = float(similarities[row, j])
        out.append((int(j), value) if value >= thresholds[int(j)] else None)
    return out


class TopicName(BaseModel):
    name: str = Field(min_length=2, max_length=60, description="3-6 plain words naming what customers say")
    description: str = Field(min_length=5, max_length=200, description="one sentence describing the topic")


NAMING_PROMPT = (
    "You name groups of customer messages for a shop's product and service team. Given the group's keywords and "
    "example messages, reply with JSON: a short plain-words name (3-6 words, English, no quotes) and a one-sentence "
    "description of what these customers complain about or ask for."
)


def keyword_name(words: Sequence[str]) -> TopicName:
    shown = [w for w in words[:3]] or ["misc"]
    return TopicName(name=" / ".join(shown)[:60], description="Messages mentioning " + ", ".join(words[:6]) + ".")


def name_topic(gateway: Gateway | None, words: Sequence[str], examples: Sequence[str]) -> tuple[TopicName, str]:
    """(name, named_by): the model's name when one answers, else the keywords'."""
    if gateway is None or not gateway.is_available("feedback"):
        return keyword_name(words), "keywords"
    shown = "\n".join(f"- {text[:240]}" for text in examples[:5])
    messages = [
        {"role": "system", "content": NAMING_PROMPT},
        {"role": "user", "content": f"Keywords: {', '.join(words[:10])}\nExamples:\n{shown}"},
    ]
    try:
        named = gateway.generate_json("feedback", messages, TopicName, max_tokens=120)  # type: ignore[arg-type]
    except (ModelUnavailable, ModelOutputInvalid, RapportError):
        return keyword_name(words), "keywords"
    return named, "model"
