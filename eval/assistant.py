"""The assistant, measured: retrieval (BM25, dense, hybrid) on StackFAQ and on the demo company's knowledge base,
the vector index (exact vs HNSW), and answers from the local model (faithfulness, abstention, latency).

    .venv/bin/python eval/assistant.py                       # everything (about 30 min on 2 busy cores)
    .venv/bin/python eval/assistant.py --skip-answers        # retrieval and index only (about 6 min)
    .venv/bin/python eval/assistant.py --model qwen2.5-coder-1.5b-instruct-q4_k_m --answers 10

Data: StackFAQ from shared/datasets (--datasets, or RAPPORT_DATASETS; default ../shared/datasets beside the repo):
the 719 FAQ entries ("question answer") are the corpus, the 870 dev queries search it, a hit is an answer of the
query's thread. There is no test split here: the fusion weights were chosen on these dev queries (the grid is
printed), so the StackFAQ hybrid figure is a tuned-on-dev figure. The demo set (eval/assistant_questions.py) was
not used for tuning; it shows whether the weights carry over to the product's own knowledge base.

Metrics: R@k, share of queries with a relevant passage among the k best; MRR, mean of 1/rank of the first relevant
one (0 beyond rank 100); MAP, mean over queries of the average precision over all relevant passages (StackFAQ
threads have several answers). Faithfulness: share of answer sentences whose content words are at least half in the
passages they cite (rapport.assistant.grounding, the check the assistant itself runs). Abstention: share of
questions answered "I don't know" after their articles (or FAQ threads) were removed from the knowledge base.
Latency: wall time to the first streamed text and to the whole answer, with the local model in-process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "eval"))

from assistant_questions import QUESTIONS  # noqa: E402

from rapport.ai.embeddings import build_embedder  # noqa: E402
from rapport.ai.embeddings.base import Embedder  # noqa: E402
from rapport.ai.rag import Document, FusionWeights, HybridRetriever, chunk_markdown  # noqa: E402
from rapport.ai.rag.vectors import VectorIndex  # noqa: E402
from rapport.assistant.answering import Answer, Answerer, passage_text, retrieve  # noqa: E402
from rapport.assistant.grounding import faithfulness  # noqa: E402
from rapport.assistant.index import KnowledgeIndex  # noqa: E402
from rapport.assistant.settings import AssistantSettings  # noqa: E402
from rapport.demo.knowledge import load_articles  # noqa: E402

DEFAULTS = AssistantSettings()
MODES = ("bm25", "dense", "hybrid")


# ---- shared ----------------------------------------------------------------------------------------------------------
def cached_embed(embedder: Embedder, texts: Sequence[str], kind: str, cache: Path) -> np.ndarray:
    key = hashlib.sha256(json.dumps([embedder.name, kind, list(texts)]).encode()).hexdigest()[:20]
    path = cache / f"{embedder.name}-{kind}-{key}.npy"
    if path.exists():
        return np.load(path)
    vectors = embedder.embed(list(texts), kind=kind)  # type: ignore[arg-type]
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def metrics(ranked: list[list[int]], relevant: list[set[int]]) -> dict[str, float]:
    r1 = r5 = rr = ap = 0.0
    for ranking, rel in zip(ranked, relevant, strict=True):
        hits = [i for i, item in enumerate(ranking, start=1) if item in rel]
        if hits:
            rr += 1 / hits[0]
            r1 += hits[0] == 1
            r5 += hits[0] <= 5
            ap += sum((n + 1) / rank for n, rank in enumerate(hits)) / len(rel)
    n = len(ranked)
    return {"R@1": r1 / n, "R@5": r5 / n, "MRR": rr / n, "MAP": ap / n}


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    print(f"\n## {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(" --- " for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row) + " |")
    sys.stdout.flush()


def rank_all(
    retriever: HybridRetriever, queries: Sequence[str], vectors: np.ndarray, mode: str, **filters: Any
) -> list[list[int]]:
    return [
        [h.document.id for h in retriever.search(q, k=100, mode=mode, query_vector=v, **filters)]  # type: ignore[arg-type]
        for q, v in zip(queries, vectors, strict=True)
    ]


def _variants(retriever: HybridRetriever, as_typed: HybridRetriever) -> list[tuple[str, HybridRetriever, str]]:
    """The three retrievers as shipped, then BM25 and hybrid without typo correction, for comparison."""
    shipped = [(mode, retriever, mode) for mode in MODES]
    return [*shipped, ("bm25, as typed", as_typed, "bm25"), ("hybrid, as typed", as_typed, "hybrid")]


# ---- StackFAQ --------------------------------------------------------------------------------------------------------
def stackfaq(root: Path, embedder: Embedder, cache: Path) -> dict[str, Any]:
    entries = [json.loads(line) for line in (root / "stackfaq" / "faq_kb.jsonl").read_text().splitlines() if line]
    queries = [json.loads(line) for line in (root / "stackfaq" / "queries_dev.jsonl").read_text().splitlines() if line]
    index_of = {e["faq_id"]: i for i, e in enumerate(entries)}
    docs = [Document(id=i, text=f"{e['question']}\n{e['answer']}") for i, e in enumerate(entries)]
    started = time.perf_counter()
    passage_vectors = cached_embed(embedder, [d.text for d in docs], "passage", cache)
    query_texts = [q["query"] for q in queries]
    query_vectors = cached_embed(embedder, query_texts, "query", cache)
    embed_s = time.perf_counter() - started
    relevant = [{index_of[f] for f in q["relevant_faq_ids"]} for q in queries]
    retriever = HybridRetriever(embedder, weights=_weights(DEFAULTS))
    retriever.add(docs, passage_vectors)
    as_typed = HybridRetriever(embedder, weights=_weights(DEFAULTS), correct_typos=False)
    as_typed.add(docs, passage_vectors)
    rows = []
    results: dict[str, Any] = {}
    for label, searcher, mode in _variants(retriever, as_typed):
        scores = metrics(rank_all(searcher, query_texts, query_vectors, mode), relevant)
        results[label] = scores
        rows.append([label + (" (default weights)" if label == "hybrid" else ""), *scores.values()])
    table(
        f"StackFAQ retrieval, {len(queries)} dev queries, {len(docs)} FAQ entries, embedder {embedder.name}",
        ["retriever", "R@1", "R@5", "MRR", "MAP"],
        rows,
    )
    grid = []
    for bm25 in (0.2, 0.35, 0.5, 0.7, 1.0):
        for k in (5, 20, 60):
            weights = FusionWeights(bm25=bm25, dense=1.0, k=k, identifier_boost=DEFAULTS.identifier_boost)
            tuned = HybridRetriever(embedder, weights=weights)
            tuned.add(docs, passage_vectors)
            scores = metrics(rank_all(tuned, query_texts, query_vectors, "hybrid"), relevant)
            grid.append([bm25, k, scores["MRR"], scores["R@1"], scores["MAP"]])
    table(
        "StackFAQ fusion grid (dense weight 1.0; chosen on these dev queries)",
        ["bm25 weight", "k", "MRR", "R@1", "MAP"],
        grid,
    )
    results["embed_s"] = embed_s
    results["threshold"] = _similarity_split(retriever, entries, queries, query_vectors)
    return results


def _similarity_split(
    retriever: HybridRetriever, entries: list[dict[str, Any]], queries: list[dict[str, Any]], vectors: np.ndarray
) -> dict[str, float]:
    """The best similarity a question reaches with and without its thread in the knowledge base."""
    rng = random.Random(6)
    removed = set(rng.sample(sorted({q["thread_id"] for q in queries}), 30))
    thread_of = {i: e["thread_id"] for i, e in enumerate(entries)}
    kept_sims, removed_sims = [], []
    for query, vector in zip(queries, vectors, strict=True):
        if query["thread_id"] in removed:
            hits = [
                h
                for h in retriever.search(query["query"], k=20, query_vector=vector)
                if thread_of[h.document.id] not in removed
            ]
            removed_sims.append(max((h.similarity or 0.0) for h in hits[:2]) if hits else 0.0)
        else:
            hits = retriever.search(query["query"], k=2, query_vector=vector)
            kept_sims.append(max((h.similarity or 0.0) for h in hits) if hits else 0.0)
    rows = []
    for threshold in (0.78, 0.80, 0.82, 0.84, 0.86, 0.88):
        answered = sum(s >= threshold for s in kept_sims) / len(kept_sims)
        abstained = sum(s < threshold for s in removed_sims) / len(removed_sims)
        rows.append([threshold, answered, abstained])
    table(
        f"StackFAQ: answer or abstain by the best passage's similarity ({len(removed_sims)} questions of 30 removed "
        f"threads, {len(kept_sims)} with their thread kept)",
        ["min_similarity", "answered (thread kept)", "abstained (thread removed)"],
        rows,
    )
    return {"kept_median": statistics.median(kept_sims), "removed_median": statistics.median(removed_sims)}


# ---- the demo knowledge base -----------------------------------------------------------------------------------------
def demo_documents() -> list[Document]:
    docs = []
    for article_id, article in enumerate(load_articles(), start=1):
        for passage in chunk_markdown(article.title, article.body, language=article.language):
            docs.append(
                Document(
                    id=len(docs) + 1,
                    text=passage.indexed_text,
                    language=article.language,
                    category=article.category,
                    payload={
                        "article_id": article_id,
                        "slug": article.slug,
                        "title": article.title,
                        "heading": passage.heading,
                        "text": passage.text,
                        "version": 1,
                    },
                )
            )
    return docs


def typo(text: str, rng: random.Random) -> str:
    """Two typing slips: a swapped pair of letters and a dropped letter, in words of four letters or more."""
    words = text.split()
    for slip in ("swap", "drop"):
        candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
        if not candidates:
            break
        i = rng.choice(candidates)
        w = words[i]
        j = rng.randrange(1, len(w) - 2)
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :] if slip == "swap" else w[:j] + w[j + 1 :]
    return " ".join(words)


def demo_questions() -> list[tuple[str, str, str, str, str]]:
    rng = random.Random(11)
    out = list(QUESTIONS)
    out += [
        (typo(q, rng), lang, "typo", slug, section)
        for q, lang, kind, slug, section in QUESTIONS
        if kind == "paraphrase"
    ]
    return out


def relevant_ids(docs: Sequence[Document], slug: str, section: str) -> set[int]:
    found = {d.id for d in docs if d.payload["slug"] == slug and section.lower() in str(d.payload["heading"]).lower()}
    if not found:
        raise SystemExit(f"no passage of {slug} has a heading with {section!r}: fix eval/assistant_questions.py")
    return found


def demo_retrieval(embedder: Embedder, cache: Path) -> tuple[HybridRetriever, np.ndarray, dict[str, Any]]:
    docs = demo_documents()
    questions = demo_questions()
    vectors = cached_embed(embedder, [d.text for d in docs], "passage", cache)
    query_vectors = cached_embed(embedder, [q[0] for q in questions], "query", cache)
    retriever = HybridRetriever(embedder, weights=_weights(DEFAULTS))
    retriever.add(docs, vectors)
    as_typed = HybridRetriever(embedder, weights=_weights(DEFAULTS), correct_typos=False)
    as_typed.add(docs, vectors)
    relevant = [relevant_ids(docs, slug, section) for _, _, _, slug, section in questions]
    rows = []
    results: dict[str, Any] = {}
    kinds = ["paraphrase", "typo", "zh", "exact"]
    for label, searcher, mode in _variants(retriever, as_typed):
        ranked = [
            [h.document.id for h in searcher.search(q, k=100, mode=mode, query_vector=v, language=lang)]  # type: ignore[arg-type]
            for (q, lang, *_), v in zip(questions, query_vectors, strict=True)
        ]
        overall = metrics(ranked, relevant)
        by_kind = {}
        for kind in kinds:
            picked = [i for i, q in enumerate(questions) if q[2] == kind]
            by_kind[kind] = metrics([ranked[i] for i in picked], [relevant[i] for i in picked])["MRR"]
        results[label] = {**overall, **{f"MRR {k}": v for k, v in by_kind.items()}}
        rows.append([label, *overall.values(), *by_kind.values()])
    counts = {k: sum(q[2] == k for q in questions) for k in kinds}
    table(
        f"Demo knowledge base retrieval, {len(questions)} questions "
        f"({', '.join(f'{v} {k}' for k, v in counts.items())}), "
        f"{len(docs)} passages of {len({d.payload['slug'] for d in docs})} articles, embedder {embedder.name}, "
        "filtered by the question's language",
        ["retriever", "R@1", "R@5", "MRR", "MAP", *[f"MRR {k}" for k in kinds]],
        rows,
    )
    return retriever, query_vectors, results


# ---- the vector index ------------------------------------------------------------------------------------------------
def index_speed(dimension: int = 384) -> None:
    rng = np.random.default_rng(3)
    rows = []
    for size in (1_000, 10_000, 50_000, 100_000):
        data = rng.standard_normal((size, dimension)).astype(np.float32)
        data /= np.linalg.norm(data, axis=1, keepdims=True)
        queries = data[rng.choice(size, 50, replace=False)] + 0.05 * rng.standard_normal((50, dimension)).astype(
            np.float32
        )
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        ids = list(range(size))
        for label, threshold in (("exact (numpy)", size + 1), ("HNSW (usearch)", 1)):
            index = VectorIndex(dimension, ann_threshold=threshold)
            started = time.perf_counter()
            index.add(ids, data)
            build_s = time.perf_counter() - started
            times, found = [], []
            for q in queries:
                t = time.perf_counter()
                found.append([row for row, _ in index.search(q, 10)])
                times.append((time.perf_counter() - t) * 1000)
            exact = [list(np.argsort(-(data @ q))[:10]) for q in queries]
            recall = float(np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact, strict=True)]))
            rows.append(
                [f"{size:,}", label, build_s, statistics.median(times), float(np.percentile(times, 95)), recall]
            )
    table(
        "Vector index: build and top-10 search, 384-d unit vectors, 50 queries",
        ["passages", "index", "build s", "query p50 ms", "query p95 ms", "recall@10 vs exact"],
        rows,
    )


# ---- answers with the local model ------------------------------------------------------------------------------------
def answers(
    embedder: Embedder, retriever: HybridRetriever, query_vectors: np.ndarray, model: str, count: int, data_dir: Path
) -> dict[str, Any]:
    from rapport.ai.gateway import Gateway
    from rapport.settings import LLMSettings, Settings

    settings = Settings(data_dir=data_dir, llm=LLMSettings(local_model=model, cache=False, timeout_s=180))
    gateway = Gateway(settings, None)
    gateway.provider("assistant").warm_up()
    answerer = Answerer(gateway, DEFAULTS)
    index = KnowledgeIndex(embedder, DEFAULTS)
    index.retriever = retriever
    questions = demo_questions()
    rng = random.Random(5)
    answerable = rng.sample([i for i, q in enumerate(questions) if q[2] in ("paraphrase", "zh", "exact")], count)
    rows, firsts, totals, faithful, raw_faithful, abstained = [], [], [], [], [], 0
    for i in answerable:
        question, language = questions[i][0], questions[i][1]
        result = _answer(answerer, index, question, language)
        answer = result["answer"]
        if answer.is_abstained:
            abstained += 1
        else:
            faithful.append(result["faithfulness"])
            firsts.append(result["first_s"])
        if result["raw"] is not None:
            raw_faithful.append(result["raw"])
        totals.append(result["total_s"])
        outcome = f"abstained ({answer.abstain_reason})" if answer.is_abstained else "answered"
        rows.append(
            [
                question[:60],
                language,
                outcome,
                "–" if result["raw"] is None else result["raw"],
                "–" if result["faithfulness"] is None else result["faithfulness"],
                result["first_s"],
                result["total_s"],
            ]
        )
    table(
        f"Answers with {model} (in-process, temperature 0); faithfulness of the model's text before the checks, "
        "and of what the customer got",
        ["question", "lang", "outcome", "model text", "answer", "first s", "total s"],
        rows,
    )
    # Abstention: the target article removed from the knowledge base, the same questions asked again.
    removed_rows, removed_abstained = [], 0
    for i in answerable:
        question, language, _, slug, _ = questions[i]
        gone = [d for d in list(retriever._documents.values()) if d.payload["slug"] == slug]
        retriever.remove([d.id for d in gone])
        result = _answer(answerer, index, question, language)
        retriever.add(gone, None if embedder is None else embedder.embed([d.text for d in gone], kind="passage"))
        removed_abstained += result["answer"].is_abstained
        removed_rows.append(
            [
                question[:60],
                slug,
                f"abstained ({result['answer'].abstain_reason})" if result["answer"].is_abstained else "answered",
                round(result["answer"].confidence, 3),
            ]
        )
    table(
        "The same questions with their article removed",
        ["question", "removed article", "outcome", "best similarity"],
        removed_rows,
    )
    summary = {
        "model_text_faithfulness": statistics.mean(raw_faithful) if raw_faithful else None,
        "answer_faithfulness": statistics.mean(faithful) if faithful else None,
        "answered": 1 - abstained / len(answerable),
        "abstained_when_removed": removed_abstained / len(answerable),
        "first_text_p50_s": statistics.median(firsts) if firsts else None,
        "first_text_p95_s": float(np.percentile(firsts, 95)) if firsts else None,
        "answer_p50_s": statistics.median(totals),
        "answer_p95_s": float(np.percentile(totals, 95)),
    }
    table("Answer summary", list(summary), [[v if v is not None else "–" for v in summary.values()]])
    return summary


def _answer(answerer: Answerer, index: KnowledgeIndex, question: str, language: str) -> dict[str, Any]:
    started = time.perf_counter()
    first = None
    answer: Answer | None = None
    retrieved = retrieve(index, question, language=language, k=DEFAULTS.passages)
    for item in answerer.stream(question, language=language, retrieved=retrieved):
        if isinstance(item, Answer):
            answer = item
        elif first is None:
            first = time.perf_counter() - started
    total = time.perf_counter() - started
    assert answer is not None
    cited = {c.n: c for c in answer.citations}
    sources = [passage_text(s) for s in retrieved.sources[: DEFAULTS.passages]]
    # The model's own text, before the checks, is what shows how faithful the model is; the final answer is 1.0 by
    # construction unless it quotes passages (extractive) or records.
    raw = faithfulness(answer.model_text, sources, min_support=DEFAULTS.min_support) if answer.model_text else None
    final = None if answer.is_abstained else faithfulness(answer.text, sources, min_support=DEFAULTS.min_support)
    del cited
    return {"answer": answer, "first_s": first or total, "total_s": total, "faithfulness": final, "raw": raw}


def _weights(settings: AssistantSettings) -> FusionWeights:
    return FusionWeights(
        bm25=settings.bm25_weight,
        dense=settings.dense_weight,
        k=settings.rrf_k,
        identifier_boost=settings.identifier_boost,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--datasets", type=Path, default=Path(os.environ.get("RAPPORT_DATASETS", REPO.parent / "shared" / "datasets"))
    )
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("RAPPORT_DATA_DIR", REPO / "var")))
    parser.add_argument("--embedder", default=DEFAULTS.embedder)
    parser.add_argument("--model", default="qwen2.5-coder-0.5b-instruct-q4_k_m")
    parser.add_argument(
        "--answers",
        type=int,
        default=20,
        help="Questions answered by the model (and asked again without their article).",
    )
    parser.add_argument("--skip-stackfaq", action="store_true")
    parser.add_argument("--skip-index", action="store_true")
    parser.add_argument("--skip-answers", action="store_true")
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args(argv)
    cache = args.data_dir / "cache" / "eval-assistant"
    embedder = build_embedder(args.embedder, args.data_dir)
    embedder.warm_up()
    shown = {"bm25_weight", "dense_weight", "rrf_k", "identifier_boost", "min_similarity", "min_support", "passages"}
    print(f"# eval/assistant.py: embedder {args.embedder}, defaults {DEFAULTS.model_dump(include=shown)}")
    figures: dict[str, Any] = {}
    if not args.skip_stackfaq:
        figures["stackfaq"] = stackfaq(args.datasets, embedder, cache)
    retriever, query_vectors, figures["demo"] = demo_retrieval(embedder, cache)
    if not args.skip_index:
        index_speed()
    if not args.skip_answers:
        figures["answers"] = answers(embedder, retriever, query_vectors, args.model, args.answers, args.data_dir)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
