"""Sentiment accuracy of the feedback model (e5-small int8 + logistic regression) against the lexicon baseline.

    .venv/bin/python eval/feedback_sentiment.py                         # ~6 min on 2 busy cores (first run)
    .venv/bin/python eval/feedback_sentiment.py --train-cap 4000 --save var   # also store the model for the app

Data (../shared/datasets): review_sentences_uci (Amazon, Yelp, IMDb; 3,000 English sentences, 1 = positive) and
chinese_reviews' ChnSentiCorp_htl_all (7,766 hotel reviews) and waimai_10k (11,987 food-delivery reviews).
Each set is split 80/20, stratified by label, with seed 13, BEFORE anything is fitted; every figure printed is on
the 20 % held-out part only. One model is fitted on the union of the train parts (each Chinese train part capped
at --train-cap reviews, a seeded sample, to keep embedding time down on shared CPUs). Texts are cut to their first
256 characters before embedding (the hotel reviews run long; e5 reads 512 tokens at most anyway).

Binary accuracy: the model says positive when P(positive) ≥ 0.5. The baseline is the automation domain's lexicon
(rapport.automation.sentiment.LexiconSentiment): positive when its summed weight is > 0, negative when < 0, and the
train part's majority label when no lexicon word is found (raw = 0; the share of such texts is printed as "no cue").
The product additionally calls a probability between 0.35 and 0.65 "neutral"; the share that would fall there is
printed too. The C of the logistic regression was fixed at 4 before looking at the held-out parts.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from feedback_common import DATASETS, embed_cached, embedder, stratified_split

from rapport.automation.sentiment import LexiconSentiment
from rapport.feedback import sentiment

SEED = 13
MAX_CHARS = 256


def load_uci() -> list[tuple[str, int]]:
    rows = []
    for name in ("amazon_cells_labelled.txt", "yelp_labelled.txt", "imdb_labelled.txt"):
        for line in (DATASETS / "review_sentences_uci" / name).read_text(encoding="utf-8").splitlines():
            text, _, label = line.strip().rpartition("\t")
            if text and label in {"0", "1"}:
                rows.append((text.strip(), int(label)))
    return rows


def load_csv(name: str) -> list[tuple[str, int]]:
    with (DATASETS / "chinese_reviews" / name).open(encoding="utf-8") as handle:
        return [(r["review"].strip(), int(r["label"])) for r in csv.DictReader(handle) if r.get("review")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-cap", type=int, default=4000, help="most train reviews per Chinese set")
    parser.add_argument("--save", type=Path, help="data directory to store the fitted model in")
    args = parser.parse_args()
    sets = {
        "uci (en)": ("en", load_uci()),
        "chnsenticorp_htl (zh)": ("zh", load_csv("ChnSentiCorp_htl_all.csv")),
        "waimai_10k (zh)": ("zh", load_csv("waimai_10k.csv")),
    }
    model_embedder = embedder()
    train_texts: list[str] = []
    train_labels: list[int] = []
    held: dict[str, tuple[str, list[tuple[str, int]]]] = {}
    for name, (language, rows) in sets.items():
        train, test = stratified_split(rows, [label for _, label in rows], test=0.2, seed=SEED)
        if language == "zh" and len(train) > args.train_cap:
            train = stratified_split(train, [label for _, label in train], test=args.train_cap / len(train), seed=SEED)[
                1
            ]
        train_texts += [text[:MAX_CHARS] for text, _ in train]
        train_labels += [label for _, label in train]
        held[name] = (language, test)
        print(f"{name}: {len(rows):,} rows, train {len(train):,}, held out {len(test):,}", flush=True)
    started = time.perf_counter()
    train_vectors = embed_cached(model_embedder, train_texts)
    model = sentiment.fit_vectors(model_embedder, train_vectors, train_labels)
    print(f"embedded and fitted {len(train_texts):,} train texts in {time.perf_counter() - started:.0f}s", flush=True)
    majority = Counter(train_labels).most_common(1)[0][0]
    lexicon = LexiconSentiment()
    print()
    print(
        "| held-out set | n | model acc | model macro-F1 | lexicon acc | lexicon macro-F1 | lexicon no cue "
        "| model neutral band |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, (language, test) in held.items():
        texts = [text[:MAX_CHARS] for text, _ in test]
        gold = np.array([label for _, label in test])
        p = model.probabilities(embed_cached(model_embedder, texts))
        predicted = (p >= 0.5).astype(int)
        raws = [lexicon.score(text, language).raw for text, _ in test]
        baseline = np.array([1 if r > 0 else 0 if r < 0 else majority for r in raws])
        no_cue = float(np.mean([r == 0 for r in raws]))
        band = float(np.mean((p > sentiment.NEUTRAL_BAND[0]) & (p < sentiment.NEUTRAL_BAND[1])))
        print(
            f"| {name} | {len(test):,} | {accuracy_score(gold, predicted):.3f} | "
            f"{f1_score(gold, predicted, average='macro'):.3f} | {accuracy_score(gold, baseline):.3f} | "
            f"{f1_score(gold, baseline, average='macro'):.3f} | {no_cue:.1%} | {band:.1%} |"
        )
    if args.save:
        path = sentiment.save(model, args.save, metrics={"trained_on": len(train_texts), "seed": SEED})
        print(f"\nsaved {model.name} → {path}")


if __name__ == "__main__":
    main()
