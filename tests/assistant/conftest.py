"""Fixtures for the assistant tests: a runtime on the test's rolled-back connection, with demo articles indexed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from rapport.assistant.flows import AssistantRuntime
from rapport.knowledge.models import KnowledgeArticle
from rapport.store.engine import make_sessionmaker

from .kit import add_articles, make_runtime


@pytest.fixture
def articles(session: Session) -> dict[str, KnowledgeArticle]:
    return add_articles(session)


@pytest.fixture
def runtime(connection: Connection, tmp_path: Path, articles: dict[str, KnowledgeArticle]) -> AssistantRuntime:
    """No model: answers are the passages themselves (what the assistant does when no model is available)."""
    built = make_runtime(make_sessionmaker(connection), tmp_path)
    built.index.ensure_fresh(built.sessions, force=True)
    return built
