"""Importing files into the knowledge base (`rapport kb import`, `POST /api/assistant/kb/import`, the import page).

Each file becomes one article through the knowledge service; a file whose slug exists updates that article, and
the knowledge service raises its version when the title or body changed, which is what marks it for re-indexing.
One bad file does not stop the others: each is imported in its own savepoint and reported on its own line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.ai.rag.loaders import UnreadableFile, load
from rapport.errors import RapportError
from rapport.knowledge import service as knowledge_service
from rapport.knowledge.models import KnowledgeArticle
from rapport.knowledge.schemas import ArticleCreate
from rapport.privacy.access import Action, Principal

MAX_FILE_BYTES: Final = 10_000_000
MAX_BODY_CHARS: Final = 200_000


@dataclass(frozen=True)
class ImportOutcome:
    filename: str
    outcome: str  # created | updated | unchanged | failed
    message: str
    article_id: int | None = None
    version: int | None = None


def import_files(
    session: Session,
    principal: Principal,
    files: list[tuple[str, bytes]],
    *,
    language: str | None = None,
    category: str | None = None,
) -> list[ImportOutcome]:
    return [import_file(session, principal, name, raw, language=language, category=category) for name, raw in files]


def import_file(
    session: Session,
    principal: Principal,
    filename: str,
    raw: bytes,
    *,
    language: str | None = None,
    category: str | None = None,
) -> ImportOutcome:
    if len(raw) > MAX_FILE_BYTES:
        return ImportOutcome(filename, "failed", f"larger than {MAX_FILE_BYTES // 1_000_000} MB")
    try:
        loaded = load(filename, raw, language=language, category=category)
    except UnreadableFile as error:
        return ImportOutcome(filename, "failed", str(error))
    if len(loaded.body) > MAX_BODY_CHARS:
        return ImportOutcome(filename, "failed", f"more than {MAX_BODY_CHARS:,} characters of text; split the file")
    savepoint = session.begin_nested()
    try:
        current_id = session.scalar(select(KnowledgeArticle.id).where(KnowledgeArticle.slug == loaded.slug))
        if current_id is not None:
            current = knowledge_service.articles.get(session, principal, current_id, action=Action.update)
            before = current.version
            if current.deleted_at is not None:
                knowledge_service.articles.restore(session, principal, current_id)
            changes = {"title": loaded.title, "body": loaded.body, "tags": loaded.tags or current.tags}
            if loaded.category:
                changes["category"] = loaded.category
            article = knowledge_service.update(session, principal, current_id, changes)
            savepoint.commit()
            outcome = "updated" if article.version != before else "unchanged"
            return ImportOutcome(filename, outcome, f"v{article.version}", article.id, article.version)
        values = ArticleCreate.model_validate(
            {
                "slug": loaded.slug,
                "title": loaded.title,
                "body": loaded.body,
                "language": loaded.language,
                "category": loaded.category,
                "tags": loaded.tags,
            }
        )
        article = knowledge_service.create(session, principal, values.model_dump())
        savepoint.commit()
        return ImportOutcome(filename, "created", "v1", article.id, article.version)
    except RapportError as error:
        savepoint.rollback()
        return ImportOutcome(filename, "failed", error.message)
    except ValidationError as error:
        savepoint.rollback()
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:3])
        return ImportOutcome(filename, "failed", problems)
