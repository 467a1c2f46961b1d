"""The knowledge index in step with the articles: new, edited, unpublished and deleted articles; vectors reused."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.assistant.flows import AssistantRuntime
from rapport.assistant.models import KnowledgeChunk
from rapport.knowledge import service as knowledge_service
from rapport.knowledge.models import KnowledgeArticle
from rapport.privacy.access import system_principal


def _chunks(session: Session, article: KnowledgeArticle) -> list[KnowledgeChunk]:
    return list(session.scalars(select(KnowledgeChunk).where(KnowledgeChunk.article_id == article.id)))


def test_every_published_article_is_chunked_with_vectors(
    runtime: AssistantRuntime, session: Session, articles: dict[str, KnowledgeArticle]
) -> None:
    refunds = _chunks(session, articles["refunds"])

    assert len(refunds) == 5
    assert {c.article_version for c in refunds} == {1}
    assert all(c.vector is not None and len(c.vector) == 384 * 4 for c in refunds)
    assert {c.embedder for c in refunds} == {"e5-small-int8"}
    assert len(runtime.index.retriever) == session.scalar(select(func.count(KnowledgeChunk.id)))


def test_an_edit_re_embeds_only_the_changed_passage(
    runtime: AssistantRuntime, session: Session, articles: dict[str, KnowledgeArticle]
) -> None:
    article = articles["refunds"]
    body = article.body.replace("5-7 business days", "3-5 business days")
    knowledge_service.update(session, system_principal(), article.id, {"body": body})
    session.flush()

    report = runtime.index.sync(runtime.sessions)
    runtime.index.refresh(runtime.sessions)
    hits = runtime.index.search("how long until the refund reaches my card", k=1, language="en")

    assert (report.articles_indexed, report.passages_embedded) == (1, 1)
    assert report.passages_reused == 4
    assert {c.article_version for c in _chunks(session, article)} == {2}
    assert "3-5 business days" in hits[0].document.payload["text"]


def test_unpublished_and_deleted_articles_leave_the_index(
    runtime: AssistantRuntime, session: Session, articles: dict[str, KnowledgeArticle]
) -> None:
    knowledge_service.update(session, system_principal(), articles["returns-policy"].id, {"is_published": False})
    knowledge_service.articles.delete(session, system_principal(), articles["device-error-codes"].id)
    session.flush()

    runtime.index.ensure_fresh(runtime.sessions, force=True)
    slugs = {h.document.payload["slug"] for h in runtime.index.search("E-402 return window", k=20)}

    assert slugs <= {"refunds", "refunds-zh", "discount-codes"}
    assert _chunks(session, articles["returns-policy"]) == []


def test_a_new_article_is_found_after_the_next_check(runtime: AssistantRuntime, session: Session) -> None:
    session.add(
        KnowledgeArticle(slug="pets", title="Pet policy", body="## Dogs in store\nDogs are welcome.", language="en")
    )
    session.flush()

    runtime.index.ensure_fresh(runtime.sessions, force=True)
    hits = runtime.index.search("can I bring my dog", k=1, language="en")

    assert hits[0].document.payload["slug"] == "pets"


def test_a_second_sync_has_nothing_to_do(runtime: AssistantRuntime) -> None:
    report = runtime.index.sync(runtime.sessions)

    assert (report.articles_indexed, report.passages_written, report.articles_removed) == (0, 0, 0)


def test_without_an_embedder_search_is_by_keywords(runtime: AssistantRuntime, tmp_path: object) -> None:
    from rapport.assistant.index import KnowledgeIndex

    keyword_only = KnowledgeIndex(None, runtime.settings)
    keyword_only.ensure_fresh(runtime.sessions, force=True)

    hits = keyword_only.search("E-517", k=1)

    assert "E-517" in hits[0].document.payload["heading"]
    assert hits[0].similarity is None
