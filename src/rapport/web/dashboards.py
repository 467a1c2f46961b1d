"""Dashboards: KPIs, orders and revenue per month, tickets by intent and status, with slots later issues fill."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from rapport.api.deps import DbSession
from rapport.errors import Forbidden
from rapport.web import charts, i18n, metrics
from rapport.web.kit import CurrentViewer, PageRoute, render

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)

# Panels that later issues fill (segments, cohorts, churn, pain points): shown as marked, empty slots until then.
SLOTS = ("segments", "cohorts", "churn", "pain_points")


@router.get("/dashboards")
def dashboards(request: Request, db: DbSession, viewer: CurrentViewer) -> Response:
    if not (viewer.can("orders") or viewer.can("tickets")):
        raise Forbidden("your role has no dashboards")
    t = i18n.translator(viewer.language)
    principal = viewer.principal
    months = metrics.orders_by_month(db, principal, months=24)
    by_intent = metrics.tickets_by(db, principal, "intent")
    by_status = metrics.tickets_by(db, principal, "status")
    context: dict[str, object] = {
        "kpis": metrics.kpis(db, principal, months),
        "months": months,
        "by_intent": by_intent,
        "by_status": by_status,
        "slots": SLOTS,
    }
    if months is not None:
        context["orders_chart"] = charts.column_chart(
            [(m.month[2:], m.orders) for m in months], label=t("dash.orders_per_month"), color=charts.PALETTE[1]
        )
        context["revenue_chart"] = charts.column_chart(
            [(m.month[2:], m.revenue) for m in months],
            label=t("dash.revenue_per_month"),
            fmt=lambda v: f"${float(v) / 1000:,.0f}k" if float(v) >= 1000 else f"${float(v):,.0f}",
        )
    if by_intent is not None:
        context["intent_chart"] = charts.bar_chart(
            [(t.intent(value), count) for value, count in by_intent], label=t("dash.tickets_by_intent")
        )
    if by_status is not None:
        context["status_chart"] = charts.bar_chart(
            [(t("status." + (value or "none")), count) for value, count in by_status],
            label=t("dash.tickets_by_status"),
            label_w=110,
        )
    return render(request, "dashboards/index.html", context)
