"""Retrieval for answering from documents: chunking, keyword (BM25) and dense search, fusion, file loaders.

Domain-free: it knows passages, not articles or customers. rapport.assistant keeps the passages in the database
and this package's HybridRetriever in step with them.
"""

from rapport.ai.rag.chunking import Passage, chunk_markdown
from rapport.ai.rag.fusion import FusionWeights
from rapport.ai.rag.retriever import Document, Hit, HybridRetriever, Mode
from rapport.ai.rag.tokens import tokenize

__all__ = ["Document", "FusionWeights", "Hit", "HybridRetriever", "Mode", "Passage", "chunk_markdown", "tokenize"]
