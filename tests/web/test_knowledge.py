"""Knowledge-base pages: list, read (Markdown, never raw HTML), write with version bumps, import Markdown files."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.knowledge.models import KnowledgeArticle
from rapport.privacy.access import Role
from rapport.web.knowledge import render_markdown, slugify
from tests.factories import make_user


def _article(session: Session, **overrides: object) -> KnowledgeArticle:
    values: dict[str, object] = {"slug": "returns", "title": "Returns", "body": "# Returns\n\nFree within **30 days**."}
    values.update(overrides)
    article = KnowledgeArticle(**values)
    session.add(article)
    session.flush()
    return article


def test_list_searches_titles_and_text(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    login(make_user(session, Role.support))
    _article(session, slug="returns", title="Returns policy")
    _article(session, slug="shipping", title="Shipping", body="We ship worldwide.")

    html = client.get("/app/knowledge", params={"q": "worldwide"}).text

    assert "Shipping" in html
    assert "Returns policy" not in html


def test_article_renders_markdown_and_escapes_raw_html(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    login(make_user(session, Role.support))
    article = _article(session, body="Free within **30 days**.\n\n<script>alert(1)</script>")

    html = client.get(f"/app/knowledge/{article.id}").text

    assert "<strong>30 days</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_markdown_refuses_javascript_links() -> None:
    assert 'href="javascript:' not in render_markdown("[click](javascript:alert(1))")


def test_create_then_edit_raises_the_version(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    csrf = login(make_user(session, Role.support))

    created = client.post(
        "/app/knowledge",
        data={
            "csrf_token": csrf,
            "title": "Gift cards",
            "body": "They never expire.",
            "language": "en",
            "tags": "gift, cards",
            "is_published": "true",
        },
        follow_redirects=False,
    )
    article = session.scalar(select(KnowledgeArticle).where(KnowledgeArticle.slug == "gift-cards"))
    assert article is not None
    edited = client.post(
        f"/app/knowledge/{article.id}",
        data={
            "csrf_token": csrf,
            "title": "Gift cards",
            "body": "They never expire, and work online.",
            "tags": "gift",
            "is_published": "true",
        },
        follow_redirects=False,
    )
    page = client.get(edited.headers["location"]).text

    assert created.headers["location"] == f"/app/knowledge/{article.id}"
    session.refresh(article)
    assert (article.version, article.tags, article.is_published) == (2, ["gift"], True)
    assert "Saved as version 2." in page


def test_duplicate_slug_shows_the_form_again_with_the_reason(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    csrf = login(make_user(session, Role.support))
    _article(session, slug="returns")

    response = client.post(
        "/app/knowledge", data={"csrf_token": csrf, "title": "Returns", "slug": "returns", "body": "Again."}
    )

    assert response.status_code == 409
    assert "already exists" in response.text
    assert 'value="Returns"' in response.text


def test_import_creates_updates_and_reports_bad_files(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    csrf = login(make_user(session, Role.admin))
    existing = _article(session, slug="returns", body="Old text.")
    files = [
        ("files", ("returns.md", b"# Returns\n\nNew text.", "text/markdown")),
        (
            "files",
            (
                "faq.md",
                "---\nslug: faq-zh\ncategory: help\ntags: a, b\n---\n# 常见问题\n\n退货免费。".encode(),
                "text/markdown",
            ),
        ),
        ("files", ("photo.png", b"\x89PNG", "image/png")),
        ("files", ("latin1.md", "# Caf\xe9".encode("latin-1"), "text/markdown")),
    ]

    response = client.post("/app/knowledge/import", data={"csrf_token": csrf, "language": "auto"}, files=files)

    assert response.status_code == 200
    session.refresh(existing)
    assert (existing.body, existing.version) == ("# Returns\n\nNew text.", 2)
    faq = session.scalar(select(KnowledgeArticle).where(KnowledgeArticle.slug == "faq-zh"))
    assert faq is not None
    assert (faq.title, faq.language, faq.category, faq.tags) == ("常见问题", "zh", "help", ["a", "b"])
    assert response.text.count("Failed") == 2
    assert "not a Markdown file" in response.text
    assert "not UTF-8 text" in response.text


def test_sales_rep_reads_but_cannot_write_articles(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    csrf = login(make_user(session, Role.sales))
    article = _article(session)

    view = client.get(f"/app/knowledge/{article.id}").text
    refused = client.post(f"/app/knowledge/{article.id}", data={"csrf_token": csrf, "title": "Hacked", "body": "x"})

    assert "Edit</a>" not in view
    assert refused.status_code == 403


def test_slugify_makes_url_safe_names() -> None:
    assert slugify("Returns & Refunds (2024)") == "returns-refunds-2024"
    assert slugify("退货政策").startswith("article-")
