"""Knowledge-base pages: list and search, read, write (each edit raises the version), and import Markdown files."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import Response
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy.orm import Session

from rapport.api.deps import DbSession
from rapport.errors import Forbidden, Invalid, RapportError
from rapport.knowledge import service as knowledge_service
from rapport.knowledge.models import KnowledgeArticle
from rapport.knowledge.schemas import ArticleCreate, ArticleRead, ArticleUpdate
from rapport.privacy.access import Principal
from rapport.store.listing import ListQuery
from rapport.web import lists
from rapport.web.kit import CurrentViewer, PageRoute, Viewer, is_htmx, redirect, render, validated

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]

# Raw HTML in an article is shown as text, never run: articles come from imports and many hands.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
MAX_IMPORT_FILES = 200
MAX_IMPORT_BYTES = 500_000


def render_markdown(text: str) -> Markup:
    return Markup(_markdown.render(text))


@router.get("/knowledge")
def article_list(request: Request, db: DbSession, viewer: CurrentViewer) -> Response:
    q = request.query_params.get("q", "").strip()
    language = request.query_params.get("language", "")
    cursor = request.query_params.get("cursor") or None
    filters = {"language": language} if language in ("en", "zh") else {}
    query = ListQuery(limit=lists.PAGE_SIZE, cursor=cursor, sort="title", q=q or None, filters=filters)
    page = knowledge_service.articles.list(db, viewer.principal, query)
    chosen = {k: v for k, v in (("q", q), ("language", filters.get("language", ""))) if v}
    context = {
        "articles": [ArticleRead.model_validate(a) for a in page.items],
        "chosen": chosen,
        "next_url": lists.list_url("knowledge", chosen, cursor=page.next_cursor) if page.next_cursor else None,
        "first_url": lists.list_url("knowledge", chosen) if cursor else None,
        "may_write": viewer.can("knowledge", "create"),
    }
    if is_htmx(request):
        return render(request, "knowledge/_results.html", context)
    return render(request, "knowledge/list.html", context)


def _form_context(
    viewer: Viewer, article: ArticleRead | None, error: str | None = None, **values: Any
) -> dict[str, Any]:
    return {"article": article, "error": error, "values": values, "may_write": viewer.can("knowledge", "create")}


@router.get("/knowledge/new")
def new_article(request: Request, viewer: CurrentViewer) -> Response:
    if not viewer.can("knowledge", "create"):
        raise Forbidden("your role may not write articles")
    return render(request, "knowledge/edit.html", _form_context(viewer, None, language=viewer.language))


def _tags(raw: str) -> list[str]:
    return [tag.strip() for tag in raw.split(",") if tag.strip()]


@router.post("/knowledge")
def create_article(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    title: Annotated[str, Form(max_length=300)],
    body: Annotated[str, Form(max_length=200_000)],
    slug: Annotated[str, Form(max_length=160)] = "",
    language: Annotated[str, Form(max_length=8)] = "en",
    category: Annotated[str, Form(max_length=100)] = "",
    tags: Annotated[str, Form(max_length=2000)] = "",
    is_published: Annotated[bool, Form()] = False,
) -> Response:
    values = {
        "slug": slug.strip() or slugify(title),
        "title": title,
        "body": body,
        "language": language,
        "category": category.strip() or None,
        "tags": _tags(tags),
        "is_published": is_published,
    }
    try:
        article = knowledge_service.create(db, viewer.principal, validated(ArticleCreate, values).model_dump())
    except RapportError as exc:
        db.rollback()
        context = _form_context(viewer, None, exc.message, **{**values, "tags": tags})
        return render(request, "knowledge/edit.html", context, status_code=exc.status_code)
    return redirect(f"/app/knowledge/{article.id}", request)


@router.get("/knowledge/import")
def import_form(request: Request, viewer: CurrentViewer) -> Response:
    if not viewer.can("knowledge", "create"):
        raise Forbidden("your role may not import articles")
    return render(request, "knowledge/import.html", {"results": None, "max_files": MAX_IMPORT_FILES})


@dataclass(frozen=True)
class ImportResult:
    filename: str
    outcome: str  # created | updated | unchanged | failed
    message: str
    article_id: int | None = None


@router.post("/knowledge/import")
def import_files(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    files: Annotated[list[UploadFile], File()],
    language: Annotated[str, Form(max_length=8)] = "auto",
) -> Response:
    """Each file becomes an article; a file whose slug exists updates that article (and raises its version).

    One bad file does not stop the others: each is imported in its own savepoint and reported on its own line.
    """
    if not viewer.can("knowledge", "create"):
        raise Forbidden("your role may not import articles")
    if len(files) > MAX_IMPORT_FILES:
        raise Invalid(f"import at most {MAX_IMPORT_FILES} files at once")
    results = []
    for upload in files:
        name = upload.filename or "article.md"
        item = _parse_upload(name, upload.file.read(MAX_IMPORT_BYTES + 1), language)
        results.append(_import_one(db, viewer.principal, name, item))
    return render(request, "knowledge/import.html", {"results": results, "max_files": MAX_IMPORT_FILES})


def _import_one(db: Session, principal: Principal, name: str, item: dict[str, Any] | str) -> ImportResult:
    if isinstance(item, str):
        return ImportResult(name, "failed", item)
    savepoint = db.begin_nested()
    try:
        found = knowledge_service.articles.list(db, principal, ListQuery(limit=1, filters={"slug": item["slug"]}))
        if found.items:
            current = found.items[0]
            changes = validated(ArticleUpdate, {k: item[k] for k in ("title", "body", "category", "tags")}).model_dump(
                exclude_unset=True
            )
            before = current.version
            article = knowledge_service.update(db, principal, current.id, changes)
            savepoint.commit()
            outcome = "updated" if article.version != before else "unchanged"
            return ImportResult(name, outcome, f"v{article.version}", article.id)
        article = knowledge_service.create(db, principal, validated(ArticleCreate, item).model_dump())
        savepoint.commit()
        return ImportResult(name, "created", "v1", article.id)
    except RapportError as exc:
        savepoint.rollback()
        return ImportResult(name, "failed", exc.message)


FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
CJK = re.compile(r"[\u4e00-\u9fff]")


def _parse_upload(filename: str, raw: bytes, language: str) -> dict[str, Any] | str:
    """The article fields of one Markdown file, or why it cannot be imported.

    Optional front matter (`---` lines with `key: value`) may give slug, title, language, category and tags;
    otherwise the title is the first `# ` heading, the slug comes from the file name, and the language is Chinese
    when the text has Chinese characters.
    """
    if not filename.lower().endswith((".md", ".markdown", ".txt")):
        return "not a Markdown file (.md)"
    if len(raw) > MAX_IMPORT_BYTES:
        return f"larger than {MAX_IMPORT_BYTES // 1000} kB"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "not UTF-8 text"
    meta: dict[str, str] = {}
    match = FRONT_MATTER.match(text)
    if match:
        for line in match.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip().strip("\"'")
        text = text[match.end() :]
    heading = HEADING.search(text)
    stem = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    title = meta.get("title") or (heading.group(1) if heading else stem.replace("-", " ").replace("_", " "))
    if not text.strip():
        return "the file is empty"
    lang = meta.get("language") or language
    if lang not in ("en", "zh"):
        lang = "zh" if CJK.search(text) else "en"
    return {
        "slug": meta.get("slug") or slugify(stem) or slugify(title),
        "title": title[:300],
        "body": text.strip(),
        "language": lang,
        "category": meta.get("category") or None,
        "tags": _tags(meta.get("tags", "")),
    }


def slugify(text: str) -> str:
    """`Returns & Refunds` → `returns-refunds`; a name with no Latin letters gets a short stable hash."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:120]
    if not slug:
        slug = "article-" + hashlib.sha1(text.encode()).hexdigest()[:10]
    return slug


