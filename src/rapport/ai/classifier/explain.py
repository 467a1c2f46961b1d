"""Which words drove a prediction: occlusion, i.e. how much less likely the predicted label is without each word.

Occlusion needs nothing from the runtime but logits, so the int8 ONNX graph explains itself as cheaply as it
predicts: a 20-word message costs one batch of 21 rows. Words are Latin-script words (with their apostrophes) and
Chinese words cut by jieba ("退款" refund, "地址" address). Without jieba, CJK text is occluded character by
character and adjacent characters that both matter are measured again as one phrase.

A weight is the drop in the label's log-probability (natural log, from the raw logits) when the word is removed:
0.69 means the label is half as likely without it. Log-probabilities, not probabilities, because a confident model
gives p = 0.9999 with or without any single word, and differences of probabilities would then all read as zero.
Only words that support the label are returned.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from rapport.ai.classifier.base import TextClassifier

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_WORDS = re.compile(rf"[{_CJK}]+|(?:(?![{_CJK}])[^\W_])+(?:['’](?:(?![{_CJK}])[^\W_])+)*")
MAX_WORDS = 48  # later words are cut off by the model's max_length anyway
MIN_SHARE = 0.05  # words weighing less than this share of the strongest one are left out
PHRASE_SHARE = 0.1  # a CJK character joins its neighbour when both carry at least this share of the top weight


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    is_cjk: bool


def words(text: str, *, segment: bool = True) -> list[Span]:
    """Latin-script words, and Chinese words (jieba, when installed and `segment`) or else single CJK characters."""
    found: list[Span] = []
    for match in _WORDS.finditer(text):
        if not re.match(rf"[{_CJK}]", match.group()):
            found.append(Span(match.start(), match.end(), is_cjk=False))
            continue
        cut = _segmenter() if segment else None
        pieces = cut(match.group()) if cut else [(c, i, i + 1) for i, c in enumerate(match.group())]
        found += [Span(match.start() + start, match.start() + end, is_cjk=True) for _, start, end in pieces]
    return found[:MAX_WORDS]


_segmenter_lock = threading.Lock()


@cache
def _segmenter() -> Callable[[str], list[tuple[str, int, int]]] | None:
    """jieba's word cutter, loaded once (its dictionary takes ~0.6 s); None when jieba is not installed, and then
    explanations fall back to characters, merged into phrases when neighbours both matter."""
    with _segmenter_lock:
        try:
            import jieba  # type: ignore[import-untyped]
        except ImportError:
            return None
        jieba.setLogLevel(60)
        jieba.initialize()
        return lambda run: list(jieba.tokenize(run))


def _without(text: str, spans: Sequence[Span]) -> str:
    kept, cursor = [], 0
    for span in spans:
        kept.append(text[cursor : span.start])
        cursor = span.end
    kept.append(text[cursor:])
    return " ".join("".join(kept).split())


@dataclass
class _Unit:
    """What is occluded at once: one word, a phrase of adjacent characters, or every occurrence of a repeated word
    (so a word said twice is not judged unimportant because its twin stays behind)."""

    spans: list[Span]
    weight: float
    shown: tuple[int, int]  # the (start, end) returned: the phrase, or the first occurrence of a repeated word

    @property
    def start(self) -> int:
        return self.shown[0]

    @property
    def end(self) -> int:
        return self.shown[1]


def log_softmax(logits: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
    shifted = np.asarray(logits, dtype=np.float64)
    shifted = shifted - shifted.max(axis=1, keepdims=True)
    return np.asarray(shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)), dtype=np.float64)


def explain(
    classifier: TextClassifier, texts: Sequence[str], *, top_k: int = 5, segment: bool = True
) -> list[list[dict[str, object]]]:
    """For each text, up to `top_k` words that most support its predicted label: text, weight, start, end."""
    variants: list[str] = []
    rows: list[int] = []  # the row of each full text in `variants`
    all_spans: list[list[Span]] = []
    for text in texts:
        spans = words(text, segment=segment)
        rows.append(len(variants))
        all_spans.append(spans)
        variants.append(text)
        variants += [_without(text, [span]) for span in spans]
    if not variants:
        return []
    log_probs = log_softmax(classifier.logits(variants))
    units: list[list[_Unit]] = []
    for row, spans in zip(rows, all_spans, strict=True):
        label = int(log_probs[row].argmax())
        weights = [float(log_probs[row, label] - log_probs[row + 1 + i, label]) for i in range(len(spans))]
        merged = _merge_cjk(spans, weights, floor=PHRASE_SHARE * max(weights, default=0.0))
        units.append(_join_repeats(texts[len(units)], merged))
    phrases = [(number, unit) for number, found in enumerate(units) for unit in found if len(unit.spans) > 1]
    if phrases:
        # Measure each phrase and each repeated word by occluding all of it at once.
        again = log_softmax(classifier.logits([_without(texts[n], unit.spans) for n, unit in phrases]))
        for (number, unit), row_log_probs in zip(phrases, again, strict=True):
            full = log_probs[rows[number]]
            label = int(full.argmax())
            unit.weight = float(full[label] - row_log_probs[label])
    return [_top(text, found, top_k) for text, found in zip(texts, units, strict=True)]


def _merge_cjk(spans: Sequence[Span], weights: Sequence[float], *, floor: float) -> list[_Unit]:
    """Runs of adjacent CJK characters that each weigh more than `floor` (and more than zero) become one unit;
    everything else stays a unit of its own."""
    floor = max(floor, 1e-6)
    units: list[_Unit] = []
    for span, weight in zip(spans, weights, strict=True):
        last = units[-1] if units else None
        if (
            last is not None
            and span.is_cjk
            and last.spans[-1].is_cjk
            and last.end == span.start
            and min(weight, last.weight) >= floor
        ):
            last.spans.append(span)
            last.weight = max(last.weight, weight)
            last.shown = (last.start, span.end)
        else:
            units.append(_Unit([span], weight, (span.start, span.end)))
    return units


def _join_repeats(text: str, units: Sequence[_Unit]) -> list[_Unit]:
    """Units that read the same (case aside) become one, shown at their first occurrence."""
    by_text: dict[str, _Unit] = {}
    for unit in units:
        key = text[unit.start : unit.end].lower()
        first = by_text.get(key)
        if first is None:
            by_text[key] = _Unit(list(unit.spans), unit.weight, unit.shown)
        else:
            first.spans = sorted([*first.spans, *unit.spans], key=lambda span: span.start)
            first.weight = max(first.weight, unit.weight)
    return list(by_text.values())


def _top(text: str, units: Sequence[_Unit], top_k: int) -> list[dict[str, object]]:
    """The strongest supporting words; those under 5% of the strongest are noise, not reasons."""
    floor = MIN_SHARE * max((unit.weight for unit in units), default=0.0)
    ranked = sorted((u for u in units if u.weight > max(floor, 0.0)), key=lambda unit: -unit.weight)[:top_k]
    return [
        {"text": text[unit.start : unit.end], "weight": round(unit.weight, 4), "start": unit.start, "end": unit.end}
        for unit in ranked
    ]
