"""Marketing pages: segments (list, a sentence turned into rules shown for confirmation, rules edited as JSON) and
campaigns (create, copy, preview samples, send, results with each variant's uplift and its confidence interval).

The pages' words live here (`WORDS`, English and Chinese) rather than in the shared catalogue: they belong to this
domain, and its page is the only reader.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from rapport.api.deps import DbSession
from rapport.errors import Forbidden, Invalid
from rapport.kit.clock import utcnow
from rapport.marketing import campaigns, flows, segments, tracking
from rapport.marketing.schemas import (
    CampaignBrief,
    CampaignCreate,
    CampaignResults,
    SegmentCreate,
    SegmentRules,
    SegmentUpdate,
    Variant,
)
from rapport.web.charts import PALETTE, bar_chart
from rapport.web.kit import CurrentViewer, PageRoute, Viewer, redirect, render, validated

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Marketing",
        "segments": "Segments",
        "campaigns": "Campaigns",
        "sentence": "Describe customers in a sentence",
        "sentence_hint": "e.g. customers in Shanghai who spent over 500 and haven't ordered in 60 days",
        "read": "Turn into rules",
        "draft": "Draft rules: check them before saving",
        "members": "members",
        "name": "Name",
        "save": "Save segment",
        "rules": "Rules (JSON)",
        "update_rules": "Save rules",
        "new_campaign": "New campaign",
        "offer": "Offer",
        "offer_zh": "Offer in Chinese",
        "product": "Product (SKU or name)",
        "discount": "Discount %",
        "valid_until": "Valid until",
        "url": "Link",
        "holdout": "Holdout share",
        "variants": "Variants",
        "create": "Create campaign",
        "brief": "Brief",
        "copy_h": "Copy per variant and language",
        "write": "Write copy with the model",
        "write_templates": "Use templates",
        "preview": "Preview: messages as members would get them",
        "send": "Send now",
        "results": "Results",
        "group": "Group",
        "recipients": "Recipients",
        "opened": "Opened",
        "clicked": "Clicked",
        "converted": "Converted",
        "rate": "Conversion rate",
        "uplift": "Uplift vs holdout",
        "ci": "95% CI",
        "revenue": "Revenue per recipient",
        "simulated": "Simulated results on demo data (rapport marketing simulate)",
        "status": "Status",
        "audience": "Audience",
        "eligible": "eligible",
        "excluded": "excluded",
        "checks_ok": "checks passed",
        "none": "Nothing yet.",
        "chart": "Uplift over the holdout with 95% confidence intervals",
    },
    "zh": {
        "title": "营销",
        "segments": "客户分群",
        "campaigns": "营销活动",
        "sentence": "用一句话描述客户",
        "sentence_hint": "例如：上海消费超过500且60天未下单的客户",
        "read": "生成规则",
        "draft": "规则草稿：保存前请确认",
        "members": "位客户",
        "name": "名称",
        "save": "保存分群",
        "rules": "规则（JSON）",
        "update_rules": "保存规则",
        "new_campaign": "新建活动",
        "offer": "优惠",
        "offer_zh": "中文优惠说明",
        "product": "商品（SKU 或名称）",
        "discount": "折扣 %",
        "valid_until": "有效期至",
        "url": "链接",
        "holdout": "对照组比例",
        "variants": "版本",
        "create": "创建活动",
        "brief": "活动简介",
        "copy_h": "各版本与语言的文案",
        "write": "用模型撰写文案",
        "write_templates": "使用模板",
        "preview": "预览：客户将收到的内容",
        "send": "立即发送",
        "results": "效果",
        "group": "分组",
        "recipients": "人数",
        "opened": "打开",
        "clicked": "点击",
        "converted": "转化",
        "rate": "转化率",
        "uplift": "相对对照组的提升",
        "ci": "95% 置信区间",
        "revenue": "人均收入",
        "simulated": "演示数据的模拟结果（rapport marketing simulate）",
        "status": "状态",
        "audience": "受众",
        "eligible": "可触达",
        "excluded": "已排除",
        "checks_ok": "检查通过",
        "none": "暂无。",
        "chart": "相对对照组的提升及 95% 置信区间",
    },
}


def _words(viewer: Viewer) -> dict[str, str]:
    return WORDS.get(viewer.language, WORDS["en"])


def _require(viewer: Viewer, entity: str, action: str = "read") -> None:
    if not viewer.can(entity, action):
        raise Forbidden(f"your role may not {action} {entity}")


@router.get("/marketing")
def marketing_home(request: Request, db: DbSession, viewer: CurrentViewer) -> Response:
    _require(viewer, "campaigns")
    context = {
        "w": _words(viewer),
        "segments": segments.list_segments(db, viewer.principal),
        "campaigns": campaigns.list_campaigns(db, viewer.principal),
        "may_write": viewer.can("campaigns", "create"),
    }
    return render(request, "marketing/index.html", context)


@router.post("/marketing/segments/draft")
def segment_draft(
    request: Request, db: DbSession, viewer: CurrentViewer, sentence: Annotated[str, Form(max_length=1000)]
) -> Response:
    """The sentence read into rules, shown with the member count; saving is a second, explicit step."""
    _require(viewer, "segments", "create")
    if len(sentence.strip()) < 3:
        raise Invalid("write a sentence describing the customers")
    draft = segments.from_sentence(db, viewer.principal, request.app.state.gateway, sentence)
    context = {
        "w": _words(viewer),
        "draft": draft,
        "rules_json": draft.rules.model_dump_json(indent=1),
        "name": sentence.strip()[:120],
    }
    return render(request, "marketing/draft.html", context)


@router.post("/marketing/segments")
def segment_save(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    name: Annotated[str, Form(max_length=120)],
    rules: Annotated[str, Form(max_length=20000)],
    sentence: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    parsed = _parse_rules(rules)
    data = validated(SegmentCreate, {"name": name, "rules": parsed.model_dump(), "sentence": sentence or None})
    segment = segments.create(db, viewer.principal, data)  # type: ignore[arg-type]
    return redirect(f"/app/marketing/segments/{segment.id}", request)


def _parse_rules(raw: str) -> SegmentRules:
    try:
        return SegmentRules.model_validate_json(raw)
    except ValueError as error:
        raise Invalid(f"the rules are not valid: {str(error).splitlines()[0]}") from None


@router.get("/marketing/segments/{segment_id}")
def segment_page(request: Request, segment_id: RecordId, db: DbSession, viewer: CurrentViewer) -> Response:
    segment = segments.get(db, viewer.principal, segment_id)
    rules = segments.rules_of(segment)
    context = {
        "w": _words(viewer),
        "segment": segment,
        "rules_json": rules.model_dump_json(indent=1),
        "explained": [segments.explain(c) for c in rules.conditions],
        "preview": segments.preview(db, viewer.principal, rules, sample=10),
        "may_write": viewer.can("segments", "update"),
        "today": utcnow().date().isoformat(),
    }
    return render(request, "marketing/segment.html", context)


@router.post("/marketing/segments/{segment_id}")
def segment_update(
    request: Request,
    segment_id: RecordId,
    db: DbSession,
    viewer: CurrentViewer,
    rules: Annotated[str, Form(max_length=20000)],
) -> Response:
    segments.update(db, viewer.principal, segment_id, SegmentUpdate(rules=_parse_rules(rules)))
    return redirect(f"/app/marketing/segments/{segment_id}", request)


@router.post("/marketing/campaigns")
def campaign_create(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    segment_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
    name: Annotated[str, Form(max_length=160)],
    offer: Annotated[str, Form(max_length=500)],
    offer_zh: Annotated[str, Form(max_length=500)] = "",
    product: Annotated[str, Form(max_length=200)] = "",
    discount: Annotated[str, Form(max_length=10)] = "",
    valid_until: Annotated[str, Form(max_length=10)] = "",
    url: Annotated[str, Form(max_length=500)] = "https://shop.example.com/",
    holdout: Annotated[str, Form(max_length=10)] = "0.1",
    variants: Annotated[str, Form(max_length=60)] = "A,B",
) -> Response:
    brief = validated(
        CampaignBrief,
        {
            "offer": offer,
            "offer_zh": offer_zh or None,
            "product": product or None,
            "discount_pct": discount or None,
            "valid_until": valid_until or None,
            "url": url,
        },
    )
    keys = [k.strip() for k in variants.split(",") if k.strip()]
    data = validated(
        CampaignCreate,
        {
            "name": name,
            "segment_id": segment_id,
            "brief": brief.model_dump(),
            "variants": [Variant(key=k).model_dump() for k in keys] if keys else None,
            "holdout_share": holdout or 0.1,
        },
    )
    campaign = campaigns.create(db, viewer.principal, data, request.app.state.settings)  # type: ignore[arg-type]
    return redirect(f"/app/marketing/campaigns/{campaign.id}", request)


@router.get("/marketing/campaigns/{campaign_id}")
def campaign_page(request: Request, campaign_id: RecordId, db: DbSession, viewer: CurrentViewer) -> Response:
    settings = request.app.state.settings
    campaign = campaigns.get(db, viewer.principal, campaign_id)
    words = _words(viewer)
    found = tracking.results(db, viewer.principal, campaign_id) if campaign.status == "sent" else None
    preview = None
    if campaign.status != "sent" and viewer.can("campaigns", "update"):
        preview = campaigns.preview(db, viewer.principal, campaign_id, settings, sample=4)
    context = {
        "w": words,
        "campaign": campaign,
        "segment": segments.get(db, viewer.principal, campaign.segment_id),
        "messages": campaigns.messages_of(db, campaign),
        "preview": preview,
        "results": found,
        "uplift_chart": uplift_chart(found, label=words["chart"]) if found else None,
        "rate_chart": _rate_chart(found, words["rate"]) if found else None,
        "may_send": viewer.can("campaigns", "update") and campaign.status in {"draft", "scheduled"},
        "brief_json": json.dumps(campaign.brief, ensure_ascii=False, indent=1),
    }
    return render(request, "marketing/campaign.html", context)


@router.post("/marketing/campaigns/{campaign_id}/messages")
def campaign_messages(
    request: Request,
    campaign_id: RecordId,
    db: DbSession,
    viewer: CurrentViewer,
    use_model: Annotated[str, Form(max_length=5)] = "true",
) -> Response:
    model = use_model == "true"
    flows.write_copy(
        request.app.state.sessionmaker,
        viewer.principal,
        request.app.state.gateway if model else None,
        campaign_id,
        request.app.state.settings,
        use_model=model,
    )
    return redirect(f"/app/marketing/campaigns/{campaign_id}", request)


@router.post("/marketing/campaigns/{campaign_id}/send")
def campaign_send(request: Request, campaign_id: RecordId, db: DbSession, viewer: CurrentViewer) -> Response:
    from rapport.api.automation import get_queue  # the app's queue (built on first use)
    from rapport.jobs import deferred

    outcome = campaigns.send(db, viewer.principal, campaign_id, request.app.state.settings)
    queue = get_queue(request)
    for outbox_id in outcome.outbox_ids:
        deferred.enqueue_after_commit(db, queue, "mail.send", outbox_id=outbox_id)
    return redirect(f"/app/marketing/campaigns/{campaign_id}", request)


# ---- charts ---------------------------------------------------------------------------------------------------------
def _rate_chart(found: CampaignResults, label: str) -> Markup:
    points = [(g.group, round(g.conversion_rate * 100, 2)) for g in found.groups]
    return bar_chart(points, label=label, fmt=lambda v: f"{float(v):.1f}%", label_w=90)


def uplift_chart(found: CampaignResults, *, label: str, width: int = 640) -> Markup:
    """Each variant's uplift (a dot) and its 95% interval (a line) on one axis through zero."""
    rows = [g for g in found.groups if g.uplift is not None]
    if not rows:
        return Markup("")
    row_h, left, right, top = 34, 90, 20, 24
    height = top + row_h * len(rows) + 10
    lows = [g.uplift_low or 0.0 for g in rows] + [0.0]
    highs = [g.uplift_high or 0.0 for g in rows] + [0.0]
    span_low, span_high = min(lows) - 0.01, max(highs) + 0.01
    plot = width - left - right

    def x(value: float) -> float:
        return left + plot * (value - span_low) / (span_high - span_low)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>",
        f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="4" y2="{height - 4}" class="grid" stroke="#999"/>',
        f'<text x="{x(0) + 4:.1f}" y="14" class="tick">0</text>',
    ]
    for i, g in enumerate(rows):
        y = top + i * row_h + row_h / 2
        color = PALETTE[i % len(PALETTE)]
        lo, hi, mid = g.uplift_low or 0.0, g.uplift_high or 0.0, g.uplift or 0.0
        text = f"{g.group}: {mid:+.1%} ({lo:+.1%} … {hi:+.1%})"
        parts.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" class="name">{escape(g.group)}</text>'
            f'<line x1="{x(lo):.1f}" x2="{x(hi):.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{color}" stroke-width="4">'
            f"<title>{escape(text)}</title></line>"
            f'<circle cx="{x(mid):.1f}" cy="{y:.1f}" r="6" fill="{color}"><title>{escape(text)}</title></circle>'
            f'<text x="{x(hi) + 6:.1f}" y="{y + 4:.1f}" class="value">{escape(f"{mid:+.1%}")}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
