"""Feedback pages: the pain-point page (top pain points with customers affected, revenue at risk, segments, a weekly
trend per topic, every number a link to what is behind it), a topic's messages, its affected customers, rename and
merge forms, and the report as a downloadable HTML file.

The pages' words live here (`WORDS`, English and Chinese), as in web/marketing.py: this domain's pages are their
only reader.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response

from rapport.api.deps import DbSession
from rapport.errors import Invalid
from rapport.feedback import painpoints
from rapport.feedback import service as feedback_service
from rapport.feedback.schemas import TopicMerge, TopicRename
from rapport.web.charts import PALETTE, column_chart
from rapport.web.kit import CurrentViewer, PageRoute, Viewer, redirect, render, validated

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Feedback",
        "pain_points": "Top pain points",
        "topic": "Topic",
        "negative": "Negative messages",
        "messages": "Messages",
        "customers": "Customers affected",
        "revenue": "Revenue at risk",
        "segments": "Segments most affected",
        "examples": "Examples",
        "trend": "Messages per week",
        "all_topics": "All topics",
        "size": "Size",
        "sentiment": "Mean sentiment",
        "negative_share": "Negative",
        "keywords": "Keywords",
        "rename": "Rename",
        "name": "Name",
        "description": "Description",
        "merge": "Merge into this topic",
        "merge_ids": "Topic ids to fold in (comma separated)",
        "download": "Download the report (HTML)",
        "none": "No analysis yet: run `rapport feedback run`.",
        "hidden": "messages of customers outside your reach are counted but not listed",
        "hidden_customers": "customers outside your reach are counted but not listed",
        "aspects": "Aspects mentioned",
        "aspect": "Aspect",
        "positive": "Positive",
        "neutral": "Neutral",
        "customer": "Customer",
        "churn": "Churn risk",
        "clv": "Lifetime value",
        "at_risk": "At risk",
        "segment": "Segment",
        "when": "When",
        "text": "Message",
        "filter": "Showing",
        "all": "all",
        "no_text": "(your role may not read message texts)",
        "generated": "Generated",
        "run": "analysis run",
        "lift": "× the base rate",
        "revenue_def": "Σ churn risk × lifetime value of the customers affected (latest analytics run)",
    },
    "zh": {
        "title": "客户反馈",
        "pain_points": "主要痛点",
        "topic": "话题",
        "negative": "负面消息",
        "messages": "消息",
        "customers": "受影响客户",
        "revenue": "风险收入",
        "segments": "受影响最多的分群",
        "examples": "示例",
        "trend": "每周消息数",
        "all_topics": "全部话题",
        "size": "数量",
        "sentiment": "平均情感",
        "negative_share": "负面占比",
        "keywords": "关键词",
        "rename": "重命名",
        "name": "名称",
        "description": "描述",
        "merge": "合并到此话题",
        "merge_ids": "要并入的话题编号（逗号分隔）",
        "download": "下载报告（HTML）",
        "none": "尚未分析：请运行 `rapport feedback run`。",
        "hidden": "条消息属于您无权查看的客户，仅计数不显示",
        "hidden_customers": "位客户不在您的权限范围内，仅计数不显示",
        "aspects": "提及的方面",
        "aspect": "方面",
        "positive": "正面",
        "neutral": "中性",
        "customer": "客户",
        "churn": "流失风险",
        "clv": "客户终身价值",
        "at_risk": "风险金额",
        "segment": "分群",
        "when": "时间",
        "text": "消息",
        "filter": "当前筛选",
        "all": "全部",
        "no_text": "（您的角色无权查看消息内容）",
        "generated": "生成时间",
        "run": "分析批次",
        "lift": "倍于总体占比",
        "revenue_def": "受影响客户的流失风险 × 终身价值之和（最近一次分析）",
    },
}


def _words(viewer: Viewer) -> dict[str, str]:
    return WORDS.get(viewer.language, WORDS["en"])


def _page_data(request: Request, db: Any, viewer: Viewer) -> dict[str, Any]:
    found = painpoints.report(db, viewer.principal, limit=10)
    words = _words(viewer)
    series = feedback_service.trend(db, viewer.principal, [p.topic.id for p in found.pain_points], weeks=26)
    charts = {
        s.topic_id: column_chart(
            [(f"{p.week:%m-%d}", p.volume) for p in s.weeks],
            label=f"{s.name}: {words['trend']}",
            color=PALETTE[i % len(PALETTE)],
            height=140,
        )
        for i, s in enumerate(series)
    }
    return {
        "w": words,
        "report": found,
        "charts": charts,
        "topics": feedback_service.list_topics(db, viewer.principal),
        "may_write": viewer.can("feedback", "update"),
    }


@router.get("/feedback")
def feedback_home(request: Request, db: DbSession, viewer: CurrentViewer) -> Response:
    return render(request, "feedback/index.html", _page_data(request, db, viewer))


@router.get("/feedback/report.html")
def feedback_download(request: Request, db: DbSession, viewer: CurrentViewer) -> Response:
    """The same report as one self-contained file (inline SVG charts, no scripts)."""
    response = render(request, "feedback/report.html", _page_data(request, db, viewer))
    response.headers["Content-Disposition"] = 'attachment; filename="pain-points.html"'
    return response


@router.get("/feedback/topics/{topic_id}")
def topic_page(
    request: Request,
    topic_id: RecordId,
    db: DbSession,
    viewer: CurrentViewer,
    sentiment: Annotated[str | None, Query(pattern="^(negative|neutral|positive)$")] = None,
    segment: Annotated[str | None, Query(max_length=40)] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Response:
    customers = painpoints.segment_customer_ids(db, topic_id, segment) if segment else None
    detail = feedback_service.topic_detail(
        db, viewer.principal, topic_id, sentiment=sentiment, customer_ids=customers, limit=50, offset=offset
    )
    words = _words(viewer)
    series = feedback_service.trend(db, viewer.principal, [topic_id], weeks=52)[0]
    context = {
        "w": words,
        "detail": detail,
        "topic": detail.topic,
        "sentiment": sentiment,
        "segment": segment,
        "offset": offset,
        "chart": column_chart([(f"{p.week:%m-%d}", p.volume) for p in series.weeks], label=words["trend"], height=160),
        "may_write": viewer.can("feedback", "update"),
        "may_read_text": viewer.can("interactions"),
    }
    return render(request, "feedback/topic.html", context)


@router.get("/feedback/topics/{topic_id}/customers")
def topic_customers(
    request: Request,
    topic_id: RecordId,
    db: DbSession,
    viewer: CurrentViewer,
    segment: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    topic = feedback_service.get_topic(db, viewer.principal, topic_id)
    customers, hidden = painpoints.affected_customers(db, viewer.principal, topic_id, segment=segment)
    context = {"w": _words(viewer), "topic": topic, "customers": customers, "hidden": hidden, "segment": segment}
    return render(request, "feedback/customers.html", context)


@router.post("/feedback/topics/{topic_id}/rename")
def topic_rename(
    request: Request,
    topic_id: RecordId,
    db: DbSession,
    viewer: CurrentViewer,
    name: Annotated[str, Form(max_length=160)],
    description: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    data = validated(TopicRename, {"name": name, "description": description or None})
    feedback_service.rename(db, viewer.principal, topic_id, data)  # type: ignore[arg-type]
    return redirect(f"/app/feedback/topics/{topic_id}", request)


@router.post("/feedback/topics/{topic_id}/merge")
def topic_merge(
    request: Request,
    topic_id: RecordId,
    db: DbSession,
    viewer: CurrentViewer,
    drop_ids: Annotated[str, Form(max_length=500)],
) -> Response:
    try:
        ids = [int(part) for part in drop_ids.replace(" ", "").split(",") if part]
    except ValueError:
        raise Invalid("write topic ids as numbers separated by commas") from None
    if any(not 1 <= i <= 2**63 - 1 for i in ids):
        raise Invalid("topic ids are positive numbers")
    data = validated(TopicMerge, {"drop_ids": ids})
    feedback_service.merge(db, viewer.principal, topic_id, data)  # type: ignore[arg-type]
    return redirect(f"/app/feedback/topics/{topic_id}", request)
