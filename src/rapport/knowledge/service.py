"""Knowledge-base articles: the version goes up with every change of content."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.errors import Conflict
from rapport.knowledge.models import KnowledgeArticle
from rapport.privacy.access import Principal
from rapport.store.listing import Listing
from rapport.store.records import Records

articles = Records(
    model=KnowledgeArticle,
    entity="knowledge",
    listing=Listing(
        id_column=KnowledgeArticle.id,
        sortable={
            "id": KnowledgeArticle.id,
            "title": KnowledgeArticle.title,
            "updated_at": KnowledgeArticle.updated_at,
        },
        filterable={
            "language": KnowledgeArticle.language,
            "category": KnowledgeArticle.category,
            "slug": KnowledgeArticle.slug,
            "is_published": KnowledgeArticle.is_published,
        },
        searchable=(KnowledgeArticle.title, KnowledgeArticle.body),
    ),
)


def create(session: Session, principal: Principal, values: Mapping[str, Any]) -> KnowledgeArticle:
    if session.scalar(select(KnowledgeArticle.id).where(KnowledgeArticle.slug == values["slug"])) is not None:
        raise Conflict(f"an article with slug '{values['slug']}' already exists")
    return articles.create(session, principal, values)


def update(session: Session, principal: Principal, article_id: int, values: Mapping[str, Any]) -> KnowledgeArticle:
    current = articles.get(session, principal, article_id)
    values = dict(values)
    if any(values.get(k) not in (None, getattr(current, k)) for k in ("title", "body")):
        values["version"] = current.version + 1
    return articles.update(session, principal, article_id, values)
