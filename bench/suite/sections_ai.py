"""Sections on the models: classification throughput, retrieval over 100,000 chunks, LLM tokens/s."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from suite.common import Context, quantiles, row

WORDS = [
    *("order", "refund", "delivery", "tracking", "invoice", "charger", "headphones", "warranty", "return", "label"),
    *("address", "payment", "card", "account", "password", "discount", "voucher", "shipping", "parcel", "courier"),
    *("damaged", "missing", "late", "replacement", "exchange", "size", "colour", "stock", "subscription", "renewal"),
    *("quote", "seats", "install", "update", "battery", "screen", "cable", "adapter", "speaker", "laptop", "phone"),
]


class Skipped(Exception):
    """A section that cannot run here (a model or package missing); the reason goes into the JSON and the table."""


def classification(ctx: Context) -> list[dict[str, Any]]:
    """The int8 ONNX classifier Rapport serves against transformers' text-classification pipeline on the same
    fine-tuned network and texts (bench/classifier_speed.py's functions), 2 threads each."""
    import argparse

    import classifier_speed

    from rapport.ai.classifier.data import folds, read_examples
    from rapport.ai.classifier.runtime import ONNX_INT8, Card, open_version

    try:
        folder = classifier_speed.default_version_dir(ctx.data_dir)
    except SystemExit as missing:
        raise Skipped(str(missing)) from None
    if not classifier_speed.BANKING77.exists():
        raise Skipped(f"no Banking77 texts at {classifier_speed.BANKING77}")
    card = Card.read(folder)
    examples = folds(read_examples(classifier_speed.BANKING77), 5, seed=13)[0][1][: max(ctx.requests, 64)]
    known = [e for e in examples if e.label in card.labels]
    texts, truth = [e.text for e in known], [e.label for e in known]
    import torch

    torch.set_num_threads(2)
    options = argparse.Namespace(data_dir=ctx.data_dir, batch_size=32)
    base_accuracy, base_speed = classifier_speed.measure(
        classifier_speed.hf_pipeline(folder, card, options), texts, truth, 1
    )
    _, classifier = open_version(folder, ctx.data_dir, runtime=ONNX_INT8, threads=2)
    accuracy, speed = classifier_speed.measure(classifier_speed.ours(classifier, card, None), texts, truth, 1)
    note = f"{len(texts)} Banking77 texts; accuracy {accuracy:.3f} vs {base_accuracy:.3f}"
    return [row("classification", "messages/s", speed, base_speed, "HF pipeline (PyTorch fp32)", better="higher",
                note=note)]  # fmt: skip


class _GivenVectors:
    """Stands in for an embedder: the bench hands every vector over itself, so nothing is ever embedded."""

    name = "given-vectors"

    def embed(self, texts: Any, *, kind: str = "passage") -> Any:
        raise AssertionError("vectors are given to the retriever, never embedded")


def retrieval(ctx: Context) -> list[dict[str, Any]]:
    """HybridRetriever over `ctx.chunks` synthetic chunks with random unit vectors (384 dimensions, the size of the
    MiniLM/e5-small embedders; embedding 100,000 chunks on 2 cores would take the section's whole budget and the
    search cost does not depend on what the vectors mean). Dense and hybrid (BM25 + dense, fused) searches, top 10,
    against a brute-force numpy dot product and argpartition over the same matrix, interleaved query by query."""
    from rapport.ai.rag.retriever import Document, HybridRetriever

    rng = np.random.default_rng(11)
    n, dim = ctx.chunks, 384
    words = np.array(WORDS)
    picks = rng.integers(0, len(words), (n, 12))
    texts = [" ".join(words[p]) + f" case {i}" for i, p in enumerate(picks)]
    matrix = rng.standard_normal((n, dim)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    started = time.perf_counter()
    retriever = HybridRetriever(_GivenVectors(), dimension=dim)  # type: ignore[arg-type]
    documents = [Document(id=i + 1, text=t) for i, t in enumerate(texts)]
    for offset in range(0, n, 10_000):
        retriever.add(documents[offset : offset + 10_000], matrix[offset : offset + 10_000])
    retriever.search(texts[0], k=10, mode="hybrid", query_vector=matrix[0])  # builds BM25 on first search
    build_s = time.perf_counter() - started
    queries = []
    for i in rng.integers(0, n, max(ctx.requests, 20)):
        vector = matrix[i] + rng.standard_normal(dim).astype(np.float32) * 0.05
        queries.append((" ".join(texts[i].split()[:4]), vector / np.linalg.norm(vector)))

    def brute(vector: np.ndarray) -> list[int]:
        sims = matrix @ vector
        top = np.argpartition(-sims, 9)[:10]
        return [int(r) + 1 for r in top[np.argsort(-sims[top])]]

    timings: dict[str, list[float]] = {"dense": [], "hybrid": [], "brute": []}
    agree = 0
    deadline = time.perf_counter() + ctx.budget_s
    for text, vector in queries:
        for mode in ("dense", "hybrid"):
            began = time.perf_counter()
            hits = retriever.search(text, k=10, mode=mode, query_vector=vector)  # type: ignore[arg-type]
            timings[mode].append((time.perf_counter() - began) * 1000)
            if mode == "dense":
                found = [h.document.id for h in hits]
        began = time.perf_counter()
        exact = brute(vector)
        timings["brute"].append((time.perf_counter() - began) * 1000)
        agree += len(set(found) & set(exact))
        if time.perf_counter() > deadline and len(timings["brute"]) >= 20:
            break
    done = len(timings["brute"])
    brute50, _ = quantiles(timings["brute"])
    dense50, dense99 = quantiles(timings["dense"])
    hybrid50, hybrid99 = quantiles(timings["hybrid"])
    note = f"{n:,} chunks, random unit vectors; {done} queries; recall@10 vs brute force {agree / (10 * done):.3f}"
    return [
        row("retrieval dense top-10 p50", "ms", dense50, brute50, "brute-force numpy dot", better="lower",
            note=note + f"; index built in {build_s:.1f} s; p99 {dense99:.1f} ms"),
        row("retrieval hybrid top-10 p50", "ms", hybrid50, brute50, "brute-force numpy dot", better="lower",
            note=f"adds BM25 over the chunk texts and fusion; p99 {hybrid99:.1f} ms"),
    ]  # fmt: skip


def llm(ctx: Context) -> list[dict[str, Any]]:
    """Generation tokens/s of the local 0.5B model through `Gateway.complete` (cache off) against llama-cpp-python's
    own `create_chat_completion` on the very same loaded weights, same prompt, greedy, interleaved round by round."""
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is None:
        raise Skipped("llama-cpp-python is not installed (scripts/install-llama.sh)")
    from sqlalchemy.orm import sessionmaker

    from rapport.ai import weights
    from rapport.ai.bench import SHORT_PROMPT, _TimedProvider
    from rapport.ai.gateway import Gateway
    from rapport.ai.providers import LocalGGUFProvider
    from rapport.settings import LLMSettings, Settings
    from rapport.store.engine import make_engine
    from rapport.store.models import Base

    name = "qwen2.5-coder-0.5b-instruct-q4_k_m"
    try:
        path = weights.ensure_model(name, ctx.data_dir)
    except Exception as missing:  # the part packages are not installed
        raise Skipped(f"no weights for {name}: {missing}") from None
    provider = LocalGGUFProvider(path, weights.get_model(name).sha256, n_ctx=2048)
    provider.warm_up()
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    settings = Settings(data_dir=ctx.data_dir, llm=LLMSettings(provider="local", cache=False))
    gateway = Gateway(settings, sessionmaker(engine), providers={"local": _TimedProvider(provider)})
    llama: Any = provider._load_locked()
    messages: list[Any] = [{"role": "user", "content": SHORT_PROMPT}]
    direct: list[float] = []
    through: list[float] = []
    deadline = time.perf_counter() + ctx.budget_s
    for _ in range(5):
        began = time.perf_counter()
        answer = llama.create_chat_completion(messages=list(messages), max_tokens=64, temperature=0.0, seed=0)
        direct.append(answer["usage"]["completion_tokens"] / (time.perf_counter() - began))
        began = time.perf_counter()
        completion = gateway.complete("bench", messages, max_tokens=64, use_cache=False)
        through.append(completion.completion_tokens / (time.perf_counter() - began))
        if time.perf_counter() > deadline:
            break
    note = f"{name}, 64 tokens max, median of {len(direct)} rounds, prompt time included"
    return [row("LLM tokens/s", "tokens/s", float(np.median(through)), float(np.median(direct)),
                "llama-cpp-python direct", better="higher", note=note)]  # fmt: skip
