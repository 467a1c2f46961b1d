"""Tables of the AI runtime: one row per model call (what, who, how long, how many tokens) and the answer cache."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rapport.store.base import Base, IdMixin


class ModelCall(IdMixin, Base):
    __tablename__ = "ai_calls"

    at: Mapped[datetime] = mapped_column(index=True)
    feature: Mapped[str] = mapped_column(String(60), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(120))
    prompt_tokens: Mapped[int] = mapped_column(default=0)
    completion_tokens: Mapped[int] = mapped_column(default=0)
    latency_ms: Mapped[float] = mapped_column(default=0.0)
    first_token_ms: Mapped[float | None] = mapped_column()
    is_cache_hit: Mapped[bool] = mapped_column(default=False)
    is_redacted: Mapped[bool] = mapped_column(default=False)
    is_streamed: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(String(300))


class CachedCompletion(IdMixin, Base):
    """Answers keyed by sha256(provider, model, messages, parameters, schema): the same question is asked once."""

    __tablename__ = "ai_cache"

    key: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    prompt_tokens: Mapped[int] = mapped_column()
    completion_tokens: Mapped[int] = mapped_column()
    model: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column()
