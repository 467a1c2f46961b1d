"""Topic quality on the demo company: NPMI coherence of each topic's keywords over the messages themselves, and the
20 largest topics with their names and three example messages each (for a reader to judge).

    RAPPORT_DATA_DIR=var .venv/bin/rapport feedback run        # first: the analysis (names by the configured model)
    RAPPORT_DATA_DIR=var .venv/bin/python eval/feedback_topics.py [--top 10] [--json out.json]

Coherence: for each active topic, NPMI(w_i, w_j) = log(P(w_i, w_j) / (P(w_i) P(w_j))) / -log P(w_i, w_j) over every
pair of its `--top` keywords, with probabilities counted over all analysed messages (a message is one document,
tokens as topics.tokens makes them; a pair never seen together scores -1). The topic's score is the mean over its
pairs; the figure is the mean over topics (Bouma 2009; Röder et al. 2015 call this C_NPMI over the corpus itself).
As a reference the same measure is computed for as many random keyword sets, drawn from the vocabulary with the
same frequency profile (words of at least the same document count as the topics' keywords), seed 13.
Examples: the three messages of a topic most similar to its centroid.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
from collections import Counter

import numpy as np
from sqlalchemy import select

from rapport.feedback import pipeline, topics
from rapport.feedback.models import FeedbackMessage, FeedbackRun, FeedbackTopic
from rapport.interactions.models import Interaction
from rapport.settings import Settings
from rapport.store.engine import make_engine, make_sessionmaker


def npmi(words: list[str], docs: list[set[str]], df: Counter[str]) -> float:
    n = len(docs)
    scores = []
    for a, b in itertools.combinations(words, 2):
        both = sum(1 for d in docs if a in d and b in d)
        if both == 0:
            scores.append(-1.0)
            continue
        p_ab, p_a, p_b = both / n, df[a] / n, df[b] / n
        scores.append(1.0 if p_ab == 1 else math.log(p_ab / (p_a * p_b)) / -math.log(p_ab))
    return float(np.mean(scores)) if scores else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10, help="keywords per topic for coherence")
    parser.add_argument("--show", type=int, default=20, help="largest topics to list")
    parser.add_argument("--json", help="also write the figures and the table here")
    args = parser.parse_args()
    settings = Settings()
    engine = make_engine(settings.resolved_database_url)
    with make_sessionmaker(engine)() as session:
        run = session.scalars(
            select(FeedbackRun).where(FeedbackRun.status == "succeeded").order_by(FeedbackRun.id.desc())
        ).first()
        if run is None:
            raise SystemExit("no feedback run yet: run `rapport feedback run` first")
        rows = session.execute(
            select(
                FeedbackMessage.interaction_id, FeedbackMessage.topic_id, Interaction.subject, Interaction.body
            ).join(Interaction, Interaction.id == FeedbackMessage.interaction_id)
        ).all()
        active = list(
            session.scalars(
                select(FeedbackTopic).where(FeedbackTopic.status == "active").order_by(FeedbackTopic.size.desc())
            )
        )
        texts = {i: (f"{s}\n{b}" if s else b) for i, _, s, b in rows}
        members: dict[int, list[int]] = {}
        for i, topic_id, _, _ in rows:
            if topic_id is not None:
                members.setdefault(topic_id, []).append(i)
        docs = [set(topics.tokens(t)) for t in texts.values()]
        df: Counter[str] = Counter(w for d in docs for w in d)
        scores = {t.id: npmi(list(t.keywords[: args.top]), docs, df) for t in active}
        rng = random.Random(13)
        floor = min((df[w] for t in active for w in t.keywords[: args.top] if df[w]), default=1)
        vocabulary = sorted(w for w, n in df.items() if n >= floor)
        random_scores = [npmi(rng.sample(vocabulary, min(args.top, len(vocabulary))), docs, df) for _ in active]
        embedder = pipeline.build_embedder(pipeline.EMBEDDER, settings.data_dir)
        cache = np.load(settings.data_dir / "feedback" / f"vectors-{embedder.name}.npz")
        vectors = dict(zip(cache["ids"].tolist(), cache["vectors"], strict=True))
        table = []
        for t in active[: args.show]:
            centroid = np.frombuffer(t.centroid or b"", dtype=np.float32)
            ids = [i for i in members.get(t.id, []) if i in vectors]
            best = sorted(ids, key=lambda i: -float(vectors[i] @ centroid))[:3] if len(centroid) else ids[:3]
            table.append(
                {
                    "id": t.id,
                    "name": t.name,
                    "named_by": t.named_by,
                    "size": t.size,
                    "negative_share": t.negative_share,
                    "npmi": round(scores[t.id], 3),
                    "examples": [" ".join(texts[i].split())[:160] for i in best],
                }
            )
    assigned = sum(1 for _, topic_id, _, _ in rows if topic_id is not None)
    print(
        f"feedback run {run.id}: {len(rows):,} messages, {len(active)} active topics, {assigned:,} in a topic "
        f"({assigned / max(len(rows), 1):.1%})"
    )
    print(
        f"NPMI coherence (top {args.top} keywords, over the messages): mean {np.mean(list(scores.values())):.3f}, "
        f"median {np.median(list(scores.values())):.3f}; random keyword sets: mean {np.mean(random_scores):.3f}"
    )
    named = Counter(t.named_by for t in active)
    print(f"names by: {dict(named)}\n")
    print("| # | topic (name) | by | messages | negative | NPMI | three example messages |")
    print("| ---: | --- | --- | ---: | ---: | ---: | --- |")
    for rank, row in enumerate(table, start=1):
        examples = " ◆ ".join(e.replace("|", "/") for e in row["examples"])
        print(
            f"| {rank} | {row['name']} | {row['named_by']} | {row['size']:,} | {row['negative_share']:.0%} | "
            f"{row['npmi']:.2f} | {examples} |"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(
                {"run": run.id, "npmi": scores, "random_npmi": random_scores, "topics": table},
                handle,
                ensure_ascii=False,
                indent=1,
            )


if __name__ == "__main__":
    main()
