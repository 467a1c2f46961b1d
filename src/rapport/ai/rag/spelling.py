"""Typing slips in keyword search: a query word no passage contains ("refnud", "recieved", "exhcange") is read as
the closest word the passages do contain, within a few edits, before the query is stemmed for BM25.

The distance is optimal string alignment (rapidfuzz's OSA: a swap of two neighbouring letters is one edit), and the
edits allowed grow with the word as in Elasticsearch's `fuzziness: AUTO`, starting at 4 letters: none below, one up
to 7 letters, two from 8. Words with digits are identifiers and are never corrected (E-402 must not become E-403),
nor are stop words or Chinese. A tie goes to the word found in more passages. Without this a misspelt word matches
nothing and BM25 ranks on the query's remaining words, which is what pulled hybrid retrieval below dense retrieval
on misspelt questions (docs/ASSISTANT.md).

Correction works on surface words, not stems: the stemmer maps "business" to "busi", which no misspelling of
"business" is near.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Final

from rapport.ai.rag.tokens import ENGLISH_STOPWORDS

_WORD: Final = re.compile(r"[A-Za-z0-9]+")
_CANDIDATES: Final = 8


def max_edits(word: str) -> int:
    """Edits allowed when correcting `word`."""
    if len(word) < 4 or not word.isascii() or not word.isalpha():
        return 0
    return 1 if len(word) <= 7 else 2


def words(text: str) -> list[str]:
    """The lower-case ASCII words of `text` that could be misspelt (no digits, no stop words)."""
    return [w for w in (m.lower() for m in _WORD.findall(text)) if w.isalpha() and w not in ENGLISH_STOPWORDS]


class Speller:
    """The passages' words with how many passages hold each; corrects queries against them."""

    def __init__(self) -> None:
        self._frequency: Counter[str] = Counter()
        self._vocabulary: list[str] | None = None
        self._corrections: dict[str, str | None] = {}

    def __contains__(self, word: object) -> bool:
        return word in self._frequency

    def add(self, texts: Iterable[str]) -> None:
        self._count(texts, 1)

    def remove(self, texts: Iterable[str]) -> None:
        self._count(texts, -1)

    def correction(self, word: str) -> str | None:
        """The known word closest to `word` within its allowed edits; `word` itself when known; else None."""
        word = word.lower()
        if word in self._frequency:
            return word
        if word in self._corrections:
            return self._corrections[word]
        limit = max_edits(word)
        best: str | None = None
        if limit:
            from rapidfuzz import process
            from rapidfuzz.distance import OSA

            if self._vocabulary is None:
                self._vocabulary = list(self._frequency)
            found = process.extract(word, self._vocabulary, scorer=OSA.distance, score_cutoff=limit, limit=_CANDIDATES)
            if found:
                nearest = min(distance for _, distance, _ in found)
                best = max(
                    (candidate for candidate, distance, _ in found if distance == nearest),
                    key=lambda candidate: (self._frequency[candidate], candidate),
                )
        self._corrections[word] = best
        return best

    def correct(self, query: str) -> str:
        """`query` with each unknown word that is close to a known one replaced by it; the rest as typed."""

        def replace(match: re.Match[str]) -> str:
            typed = match.group(0)
            lowered = typed.lower()
            if lowered in self._frequency or lowered in ENGLISH_STOPWORDS or not lowered.isalpha():
                return typed
            return self.correction(lowered) or typed

        return _WORD.sub(replace, query)

    def _count(self, texts: Iterable[str], sign: int) -> None:
        for text in texts:
            for word in set(words(text)):
                self._frequency[word] += sign
                if self._frequency[word] <= 0:
                    del self._frequency[word]
        self._vocabulary = None
        self._corrections = {}