@router.get("/knowledge/{article_id}")
def article_view(request: Request, article_id: RecordId, db: DbSession, viewer: CurrentViewer) -> Response:
    article = ArticleRead.model_validate(knowledge_service.articles.get(db, viewer.principal, article_id))
    return render(
        request,
        "knowledge/view.html",
        {
            "article": article,
            "html": render_markdown(article.body),
            "may_write": viewer.can("knowledge", "update"),
            "saved": request.query_params.get("saved") == "1",
        },
    )


@router.get("/knowledge/{article_id}/edit")
def edit_article(request: Request, article_id: RecordId, db: DbSession, viewer: CurrentViewer) -> Response:
    article: KnowledgeArticle = knowledge_service.articles.get(db, viewer.principal, article_id)
    read = ArticleRead.model_validate(article)
    values = read.model_dump()
    values["tags"] = ", ".join(read.tags)
    return render(request, "knowledge/edit.html", _form_context(viewer, read, **values))


@router.post("/knowledge/{article_id}")
def update_article(
    request: Request,
    article_id: RecordId,
    db: DbSession,
    viewer: CurrentViewer,
    title: Annotated[str, Form(max_length=300)],
    body: Annotated[str, Form(max_length=200_000)],
    category: Annotated[str, Form(max_length=100)] = "",
    tags: Annotated[str, Form(max_length=2000)] = "",
    is_published: Annotated[bool, Form()] = False,
) -> Response:
    values = {
        "title": title,
        "body": body,
        "category": category.strip() or None,
        "tags": _tags(tags),
        "is_published": is_published,
    }
    knowledge_service.update(db, viewer.principal, article_id, validated(ArticleUpdate, values).model_dump())
    return redirect(f"/app/knowledge/{article_id}?saved=1", request)
