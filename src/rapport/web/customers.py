"""Customer pages: the list (search, filters, saved views) and the customer 360."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy import func
from sqlalchemy.orm import Session

from rapport.accounts import service as account_service
from rapport.accounts.models import User
from rapport.api.deps import DbSession
from rapport.customers import flows as customer_flows
from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.kit.clock import as_utc
from rapport.marketing import offers as offer_service
from rapport.marketing import recommend as recommend_service
from rapport.privacy.access import Action, Principal, can
from rapport.sales import service as sales_service
from rapport.sales.models import Order, Product
from rapport.store.listing import ListQuery
from rapport.web import lists
from rapport.web.kit import CurrentViewer, PageRoute, Viewer, is_htmx, render

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]

SORTS = ("-created_at", "created_at", "-id", "id")  # names are encrypted: no order by name
LIFECYCLE = ("lead", "prospect", "customer", "churned")
# Panels later issues fill; each is a marked slot on the 360 page until then.
SLOTS_360 = ("ai_summary", "churn_risk", "segment", "lifetime_value", "recommendations")


def _list_query(viewer: Viewer, chosen: dict[str, str], cursor: str | None) -> ListQuery:
    filters: dict[str, str] = {
        k: chosen[k] for k in ("country", "language", "lifecycle_stage", "consent_email", "source") if k in chosen
    }
    if chosen.get("owner") == "me":
        filters["owner_id"] = str(viewer.user_id)
    sort = chosen.get("sort", "-created_at")
    return ListQuery(
        limit=lists.PAGE_SIZE,
        cursor=cursor,
        sort=sort if sort in SORTS else "-created_at",
        q=chosen.get("q") or None,
        filters=filters,
    )


@dataclass(frozen=True)
class Spend:
    orders: int
    total: Decimal
    last_order_at: datetime | None


def _spend_by_customer(db: Session, principal: Principal, ids: list[int]) -> dict[int, Spend]:
    """Orders, money spent and the last order for the customers on one page: one grouped query."""
    if not ids or not can(principal, "orders", Action.read):
        return {}
    stmt = (
        sales_service.orders.visible(principal)
        .where(Order.customer_id.in_(ids), Order.status != "cancelled")
        .with_only_columns(Order.customer_id, func.count(Order.id), func.sum(Order.total), func.max(Order.placed_at))
        .group_by(Order.customer_id)
    )
    return {
        cid: Spend(count, Decimal(total or 0), as_utc(last) if last else None)
        for cid, count, total, last in db.execute(stmt)
    }


def _choices(db: Session, principal: Principal, column: Any) -> list[str]:
    """The values a filter can take among the customers this viewer sees (countries, sources)."""
    stmt = customer_service.customers.visible(principal).with_only_columns(column).where(column.is_not(None)).distinct()
    return sorted(str(v) for v in db.scalars(stmt.limit(300)))


@router.get("/customers")
def customer_list(request: Request, db: DbSession, viewer: CurrentViewer) -> Response:
    chosen = lists.chosen_filters(request.query_params, "customers")
    cursor = request.query_params.get("cursor") or None
    page = customer_service.list_customers(db, viewer.principal, _list_query(viewer, chosen, cursor))
    rows = [customer_service.present(c, viewer.principal) for c in page.items]
    context: dict[str, Any] = {
        "rows": rows,
        "spend": _spend_by_customer(db, viewer.principal, [r.id for r in rows]),
        "next_url": lists.list_url("customers", chosen, cursor=page.next_cursor) if page.next_cursor else None,
        "first_url": lists.list_url("customers", chosen) if cursor else None,
        "chosen": chosen,
        "sorts": SORTS,
        "views": lists.views_for(db, viewer, "customers"),
    }
    if is_htmx(request):
        return render(request, "customers/_results.html", {**context, "oob": True})
    context.update(
        countries=_choices(db, viewer.principal, Customer.country),
        sources=_choices(db, viewer.principal, Customer.source),
        lifecycle=LIFECYCLE,
    )
    return render(request, "customers/list.html", context)


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    kind: str  # order | ticket | message
    title: str
    detail: str
    href: str | None
    badge: str | None
    direction: str | None = None


def _timeline(view: customer_flows.Customer360, product_names: dict[int, str]) -> list[TimelineEvent]:
    """Orders, tickets and messages of one customer in one stream, newest first."""
    events: list[TimelineEvent] = []
    for order in view.orders:
        items = ", ".join(
            f"{line.quantity}× {product_names.get(line.product_id, '#' + str(line.product_id))}" for line in order.lines
        )
        events.append(TimelineEvent(as_utc(order.placed_at), "order", order.number, items, None, order.status))
    for ticket in view.tickets:
        events.append(
            TimelineEvent(
                as_utc(ticket.created_at),
                "ticket",
                ticket.subject,
                ticket.intent or "",
                f"/app/tickets/{ticket.id}",
                ticket.status,
            )
        )
    for message in view.interactions:
        body = " ".join(message.body.split())
        events.append(
            TimelineEvent(
                as_utc(message.occurred_at),
                "message",
                message.subject or message.kind,
                body[:280] + ("…" if len(body) > 280 else ""),
                f"/app/tickets/{message.ticket_id}" if message.ticket_id else None,
                message.kind,
                message.direction,
            )
        )
    return sorted(events, key=lambda e: e.at, reverse=True)


def _product_names(db: Session, principal: Principal, view: customer_flows.Customer360, lang: str) -> dict[int, str]:
    ids = {line.product_id for order in view.orders for line in order.lines}
    if not ids or not can(principal, "products", Action.read):
        return {}
    stmt = sales_service.products.visible(principal, include_deleted=True).where(Product.id.in_(ids))
    rows = db.execute(stmt.with_only_columns(Product.id, Product.name, Product.name_zh))
    return {pid: (name_zh if lang == "zh" and name_zh else name) for pid, name, name_zh in rows}


def _user_names(db: Session, principal: Principal, ids: set[int]) -> dict[int, str]:
    if not ids or not can(principal, "users", Action.read):
        return {}
    stmt = account_service.users.visible(principal).where(User.id.in_(ids))
    return dict(db.execute(stmt.with_only_columns(User.id, User.name)).all())


def _recommendations(request: Request, db: Session, principal: Principal, customer_id: int) -> dict[str, Any]:
    """The recommendations panel: products with reasons and the next best offer (the page already audited the read)."""
    if not can(principal, "products", Action.read):
        return {}
    customer = customer_service.customers.get(db, principal, customer_id, audit_read=False)
    data_dir = request.app.state.settings.data_dir
    return {
        "recs": recommend_service.recommend_for(db, principal, customer, n=5, data_dir=data_dir),
        "offer": offer_service.decide_for(db, principal, customer, data_dir=data_dir),
    }


@router.get("/customers/{customer_id}")
def customer_360(request: Request, customer_id: RecordId, db: DbSession, viewer: CurrentViewer) -> Response:
    view = customer_flows.overview(db, viewer.principal, customer_id)
    users = {view.customer.owner_id, *(d.owner_id for d in view.deals), *(t.assignee_id for t in view.tasks)}
    return render(
        request,
        "customers/detail.html",
        {
            "view": view,
            "c": view.customer,
            "timeline": _timeline(view, _product_names(db, viewer.principal, view, viewer.language)),
            "user_names": _user_names(db, viewer.principal, {u for u in users if u is not None}),
            "slots": SLOTS_360,
            **_recommendations(request, db, viewer.principal, customer_id),
        },
    )
