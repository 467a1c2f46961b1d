"""The Ask page: a question box answering with a table, a chart when one helps, a summary and the query it ran;
a follow-up box that keeps the conversation; buttons that save the answer as a report or a segment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response

from rapport.api.deps import DbSession
from rapport.ask import service as ask_service
from rapport.ask.schemas import AnswerRead
from rapport.errors import Invalid
from rapport.web import charts
from rapport.web.kit import CurrentViewer, PageRoute, redirect, render

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Ask Rapport",
        "hint": "Ask about customers, orders, products, tickets, reviews or deals, in English or Chinese. "
        "You see only what your role may see.",
        "question": "Question",
        "follow_up": "Follow-up question",
        "ask": "Ask",
        "new": "New question",
        "summary": "Summary",
        "query": "The query it ran",
        "plan": "Plan",
        "refused": "Cannot answer",
        "save_report": "Save as report",
        "save_segment": "Save as segment",
        "name": "Name",
        "saved": "Saved answers",
        "report": "report",
        "segment": "segment",
        "none_saved": "Nothing saved yet.",
        "rows": "rows",
        "earlier": "Earlier in this conversation",
        "examples": "Try: “Revenue by sales channel this year” · “按渠道统计平均工单处理时长” · "
        "“Which customers in Shanghai spent over $1,000 last quarter but haven't ordered in 60 days?”",
    },
    "zh": {
        "title": "问数",
        "hint": "用中文或英文询问客户、订单、商品、工单、评价或商机的数据。只能看到您的角色有权查看的数据。",
        "question": "问题",
        "follow_up": "追问",
        "ask": "提问",
        "new": "新问题",
        "summary": "结论",
        "query": "执行的查询",
        "plan": "查询计划",
        "refused": "无法回答",
        "save_report": "保存为报表",
        "save_segment": "保存为客户分群",
        "name": "名称",
        "saved": "已保存",
        "report": "报表",
        "segment": "分群",
        "none_saved": "暂无保存的内容。",
        "rows": "行",
        "earlier": "本次对话中的提问",
        "examples": "例如：“今年各销售渠道的销售额” · “按渠道统计平均工单处理时长” · "
        "“上季度消费超过1000美元但60天没下单的上海客户”",
    },
}


def _chart(answer: AnswerRead) -> Any:
    if answer.chart is None:
        return None
    points = [(str(label), value) for label, value in answer.chart["points"]]
    label = f"{answer.chart['y']} / {answer.chart['x']}"
    if answer.chart["type"] == "line":
        return charts.column_chart(points, label=label)
    return charts.bar_chart(points, label=label)


def _page(
    request: Request, db: DbSession, viewer: CurrentViewer, *, answer: AnswerRead | None, conversation_id: int | None
) -> Response:
    principal = viewer.principal
    turns = []
    if conversation_id is not None:
        conversation = ask_service.get_conversation(db, principal, conversation_id)
        turns = ask_service.turns_of(db, conversation)
    context = {
        "tx": TEXT.get(viewer.language, TEXT["en"]),
        "answer": answer,
        "chart": _chart(answer) if answer else None,
        "conversation_id": conversation_id,
        "turns": turns,
        "saved": ask_service.list_saved(db, principal),
    }
    return render(request, "ask/index.html", context)


@router.get("/ask")
def ask_page(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    c: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> Response:
    return _page(request, db, viewer, answer=None, conversation_id=c)


@router.post("/ask")
def ask_question(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    question: Annotated[str, Form(max_length=2000)] = "",
    conversation_id: Annotated[int | None, Form(ge=1, le=2**63 - 1)] = None,
) -> Response:
    answer = ask_service.ask(
        db,
        viewer.principal,
        question,
        gateway=request.app.state.gateway,
        conversation_id=conversation_id,
        end_reads=db.commit,
    )
    read = AnswerRead.of(answer)
    return _page(request, db, viewer, answer=read, conversation_id=read.conversation_id)


@router.post("/ask/save")
def save_answer(
    db: DbSession,
    viewer: CurrentViewer,
    turn_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
    kind: Annotated[str, Form(max_length=10)] = "report",
    name: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    if not name.strip():
        raise Invalid("give the saved answer a name")
    saved = ask_service.save(db, viewer.principal, turn_id=turn_id, kind=kind, name=name)
    return redirect(f"/app/ask/saved/{saved.id}")


@router.get("/ask/saved/{saved_id}")
def saved_answer(request: Request, db: DbSession, viewer: CurrentViewer, saved_id: RecordId) -> Response:
    answer = AnswerRead.of(ask_service.open_saved(db, viewer.principal, saved_id))
    return _page(request, db, viewer, answer=answer, conversation_id=None)
