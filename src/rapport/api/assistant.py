"""The assistant over HTTP: the chat widget's public endpoints (streamed answers as server-sent events), staff
endpoints for live conversations, knowledge-base import, reindex and search, and agent-assist drafts for tickets.

Widget endpoints need no staff login: a conversation is reached with its own secret (`X-Conversation-Token`), and a
customer is identified only by a signed widget token or by email plus order number. They answer CORS requests from
the sites in `assistant.widget_origins` and are rate limited per client address.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, File, Form, Header, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute

from rapport.ai.rag import Mode
from rapport.api.deps import CurrentPrincipal, DbSession, client_ip
from rapport.api.errors import error_body
from rapport.assistant import flows, widget_tokens
from rapport.assistant import service as conversation_service
from rapport.assistant.assist import draft_reply
from rapport.assistant.index import KnowledgeIndex, SyncReport
from rapport.assistant.knowledge_import import import_files
from rapport.assistant.schemas import (
    AgentReply,
    AskRequest,
    ConversationDetail,
    ConversationRead,
    ImportOutcomeRead,
    ImportResult,
    MessageRead,
    SearchHit,
    SyncReportRead,
    WidgetHandoff,
    WidgetMessage,
    WidgetStart,
    WidgetStarted,
    WidgetTokenRequest,
    WidgetVerify,
)
from rapport.customers.models import Customer
from rapport.errors import Busy, Forbidden, Invalid, RapportError
from rapport.privacy.access import Action, Role, require
from rapport.store.engine import session_scope

RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]
ConversationToken = Annotated[str, Header(alias="X-Conversation-Token", max_length=200)]
GREETING = {
    "en": "Hi! I'm the {company} assistant. Ask me about orders, delivery, returns or our products.",
    "zh": "您好！我是{company}的智能客服，可以帮您查询订单、物流、退换货和商品问题。",
}
_runtime_lock = threading.Lock()


# ---- the process's assistant ----------------------------------------------------------------------------------------
def runtime_for(app: FastAPI) -> flows.AssistantRuntime:
    """The assistant of this app, built on first use (embedder and model load lazily after that)."""
    runtime = getattr(app.state, "assistant", None)
    if runtime is None:
        with _runtime_lock:
            runtime = getattr(app.state, "assistant", None)
            if runtime is None:
                runtime = flows.build_runtime(app.state.settings, app.state.sessionmaker, app.state.gateway)
                app.state.assistant = runtime
    assert isinstance(runtime, flows.AssistantRuntime)
    return runtime


def secret_for(request: Request) -> bytes:
    runtime = runtime_for(request.app)
    return widget_tokens.secret_from(runtime.settings.widget_secret, request.app.state.settings.data_dir)


# ---- rate limits ----------------------------------------------------------------------------------------------------
class _Window:
    """At most `limit` events per `seconds` per key, in memory (one process; enough to stop a runaway widget)."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.events: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def hit(self, key: str) -> None:
        now = time.monotonic()
        with self.lock:
            events = self.events[key]
            while events and now - events[0] > self.seconds:
                events.popleft()
            if len(events) >= self.limit:
                raise Busy(
                    "too many messages; wait a moment", retry_after_s=max(1, int(self.seconds - (now - events[0])))
                )
            events.append(now)
            if len(self.events) > 10_000:
                self.events.pop(next(iter(self.events)))


_new_conversations = _Window(20, 60)
_messages = _Window(30, 60)


# ---- CORS for the widget --------------------------------------------------------------------------------------------
def _allowed_origin(request: Request) -> str | None:
    origin = request.headers.get("origin")
    if not origin:
        return None
    allowed = runtime_for(request.app).settings.widget_origins
    if "*" in allowed:
        return "*"
    return origin if origin in allowed else None


