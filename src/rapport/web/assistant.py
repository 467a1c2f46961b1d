"""The assistant's pages: the widget script (`/widget.js`), public article pages that answers cite (`/kb/<slug>`), a
demo page with the widget, and for staff the live conversations (take over, reply, hand back, close) and a
knowledge-base import that takes Markdown, HTML, PDF, text and FAQ CSV files."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import FileResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import select

from rapport.api.assistant import runtime_for
from rapport.api.deps import DbSession
from rapport.assistant import service as conversation_service
from rapport.assistant.knowledge_import import import_files
from rapport.customers.models import Customer
from rapport.errors import Invalid, NotFound
from rapport.knowledge.models import KnowledgeArticle
from rapport.store.engine import session_scope
from rapport.web.kit import HERE, CurrentViewer, PageRoute, is_htmx, redirect, render, templates

router = APIRouter(route_class=PageRoute, include_in_schema=False)
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]
WIDGET = HERE / "static" / "widget"
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Live conversations",
        "none": "No open conversations.",
        "status.bot": "with the assistant",
        "status.waiting": "waiting for a person",
        "status.agent": "with an agent",
        "status.closed": "closed",
        "visitor": "Visitor",
        "last": "Last message",
        "language": "Language",
        "ticket": "Ticket",
        "open": "Open",
        "take_over": "Take over",
        "hand_back": "Hand back to the assistant",
        "close": "Close",
        "reply": "Reply",
        "send": "Send",
        "customer": "Customer",
        "assistant": "Assistant",
        "agent": "Agent",
        "system": "Event",
        "sources": "Sources",
        "abstained": "did not know",
        "import": "Import knowledge files",
        "import_hint": "Markdown, HTML, PDF, plain text, or a FAQ CSV (question and answer columns). A file whose "
        "name matches an article's slug updates it and raises its version; the search index is updated at once.",
        "files": "Files",
        "detect": "Detect",
        "results": "Results",
        "indexed": "{n} article(s) indexed, {p} passage(s) embedded, {r} reused.",
        "verified": "verified",
        "unverified": "not verified",
    },
    "zh": {
        "title": "实时会话",
        "none": "暂无进行中的会话。",
        "status.bot": "智能客服接待中",
        "status.waiting": "等待人工",
        "status.agent": "人工接待中",
        "status.closed": "已关闭",
        "visitor": "访客",
        "last": "最新消息",
        "language": "语言",
        "ticket": "工单",
        "open": "查看",
        "take_over": "接管会话",
        "hand_back": "交还智能客服",
        "close": "关闭",
        "reply": "回复",
        "send": "发送",
        "customer": "客户",
        "assistant": "智能客服",
        "agent": "客服",
        "system": "事件",
        "sources": "来源",
        "abstained": "未能回答",
        "import": "导入知识库文件",
        "import_hint": "支持 Markdown、HTML、PDF、纯文本和 FAQ CSV（问题、答案两列）。"
        "文件名与文章标识相同则更新该文章并提升版本，检索索引随即更新。",
        "files": "文件",
        "detect": "自动识别",
        "results": "导入结果",
        "indexed": "已索引 {n} 篇文章，新嵌入 {p} 个段落，复用 {r} 个。",
        "verified": "已验证",
        "unverified": "未验证",
    },
}


def _tx(lang: str) -> Any:
    catalogue = TEXT.get(lang, TEXT["en"])

    def tx(key: str, **values: Any) -> str:
        text = catalogue.get(key, TEXT["en"].get(key, key))
        return text.format(**values) if values else text

    return tx


# ---- public: the widget, its demo page, and cited articles ---------------------------------------------------------
@router.get("/widget.js")
def widget_script() -> Response:
    """The chat widget: one script tag on any site (see docs/ASSISTANT.md)."""
    return FileResponse(
        WIDGET / "widget.js",
        media_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


@router.get("/widget/demo")
def widget_demo(request: Request) -> Response:
    """A page with the widget on it, as a customer's site would have it."""
    lang = request.query_params.get("lang", "en")
    # "lang" is the staff pages' own (set by the context processor), so the demo's language has its own name.
    context = {
        "demo_lang": lang if lang in ("en", "zh") else "en",
        "token": request.query_params.get("customer_token", ""),
    }
    return templates.TemplateResponse(request, "assistant/demo.html", context)


