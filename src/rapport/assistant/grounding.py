"""Checks on a generated answer against the sources it was given: every number must be in a source, every
sentence must share most of its words with a cited source, citations must point at real sources.

Method (also the faithfulness metric of eval/assistant.py): a sentence is *supported* when at least `min_support` of
its content words (search tokens: English stems, jieba words for Chinese, identifiers whole; stop words removed)
occur in the passages it cites, or, when it cites none, in the single passage that covers it best (which it then
cites). Numbers are compared as written, without thousands separators: "5-7 working days" needs "5" and "7" in a
source, "$1,299" needs "1299". Dates and prices the sources do not contain are therefore never passed through.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from rapport.ai.rag.tokens import content_words

_BOUNDARY: Final = re.compile(r"(?<=[.!?][\"'”’)）])\s+|(?<=[.!?])\s+|(?<=[。！？])|\n+")
_ENUMERATOR_ONLY: Final = re.compile(r"^\s*(\d{1,2}[.)、]|[-*•])\s*$")
_CITATION: Final = re.compile(r"\[(\d{1,2})\]")
_NUMBER: Final = re.compile(r"\d+(?:[.,:]\d+)*")
_ENUMERATOR: Final = re.compile(r"^\s*(?:\d{1,2}[.)、]|[-*•])\s+")
_FILLER: Final = frozenset({"sorri", "hello", "hi", "thank", "thanks", "welcom", "help", "pleas", "happi"})


@dataclass(frozen=True)
class CheckedSentence:
    text: str  # with citation markers
    citations: tuple[int, ...]
    support: float
    unsupported_numbers: tuple[str, ...]

    def is_kept(self, min_support: float) -> bool:
        return not self.unsupported_numbers and self.support >= min_support


def sentences(text: str) -> list[str]:
    """Sentences of an answer; a list marker ("1.") stays with its item, decimals ("2.4 GHz") are not cut."""
    out: list[str] = []
    for piece in _BOUNDARY.split(text):
        piece = piece.strip()
        if not piece:
            continue
        if out and _ENUMERATOR_ONLY.match(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def citations_in(text: str) -> tuple[int, ...]:
    return tuple(dict.fromkeys(int(n) for n in _CITATION.findall(text)))


def strip_citations(text: str) -> str:
    return _CITATION.sub("", text).strip()


def numbers_in(text: str) -> set[str]:
    """Numbers as digit strings; "1,299.00" → {"1299.00", "1299"}, "5-7" → {"5", "7"}."""
    found: set[str] = set()
    for raw in _NUMBER.findall(text):
        plain = raw.replace(",", "")
        found.add(plain)
        if "." in plain:
            whole, _, fraction = plain.partition(".")
            if set(fraction) <= {"0"}:
                found.add(whole)
        for part in re.split(r"[.:]", plain):
            if part:
                found.add(part.lstrip("0") or "0")
    return found


def check_sentence(
    sentence: str, sources: Sequence[str], *, allowed_numbers: set[str] | None = None
) -> CheckedSentence:
    """Check one sentence against `sources` (index 0 is citation [1]); attach the best source if it cites none."""
    cited = tuple(n for n in citations_in(sentence) if 1 <= n <= len(sources))
    plain = _ENUMERATOR.sub("", strip_citations(sentence))
    words = content_words(plain) - _FILLER
    numbers = {n.lstrip("0") or "0" for n in numbers_in(plain)}
    if not cited:
        best = _best_source(words, sources)
        if best is not None:
            cited = (best + 1,)
            sentence = _append_citation(sentence, best + 1)
    cited_words: set[str] = set()
    for n in cited:
        cited_words |= content_words(sources[n - 1])
    # A number may come from any source given (an order's date beside a policy), not only the cited one.
    known_numbers = set(allowed_numbers or set())
    for source in sources:
        known_numbers |= numbers_in(source)
    unsupported = tuple(sorted(n for n in numbers if n not in known_numbers))
    support = 1.0 if not words else len(words & cited_words) / len(words)
    return CheckedSentence(sentence, cited, support, unsupported)


def _best_source(words: set[str], sources: Sequence[str]) -> int | None:
    best, best_overlap = None, 0
    for index, source in enumerate(sources):
        overlap = len(words & content_words(source))
        if overlap > best_overlap:
            best, best_overlap = index, overlap
    return best


def _append_citation(sentence: str, number: int) -> str:
    match = re.search(r"[.!?。！？]+[\"'”’)）]*\s*$", sentence)
    if match:
        return f"{sentence[: match.start()].rstrip()} [{number}]{sentence[match.start() :]}"
    return f"{sentence} [{number}]"


def faithfulness(answer: str, sources: Sequence[str], *, min_support: float = 0.5) -> float:
    """Share of the answer's sentences supported by their cited sources (1.0 for an empty answer)."""
    checked = [check_sentence(s, sources) for s in sentences(answer)]
    if not checked:
        return 1.0
    return sum(1 for c in checked if c.is_kept(min_support)) / len(checked)
