"""Read-only tools over ONE customer's records: orders (with delivery and tracking) and tickets.

`tools_for(session, customer_id)` returns closures that carry the verified customer id from code. Nothing the model
or the customer writes reaches that id: a question about order 10023 asks `find_order("10023")`, which can only
return the order if it belongs to this customer, so another customer's order is unreachable by construction, not
by instruction. Each call goes through the sales and tickets services and is audited as a read by the assistant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from rapport.privacy import audit
from rapport.privacy.access import Principal, Role
from rapport.sales import service as sales_service
from rapport.sales.models import Order, Product
from rapport.tickets import service as ticket_service
from rapport.tickets.models import Ticket

STATUS_WORDS = {
    "en": {
        "paid": "paid, being prepared for shipping",
        "shipped": "shipped",
        "delivered": "delivered",
        "cancelled": "cancelled",
        "returned": "returned",
        "refunded": "refunded",
    },
    "zh": {
        "paid": "已付款，正在备货",
        "shipped": "已发货",
        "delivered": "已签收",
        "cancelled": "已取消",
        "returned": "已退货",
        "refunded": "已退款",
    },
}
TICKET_WORDS = {
    "en": {
        "new": "received",
        "open": "being worked on",
        "pending": "waiting for your reply",
        "solved": "solved",
        "closed": "closed",
    },
    "zh": {"new": "已收到", "open": "处理中", "pending": "等待您的回复", "solved": "已解决", "closed": "已关闭"},
}


@dataclass(frozen=True)
class OrderView:
    number: str
    status: str
    placed_at: datetime
    total: Decimal
    currency: str
    shipped_at: datetime | None
    delivered_at: datetime | None
    tracking_number: str | None
    items: tuple[str, ...]

    def describe(self, language: str) -> str:
        """One line of plain facts, in the customer's language; the assistant quotes it as a record."""
        status = STATUS_WORDS.get(language, STATUS_WORDS["en"]).get(self.status, self.status)
        items = ", ".join(self.items)
        if language == "zh":
            parts = [
                f"订单 {self.number}：{status}",
                f"下单日期 {self.placed_at:%Y-%m-%d}",
                f"金额 {self.total} {self.currency}",
            ]
            if self.shipped_at:
                parts.append(f"发货日期 {self.shipped_at:%Y-%m-%d}")
            if self.delivered_at:
                parts.append(f"签收日期 {self.delivered_at:%Y-%m-%d}")
            if self.tracking_number:
                parts.append(f"运单号 {self.tracking_number}")
            if items:
                parts.append(f"商品 {items}")
            return "；".join(parts) + "。"
        parts = [
            f"Order {self.number}: {status}",
            f"placed {self.placed_at:%Y-%m-%d}",
            f"total {self.total} {self.currency}",
        ]
        if self.shipped_at:
            parts.append(f"shipped {self.shipped_at:%Y-%m-%d}")
        if self.delivered_at:
            parts.append(f"delivered {self.delivered_at:%Y-%m-%d}")
        if self.tracking_number:
            parts.append(f"tracking number {self.tracking_number}")
        if items:
            parts.append(f"items: {items}")
        return "; ".join(parts) + "."


@dataclass(frozen=True)
class TicketView:
    id: int
    subject: str
    status: str
    created_at: datetime

    def describe(self, language: str) -> str:
        status = TICKET_WORDS.get(language, TICKET_WORDS["en"]).get(self.status, self.status)
        if language == "zh":
            return f"工单 #{self.id}“{self.subject}”：{status}（{self.created_at:%Y-%m-%d} 提交）。"
        return f'Ticket #{self.id} "{self.subject}": {status} (opened {self.created_at:%Y-%m-%d}).'


@dataclass(frozen=True)
class CustomerTools:
    find_order: Callable[[str], OrderView | None]
    recent_orders: Callable[[int], list[OrderView]]
    tickets: Callable[[int], list[TicketView]]


def assistant_principal(via: str = "widget") -> Principal:
    """The assistant reads as the system; what it may read is narrowed by the closures, not by the role."""
    return Principal(role=Role.admin, label="system:assistant", via=via)


def tools_for(session: Session, customer_id: int, *, via: str = "widget") -> CustomerTools:
    principal = assistant_principal(via)

    def _views(orders: list[Order]) -> list[OrderView]:
        product_ids = {line.product_id for order in orders for line in order.lines}
        names = (
            {
                p.id: p.name
                for p in session.scalars(sales_service.products.visible(principal).where(Product.id.in_(product_ids)))
            }
            if product_ids
            else {}
        )
        return [
            OrderView(
                number=o.number,
                status=o.status,
                placed_at=o.placed_at,
                total=o.total,
                currency=o.currency,
                shipped_at=o.shipped_at,
                delivered_at=o.delivered_at,
                tracking_number=o.tracking_number,
                items=tuple(f"{names.get(line.product_id, 'item')} ×{line.quantity}" for line in o.lines),
            )
            for o in orders
        ]

    def find_order(number: str) -> OrderView | None:
        stmt = sales_service.orders.visible(principal).where(
            Order.customer_id == customer_id, Order.number == number.strip().lstrip("#")
        )
        order = session.scalars(stmt).first()
        audit.record(
            session,
            principal,
            action="read",
            entity="orders",
            entity_id=order.id if order else None,
            detail={"tool": "find_order", "customer_id": customer_id, "found": order is not None},
        )
        return _views([order])[0] if order else None

    def recent_orders(limit: int = 3) -> list[OrderView]:
        stmt = (
            sales_service.orders.visible(principal)
            .where(Order.customer_id == customer_id)
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(limit)
        )
        orders = list(session.scalars(stmt))
        audit.record(
            session,
            principal,
            action="read",
            entity="orders",
            detail={"tool": "recent_orders", "customer_id": customer_id, "count": len(orders)},
        )
        return _views(orders)

    def tickets(limit: int = 5) -> list[TicketView]:
        stmt = (
            ticket_service.tickets.visible(principal)
            .where(Ticket.customer_id == customer_id)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(limit)
        )
        found = [TicketView(t.id, t.subject, t.status, t.created_at) for t in session.scalars(stmt)]
        audit.record(
            session,
            principal,
            action="read",
            entity="tickets",
            detail={"tool": "tickets", "customer_id": customer_id, "count": len(found)},
        )
        return found

    return CustomerTools(find_order=find_order, recent_orders=recent_orders, tickets=tickets)
