"""Hybrid retrieval with the real multilingual embedder: each retriever alone, fused, filtered and updated."""

from __future__ import annotations

from rapport.ai.embeddings import Embedder
from rapport.ai.rag import Document, FusionWeights, HybridRetriever

DOCS = [
    Document(1, "Refunds › How long it takes\nRefunds reach your card in 5-7 business days.", "en", "refunds"),
    Document(2, "Device error codes › E-402: Pairing failed\nForget the device and hold power for 10 s.", "en", "tech"),
    Document(3, "Device error codes › E-517: Battery fault\nUnplug the device and let it cool.", "en", "tech"),
    Document(4, "退款说明 › 多久到账\n退款原路退回，银行卡5-7个工作日到账。", "zh", "refunds"),
    Document(5, "Shipping › Delivery options\nStandard delivery takes 3-5 days.", "en", "shipping"),
]


def _retriever(embedder: Embedder | None) -> HybridRetriever:
    retriever = HybridRetriever(embedder, weights=FusionWeights())
    retriever.add(DOCS)
    return retriever


def test_dense_retrieval_finds_a_paraphrase_keywords_miss(e5: Embedder) -> None:
    retriever = _retriever(e5)

    dense = retriever.search("when will I get my money back", k=2, mode="dense", language="en")
    bm25 = retriever.search("when will I get my money back", k=2, mode="bm25", language="en")

    assert dense[0].document.id == 1
    assert dense[0].similarity is not None
    assert dense[0].similarity > 0.8
    assert [h.document.id for h in bm25] == []


def test_hybrid_puts_the_exact_code_first(e5: Embedder) -> None:
    hits = _retriever(e5).search("my headset says E402", k=3)

    assert hits[0].document.id == 2
    assert hits[0].bm25 > 0
    assert hits[0].bm25_rank == 1


def test_language_and_category_filters(e5: Embedder) -> None:
    retriever = _retriever(e5)

    chinese = retriever.search("退款多久到账", k=5, language="zh")
    tech = retriever.search("refund", k=5, category="tech")

    assert [h.document.id for h in chinese] == [4]
    assert {h.document.id for h in tech} <= {2, 3}


def test_removed_documents_are_gone_and_replacements_found(e5: Embedder) -> None:
    retriever = _retriever(e5)

    retriever.remove([1])
    retriever.add([Document(6, "Refunds › Timing\nMoney is back on your card within a week.", "en", "refunds")])
    hits = retriever.search("how long until my refund arrives", k=1, language="en")

    assert 1 not in retriever
    assert hits[0].document.id == 6


def test_without_an_embedder_it_searches_by_keywords() -> None:
    hits = _retriever(None).search("E-517 battery", k=2)

    assert hits[0].document.id == 3
    assert hits[0].similarity is None
