"""The assistant's knobs: the `assistant` group of rapport.settings.Settings (RAPPORT_ASSISTANT__*)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AssistantSettings(BaseModel):
    """Retrieval, answering and widget settings (docs/ASSISTANT.md has what each figure was measured on)."""

    company_name: str = Field(default="Harbor & Pine", description="How the assistant names the company.")
    embedder: str = Field(default="e5-small-int8", description="Embedder for passages (rapport.ai.embeddings); none")
    # Fusion weights chosen on development queries only (eval/assistant.py prints the grid).
    bm25_weight: float = 0.35
    dense_weight: float = 1.0
    rrf_k: int = 20
    identifier_boost: float = Field(default=4.0, description="BM25 weight factor when a query names a code or SKU.")
    ann_threshold: int = Field(
        default=200_000, description="Passages above which the HNSW index replaces exact search."
    )
    passages: int = Field(default=3, description="Passages given to the model per answer.")
    min_similarity: float = Field(
        default=0.80, description="Below this cosine similarity of the best passage: abstain."
    )
    min_support: float = Field(default=0.5, description="Share of an answer's words found in its sources to keep it.")
    answer_max_tokens: int = 220
    history_turns: int = 4
    failures_before_handoff: int = 2
    max_message_chars: int = 2000
    widget_secret: str | None = Field(
        default=None, description="HMAC key for signed widget tokens; default: a key file in data_dir/keys/."
    )
    widget_origins: list[str] = Field(default_factory=lambda: ["*"], description="Sites allowed to embed the widget.")
    sync_interval_s: float = Field(default=2.0, description="How often a question checks for changed articles.")