@router.get("/kb/{slug}")
def public_article(request: Request, slug: Annotated[str, Path(max_length=160)], db: DbSession) -> Response:
    """A published article, readable by anyone: what the assistant's citations link to."""
    article = db.scalar(
        select(KnowledgeArticle).where(
            KnowledgeArticle.slug == slug, KnowledgeArticle.is_published, KnowledgeArticle.deleted_at.is_(None)
        )
    )
    if article is None:
        raise NotFound(f"there is no published article '{slug}'")
    html = Markup(_markdown.render(article.body))
    return templates.TemplateResponse(request, "assistant/article.html", {"article": article, "html": html})


# ---- staff: live conversations --------------------------------------------------------------------------------------
@router.get("/app/assistant")
def conversation_list(request: Request, db: DbSession, viewer: CurrentViewer) -> Response:
    rows = conversation_service.live(db, viewer.principal)
    names = _customer_names(db, [c.customer_id for c in rows if c.customer_id])
    context = {"conversations": rows, "names": names, "tx": _tx(viewer.language)}
    if is_htmx(request):
        return render(request, "assistant/_rows.html", context)
    return render(request, "assistant/list.html", context)


@router.get("/app/assistant/import")
def import_form(request: Request, viewer: CurrentViewer) -> Response:
    if not viewer.can("knowledge", "create"):
        raise Invalid("your role may not import articles")
    return render(request, "assistant/import.html", {"results": None, "report": None, "tx": _tx(viewer.language)})


@router.post("/app/assistant/import")
def import_submit(
    request: Request,
    viewer: CurrentViewer,
    files: Annotated[list[UploadFile], File()],
    language: Annotated[str, Form(max_length=8)] = "auto",
) -> Response:
    if not viewer.can("knowledge", "create"):
        raise Invalid("your role may not import articles")
    if len(files) > 200:
        raise Invalid("import at most 200 files at once")
    runtime = runtime_for(request.app)
    loaded = [(f.filename or "file.txt", f.file.read()) for f in files]
    with session_scope(runtime.sessions) as session:
        results = import_files(
            session, viewer.principal, loaded, language=language if language in ("en", "zh") else None
        )
    report = runtime.index.sync(runtime.sessions)
    runtime.index.refresh(runtime.sessions)
    return render(request, "assistant/import.html", {"results": results, "report": report, "tx": _tx(viewer.language)})


@router.get("/app/assistant/{conversation_id}")
def conversation_page(request: Request, conversation_id: RecordId, db: DbSession, viewer: CurrentViewer) -> Response:
    conversation = conversation_service.get(db, viewer.principal, conversation_id)
    messages = conversation_service.messages(db, conversation)
    names = _customer_names(db, [conversation.customer_id] if conversation.customer_id else [])
    context = {
        "c": conversation,
        "messages": messages,
        "names": names,
        "tx": _tx(viewer.language),
        "may_write": viewer.can("conversations", "update"),
    }
    if is_htmx(request):
        return render(request, "assistant/_messages.html", context)
    return render(request, "assistant/detail.html", context)


@router.post("/app/assistant/{conversation_id}/reply")
def reply(
    request: Request,
    conversation_id: RecordId,
    db: DbSession,
    viewer: CurrentViewer,
    text: Annotated[str, Form(max_length=10_000)],
) -> Response:
    conversation_service.reply(db, viewer.principal, conversation_id, text)
    return redirect(f"/app/assistant/{conversation_id}", request)


@router.post("/app/assistant/{conversation_id}/{action}")
def change(
    request: Request,
    conversation_id: RecordId,
    action: Annotated[str, Path(pattern="^(takeover|handback|close)$")],
    db: DbSession,
    viewer: CurrentViewer,
) -> Response:
    operation = {
        "takeover": conversation_service.take_over,
        "handback": conversation_service.hand_back,
        "close": conversation_service.close,
    }[action]
    operation(db, viewer.principal, conversation_id)
    return redirect(f"/app/assistant/{conversation_id}", request)


def _customer_names(db: Any, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {row[0]: row[1] for row in db.execute(select(Customer.id, Customer.full_name).where(Customer.id.in_(ids)))}