class WidgetRoute(APIRoute):
    """Widget endpoints: CORS headers on every answer (errors included) and answers to preflight requests."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_cors(request: Request) -> Response:
            try:
                response = await handler(request)
            except RapportError as exc:
                headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, Busy) else None
                response = JSONResponse(
                    error_body(request, exc.code, exc.message, exc.details), exc.status_code, headers=headers
                )
            origin = _allowed_origin(request)
            if origin:
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Vary"] = "Origin"
            return response

        return with_cors


router = APIRouter(tags=["assistant"])
widget = APIRouter(prefix="/assistant/widget", tags=["assistant widget"], route_class=WidgetRoute)


@widget.options("/{path:path}", include_in_schema=False)
def widget_preflight(request: Request, path: str) -> Response:
    origin = _allowed_origin(request)
    headers = {
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, X-Conversation-Token",
        "Access-Control-Max-Age": "600",
    }
    if origin:
        headers["Access-Control-Allow-Origin"] = origin
    return Response(status_code=204 if origin else 403, headers=headers)


@widget.post("/conversations", status_code=201)
def start_conversation(body: WidgetStart, request: Request, db: DbSession) -> WidgetStarted:
    """Open a conversation; with `customer_token` (signed by the site's server) the customer is identified."""
    _new_conversations.hit(client_ip(request) or "?")
    runtime = runtime_for(request.app)
    customer_id = None
    if body.customer_token:
        customer_id = widget_tokens.verify(secret_for(request), body.customer_token)
        customer = db.get(Customer, customer_id)
        if customer is None or customer.deleted_at is not None:
            raise Invalid("the widget token names a customer that does not exist")
        language = customer.language[:2] if body.language == "auto" else body.language
    else:
        language = _browser_language(request) if body.language == "auto" else body.language
    conversation, token = conversation_service.start(
        db,
        language=language,
        page_url=body.page_url,
        customer_id=customer_id,
        identified_by="widget_token" if customer_id else None,
    )
    greeting = GREETING.get(conversation.language, GREETING["en"]).format(company=runtime.settings.company_name)
    conversation_service.add_message(db, conversation, "assistant", greeting)
    return WidgetStarted(
        token=token,
        conversation_id=conversation.id,
        language=conversation.language,
        status=conversation.status,
        is_identified=conversation.is_verified,
        greeting=greeting,
    )


@widget.post("/messages", response_model=None)
def send_message(
    body: WidgetMessage, request: Request, token: ConversationToken, stream: bool = True
) -> StreamingResponse | dict[str, Any]:
    """Answer a message. Server-sent events: `delta` {text} as the answer is written, then `answer` with the final
    text, citations, and whether the assistant abstained, handed off or needs the customer to verify. With
    `stream=false`, only the final answer, as JSON."""
    _messages.hit(client_ip(request) or "?")
    events = flows.reply(runtime_for(request.app), token, body.text)
    first = next(events)  # reads and stores the message: a bad token or text fails here, as a 4xx
    if not stream:
        final = first
        for event in events:
            final = event
        return final.data
    return StreamingResponse(
        _sse(first, events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _sse(first: flows.Event, rest: Iterator[flows.Event]) -> Iterator[str]:
    yield _event(first)
    try:
        for event in rest:
            yield _event(event)
    except RapportError as exc:
        yield _event(flows.Event("error", {"code": exc.code, "message": exc.message}))


def _event(event: flows.Event) -> str:
    return f"event: {event.name}\ndata: {json.dumps(event.data, ensure_ascii=False, default=str)}\n\n"


@widget.get("/messages")
def poll_messages(
    request: Request, db: DbSession, token: ConversationToken, after: Annotated[int, Query(ge=0)] = 0
) -> dict[str, Any]:
    """Messages after `after` (agent replies once a person has taken over), and the conversation's status."""
    conversation = conversation_service.by_token(db, token)
    found = conversation_service.messages(db, conversation, after_id=after)
    return {
        "status": conversation.status,
        "is_identified": conversation.is_verified,
        "messages": [_widget_message(m) for m in found if m.role != "customer" or after == 0],
    }


@widget.post("/verify")
def verify_customer(body: WidgetVerify, request: Request, db: DbSession, token: ConversationToken) -> dict[str, Any]:
    """Identify the visitor by the email on their account and one of their order numbers."""
    conversation = conversation_service.by_token(db, token, for_update=True)
    try:
        conversation_service.verify(db, conversation, email=body.email, order_number=body.order_number)
    except Invalid:
        db.commit()  # keep the failed attempt counted
        raise
    return {"is_identified": True}


@widget.post("/handoff")
def widget_handoff(body: WidgetHandoff, request: Request, token: ConversationToken) -> dict[str, Any]:
    """Talk to a person: opens a ticket in the queue; an unidentified visitor is asked for an email first."""
    return flows.request_handoff(runtime_for(request.app), token, reason="requested", email=body.email, name=body.name)


def _widget_message(message: Any) -> dict[str, Any]:
    body = message.body
    if message.role == "system":
        body = _system_text(body)
    return {
        "id": message.id,
        "role": message.role,
        "text": body,
        "citations": message.citations,
        "created_at": message.created_at.isoformat(),
    }


def _system_text(code: str) -> str:
    return {
        "agent_joined": "A person from our team has joined the conversation.",
        "assistant_back": "You are chatting with the assistant again.",
        "closed": "This conversation was closed. Write again to reopen it.",
    }.get(code, "")


def _browser_language(request: Request) -> str:
    return "zh" if request.headers.get("accept-language", "").lower().startswith("zh") else "en"


# ---- staff: live conversations --------------------------------------------------------------------------------------
@router.get("/assistant/conversations")
def list_conversations(db: DbSession, principal: CurrentPrincipal) -> list[ConversationRead]:
    """Open widget conversations, those waiting for a person first."""
    return [ConversationRead.model_validate(c) for c in conversation_service.live(db, principal)]


@router.get("/assistant/conversations/{conversation_id}")
def get_conversation(conversation_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> ConversationDetail:
    conversation = conversation_service.get(db, principal, conversation_id)
    messages = [MessageRead.model_validate(m) for m in conversation_service.messages(db, conversation)]
    return ConversationDetail.model_validate(
        {**ConversationRead.model_validate(conversation).model_dump(), "messages": messages}
    )


@router.post("/assistant/conversations/{conversation_id}/takeover")
def take_over(conversation_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> ConversationRead:
    """A person takes the conversation from the assistant; the customer's messages now wait for them."""
    return ConversationRead.model_validate(conversation_service.take_over(db, principal, conversation_id))


@router.post("/assistant/conversations/{conversation_id}/handback")
def hand_back(conversation_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> ConversationRead:
    return ConversationRead.model_validate(conversation_service.hand_back(db, principal, conversation_id))


@router.post("/assistant/conversations/{conversation_id}/close")
def close_conversation(conversation_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> ConversationRead:
    return ConversationRead.model_validate(conversation_service.close(db, principal, conversation_id))


@router.post("/assistant/conversations/{conversation_id}/reply", status_code=201)
def reply(conversation_id: RecordId, body: AgentReply, db: DbSession, principal: CurrentPrincipal) -> MessageRead:
    """Write to the customer as a person (takes the conversation over); copied to its ticket, if any."""
    return MessageRead.model_validate(conversation_service.reply(db, principal, conversation_id, body.text))


# ---- staff: knowledge base -------------------------------------------------------------------------------------------
@router.post("/assistant/kb/import", status_code=201)
def import_knowledge(
    request: Request,
    principal: CurrentPrincipal,
    files: Annotated[list[UploadFile], File(description="Markdown, HTML, PDF, text or FAQ CSV files")],
    language: Annotated[str | None, Form(pattern=r"^(en|zh)$")] = None,
    category: Annotated[str | None, Form(max_length=100)] = None,
) -> ImportResult:
    """Import files as articles (a file whose slug exists updates that article), then index what changed."""
    if len(files) > 200:
        raise Invalid("import at most 200 files at once")
    require(principal, "knowledge", Action.create)
    runtime = runtime_for(request.app)
    loaded = [(f.filename or "file.txt", f.file.read()) for f in files]
    with session_scope(runtime.sessions) as session:
        outcomes = import_files(session, principal, loaded, language=language, category=category)
    report = _reindex(runtime)
    return ImportResult(
        files=[ImportOutcomeRead.model_validate(o) for o in outcomes], index=SyncReportRead.model_validate(report)
    )


@router.post("/assistant/kb/reindex")
def reindex(request: Request, principal: CurrentPrincipal) -> SyncReportRead:
    """Bring the search index in line with the articles now (questions also do this every few seconds)."""
    require(principal, "knowledge", Action.update)
    return SyncReportRead.model_validate(_reindex(runtime_for(request.app)))


def _reindex(runtime: flows.AssistantRuntime) -> SyncReport:
    report = runtime.index.sync(runtime.sessions)
    runtime.index.refresh(runtime.sessions)
    return report


@router.get("/assistant/kb/search")
def search_knowledge(
    request: Request,
    principal: CurrentPrincipal,
    q: Annotated[str, Query(min_length=1, max_length=1000)],
    language: Annotated[str | None, Query(pattern=r"^(en|zh)$")] = None,
    mode: Mode = "hybrid",
    k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> list[SearchHit]:
    """The passages the assistant would read for `q`, with their BM25 score and cosine similarity."""
    require(principal, "knowledge", Action.read)
    runtime = runtime_for(request.app)
    runtime.index.ensure_fresh(runtime.sessions)
    hits = runtime.index.search(q, k=k, language=language, mode=mode)
    out = []
    for hit in hits:
        source = KnowledgeIndex.source(hit)
        out.append(
            SearchHit(
                chunk_id=source.chunk_id,
                article_id=source.article_id,
                slug=source.slug,
                title=source.title,
                heading=source.heading,
                text=source.text,
                language=source.language,
                score=hit.score,
                bm25=hit.bm25,
                similarity=hit.similarity,
            )
        )
    return out


@router.post("/assistant/ask")
def ask(body: AskRequest, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    """What the assistant would answer, from the knowledge base only (no conversation, no customer records)."""
    require(principal, "knowledge", Action.read)
    answer = flows.ask(runtime_for(request.app), body.question, language=body.language)
    return {
        "text": answer.text,
        "citations": [c.as_dict() for c in answer.citations],
        "abstained": answer.is_abstained,
        "generated": answer.is_generated,
        "confidence": round(answer.confidence, 3),
    }


@router.post("/assistant/widget-tokens", status_code=201)
def make_widget_token(
    body: WidgetTokenRequest, request: Request, db: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """A signed widget token for a customer (admins; a site's server normally signs its own with the same key)."""
    if principal.role != Role.admin:
        raise Forbidden("only admins may issue widget tokens")
    if db.get(Customer, body.customer_id) is None:
        raise Invalid(f"customer {body.customer_id} not found")
    token = widget_tokens.sign(secret_for(request), body.customer_id, ttl_s=body.ttl_s)
    return {"token": token, "expires_in_s": body.ttl_s}


# ---- agent assist ---------------------------------------------------------------------------------------------------
@router.post("/tickets/{ticket_id}/draft", tags=["tickets"])
def draft_ticket_reply(ticket_id: RecordId, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    """A reply drafted from the knowledge base and the customer's records, with its sources; nothing is sent."""
    return draft_reply(runtime_for(request.app), principal, ticket_id).as_dict()


router.include_router(widget)
