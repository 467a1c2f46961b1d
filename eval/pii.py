"""PII detection: span-level precision, recall and F2 per entity and overall on Presidio's synthetic data set.

    .venv/bin/python eval/pii.py [--seed 13] [--no-baseline] [--show-errors KIND]

Data: ../shared/datasets/pii_presidio_synth/synth_dataset_v2.json (1,500 template sentences filled with fake PII).
Split: by template id (as the data set's own notebooks do, so no template is in both halves), seeded, into DEV
(where the rules of rapport/privacy/pii.py were chosen) and TEST (reported only). Both are printed.

Matching: a predicted span and a gold span match when their character intervals have IoU >= 0.5 (the
presidio-evaluator SpanEvaluator's default), one to one, greedily by IoU; exact-boundary figures are printed beside.
Two overall figures:
- "PII (any type)": every gold span of a scored type and every prediction is one class, as presidio-evaluator's
  `pii_precision` / `pii_recall` / `pii_f` (beta 2) do; this is the figure comparable with Presidio's published
  F2 0.618 (default) and 0.845 (customised).
- "typed micro": a match also needs the same entity type (mapping below).
Entity mapping (gold → Rapport kind): PERSON→PERSON, STREET_ADDRESS→ADDRESS, GPE→LOCATION,
ORGANIZATION→ORGANIZATION, CREDIT_CARD→CARD, PHONE_NUMBER→PHONE, EMAIL_ADDRESS→EMAIL, IBAN_CODE→IBAN,
US_SSN→SSN, IP_ADDRESS→IP_ADDRESS. Not scored (gold spans of these types are neutral: a prediction on one is neither
right nor wrong): DATE_TIME (any date, not personal by itself; Rapport flags labelled birth dates), TITLE, AGE, NRP
(nationality), ZIP_CODE (Rapport redacts postcodes as part of an address), DOMAIN_NAME, US_DRIVER_LICENSE (5 spans).
The baseline is presidio-analyzer's default recognizers with the same spaCy model (en_core_web_sm 3.8), when
installed; its predictions of types outside the scored set are dropped (Rapport's own unscored kinds, labelled birth
dates and Chinese ids, are kept and count as false positives unless they fall on a neutral gold span).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapport.privacy import pii

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "pii_presidio_synth" / "synth_dataset_v2.json"
GOLD_MAP = {
    "PERSON": "PERSON",
    "STREET_ADDRESS": "ADDRESS",
    "GPE": "LOCATION",
    "ORGANIZATION": "ORGANIZATION",
    "CREDIT_CARD": "CARD",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "IBAN_CODE": "IBAN",
    "US_SSN": "SSN",
    "IP_ADDRESS": "IP_ADDRESS",
}
PRESIDIO_MAP = {
    "PERSON": "PERSON",
    "LOCATION": "LOCATION",
    "ORGANIZATION": "ORGANIZATION",
    "CREDIT_CARD": "CARD",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "IBAN_CODE": "IBAN",
    "US_SSN": "SSN",
    "IP_ADDRESS": "IP_ADDRESS",
}
IOU = 0.5


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str


def _iou(a: Span, b: Span) -> float:
    inter = max(0, min(a.end, b.end) - max(a.start, b.start))
    union = max(a.end, b.end) - min(a.start, b.start)
    return inter / union if union else 0.0


def _match(golds: list[Span], preds: list[Span], *, typed: bool, exact: bool) -> list[tuple[Span, Span]]:
    pairs = []
    for g in golds:
        for p in preds:
            if typed and g.kind != p.kind:
                continue
            score = 1.0 if (g.start, g.end) == (p.start, p.end) else (0.0 if exact else _iou(g, p))
            if score >= IOU:
                pairs.append((score, g, p))
    pairs.sort(key=lambda t: -t[0])
    used_g: set[Span] = set()
    used_p: set[Span] = set()
    out = []
    for _, g, p in pairs:
        if g in used_g or p in used_p:
            continue
        used_g.add(g)
        used_p.add(p)
        out.append((g, p))
    return out


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def figures(self, beta: float = 2.0) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        b2 = beta * beta
        f = (1 + b2) * p * r / (b2 * p + r) if p + r else 0.0
        return p, r, f


def score(rows: list[dict[str, Any]], predictions: list[list[Span]], *, exact: bool = False) -> dict[str, Counts]:
    counts: dict[str, Counts] = defaultdict(Counts)
    for row, preds in zip(rows, predictions, strict=True):
        golds = [
            Span(s["start_position"], s["end_position"], GOLD_MAP[s["entity_type"]])
            for s in row["spans"]
            if s["entity_type"] in GOLD_MAP
        ]
        neutral = [
            Span(s["start_position"], s["end_position"], "-") for s in row["spans"] if s["entity_type"] not in GOLD_MAP
        ]
        # A prediction mostly inside a neutral gold span (a date, a title, a postcode) is neither right nor wrong.
        preds = [
            p
            for p in preds
            if not any(_iou(p, n) >= IOU or (n.start <= p.start and p.end <= n.end) for n in neutral)
            or any(_iou(p, g) > 0 for g in golds)
        ]
        typed = _match(golds, preds, typed=True, exact=exact)
        matched_g = {g for g, _ in typed}
        matched_p = {p for _, p in typed}
        for g in golds:
            counts[g.kind].tp += g in matched_g
            counts[g.kind].fn += g not in matched_g
        for p in preds:
            if p not in matched_p:
                counts[p.kind].fp += 1
        anyt = _match(golds, preds, typed=False, exact=exact)
        counts["PII (any type)"].tp += len(anyt)
        counts["PII (any type)"].fn += len(golds) - len(anyt)
        counts["PII (any type)"].fp += len(preds) - len(anyt)
    micro = Counts()
    for kind, c in list(counts.items()):
        if kind != "PII (any type)":
            micro.tp += c.tp
            micro.fp += c.fp
            micro.fn += c.fn
    counts["typed micro"] = micro
    return counts


def split(rows: list[dict[str, Any]], seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    def half(row: dict[str, Any]) -> int:
        return hashlib.sha256(f"{seed}:{row['template_id']}".encode()).digest()[0] % 2

    return [r for r in rows if half(r) == 0], [r for r in rows if half(r) == 1]


def rapport_predictions(rows: list[dict[str, Any]]) -> tuple[list[list[Span]], float]:
    texts = [r["full_text"] for r in rows]
    started = time.perf_counter()
    docs = pii.spacy_model().pipe(texts, batch_size=64)
    out = [[Span(s.start, s.end, s.kind) for s in pii.detect(t, doc=d)] for t, d in zip(texts, docs, strict=True)]
    return out, time.perf_counter() - started


def presidio_predictions(rows: list[dict[str, Any]]) -> tuple[list[list[Span]], float] | None:
    try:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider
    except ImportError:
        return None
    import tldextract

    # presidio's email recognizer asks tldextract, which fetches the public suffix list; use its bundled snapshot.
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    config = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": pii.SPACY_MODEL}]}
    engine = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=config).create_engine())
    started = time.perf_counter()
    out = []
    for row in rows:
        results = engine.analyze(text=row["full_text"], language="en")
        # Types outside the scored set (DATE_TIME, URL, NRP, US_BANK_NUMBER, US_DRIVER_LICENSE …) are dropped, so the
        # baseline is not charged for kinds this evaluation does not score.
        out.append(
            [Span(r.start, r.end, PRESIDIO_MAP[r.entity_type]) for r in results if r.entity_type in PRESIDIO_MAP]
        )
    return out, time.perf_counter() - started


def table(title: str, counts: dict[str, Counts], exact: dict[str, Counts]) -> None:
    print(f"\n{title}")
    print(f"{'entity':<16} {'gold':>5} {'pred':>5} {'prec':>6} {'recall':>6} {'F2':>6}   {'F2 exact':>8}")
    order = sorted(k for k in counts if k not in {"PII (any type)", "typed micro"})
    for kind in [*order, "typed micro", "PII (any type)"]:
        c = counts[kind]
        p, r, f = c.figures()
        fe = exact[kind].figures()[2]
        print(f"{kind:<16} {c.tp + c.fn:>5} {c.tp + c.fp:>5} {p:>6.3f} {r:>6.3f} {f:>6.3f}   {fe:>8.3f}")


def errors(rows: list[dict[str, Any]], predictions: list[list[Span]], kind: str, limit: int = 40) -> None:
    shown = 0
    for row, preds in zip(rows, predictions, strict=True):
        golds = [
            (s["start_position"], s["end_position"]) for s in row["spans"] if GOLD_MAP.get(s["entity_type"]) == kind
        ]
        mine = [(p.start, p.end) for p in preds if p.kind == kind]
        if sorted(golds) != sorted(mine):
            text = row["full_text"]
            print(repr(text[:200]))
            print("   gold:", [text[a:b] for a, b in golds], " pred:", [text[a:b] for a, b in mine])
            shown += 1
            if shown >= limit:
                return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--show-errors", metavar="KIND", help="print DEV rows where KIND differs (tuning aid)")
    args = parser.parse_args()
    if not DATA.is_file():
        sys.exit(f"{DATA} not found")
    rows = json.loads(DATA.read_text())
    dev, test = split(rows, args.seed)
    print(f"{len(rows)} rows: DEV {len(dev)} rows, TEST {len(test)} rows (split by template id, seed {args.seed})")
    started = time.perf_counter()
    pii.spacy_model()
    print(f"spaCy {pii.SPACY_MODEL} loaded in {time.perf_counter() - started:.1f} s")
    for name, part in (("DEV", dev), ("TEST", test)):
        predictions, elapsed = rapport_predictions(part)
        table(
            f"Rapport PiiRedactor on {name} ({elapsed * 1000 / len(part):.1f} ms per text)",
            score(part, predictions),
            score(part, predictions, exact=True),
        )
        if args.show_errors and name == "DEV":
            errors(part, predictions, args.show_errors)
        if not args.no_baseline:
            baseline = presidio_predictions(part)
            if baseline is None:
                print("presidio-analyzer is not installed: no baseline")
            else:
                table(
                    f"presidio-analyzer defaults on {name} ({baseline[1] * 1000 / len(part):.1f} ms per text)",
                    score(part, baseline[0]),
                    score(part, baseline[0], exact=True),
                )


if __name__ == "__main__":
    main()
