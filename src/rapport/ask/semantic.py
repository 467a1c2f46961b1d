"""The semantic layer: the tables a question may touch, named as business fields and metrics, and how they join.

Everything the model may name is here: entities (facts), fields (dimensions), time fields and metrics, each with a
description and English and Chinese synonyms. The model only ever names these; `compile.py` turns the names into
columns and joins, so no SQL text comes from the model. Each field says which permission entity it belongs to and
whether it is personal data, which is how field-level permissions are decided (`offered_fields`).

Joins go only from a fact to the "one" side (order → customer → company), so an aggregate never counts a row twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Table
from sqlalchemy.orm import aliased

from rapport.accounts.models import User
from rapport.customers.models import Company, Customer
from rapport.interactions.models import Interaction
from rapport.privacy.access import Action, Principal, can
from rapport.sales.models import Deal, Order, OrderLine, PipelineStage, Product
from rapport.tickets.models import Ticket

# ---- nodes: the tables, each under one alias ---------------------------------------------------------------------
CustomerOwner = aliased(User, name="customer_owner")
TicketAgent = aliased(User, name="ticket_agent")
DealOwner = aliased(User, name="deal_owner")


@dataclass(frozen=True)
class Node:
    key: str
    model: Any  # a mapped class or an alias of one
    entity: str  # the permission entity reading it needs
    soft_delete: bool = False


NODES: dict[str, Node] = {
    n.key: n
    for n in (
        Node("customer", Customer, "customers", soft_delete=True),
        Node("company", Company, "companies", soft_delete=True),
        Node("customer_owner", CustomerOwner, "users"),
        Node("order", Order, "orders"),
        Node("line", OrderLine, "orders"),
        Node("product", Product, "products", soft_delete=True),
        Node("ticket", Ticket, "tickets", soft_delete=True),
        Node("ticket_agent", TicketAgent, "users"),
        Node("interaction", Interaction, "interactions"),
        Node("deal", Deal, "deals", soft_delete=True),
        Node("stage", PipelineStage, "pipelines"),
        Node("deal_owner", DealOwner, "users"),
    )
}

# Directed many-to-one edges: (from, to) → (join condition, outer?). A fact reaches a dimension along these only.
EDGES: dict[tuple[str, str], tuple[Callable[[], ColumnElement[bool]], bool]] = {
    ("order", "customer"): (lambda: Order.customer_id == Customer.id, False),
    ("line", "order"): (lambda: OrderLine.order_id == Order.id, False),
    ("line", "product"): (lambda: OrderLine.product_id == Product.id, False),
    ("customer", "company"): (lambda: Customer.company_id == Company.id, True),
    ("customer", "customer_owner"): (lambda: Customer.owner_id == CustomerOwner.id, True),
    ("ticket", "customer"): (lambda: Ticket.customer_id == Customer.id, False),
    ("ticket", "ticket_agent"): (lambda: Ticket.assignee_id == TicketAgent.id, True),
    ("interaction", "customer"): (lambda: Interaction.customer_id == Customer.id, False),
    ("interaction", "product"): (lambda: Interaction.product_id == Product.id, True),
    ("deal", "customer"): (lambda: Deal.customer_id == Customer.id, True),
    ("deal", "stage"): (lambda: Deal.stage_id == PipelineStage.id, False),
    ("deal", "deal_owner"): (lambda: Deal.owner_id == DealOwner.id, True),
}


@dataclass(frozen=True)
class Entity:
    """A fact table questions are asked about."""

    name: str
    node: str
    time_field: str  # the field "last quarter" and "per month" refer to
    description: str
    synonyms: tuple[str, ...]
    list_fields: tuple[str, ...]  # columns shown when a question lists rows without a metric
    joins: tuple[str, ...] = ()  # nodes always joined (order lines need their order's status and date)


ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity(
            "customers",
            "customer",
            "customer.created_at",
            "people who buy from us",
            ("customer", "client", "buyer", "客户", "顾客", "用户", "买家"),
            ("customer.id", "customer.name", "customer.city", "customer.country"),
        ),
        Entity(
            "orders",
            "order",
            "order.placed_at",
            "purchases, one row per order",
            ("order", "purchase", "sale", "订单", "购买", "下单", "销售"),
            ("order.number", "customer.name", "order.placed_at", "order.status", "order.total"),
        ),
        Entity(
            "order_lines",
            "line",
            "order.placed_at",
            "the products within orders, one row per product per order",
            ("order line", "item sold", "product sold", "订单明细", "商品销量"),
            ("order.number", "product.name", "line.quantity", "line.total"),
            joins=("order",),
        ),
        Entity(
            "products",
            "product",
            "product.created_at",
            "the catalogue",
            ("product", "item", "SKU", "商品", "产品"),
            ("product.sku", "product.name", "product.category", "product.price"),
        ),
        Entity(
            "tickets",
            "ticket",
            "ticket.created_at",
            "support requests",
            ("ticket", "case", "support request", "complaint", "工单", "客诉", "投诉", "售后"),
            ("ticket.id", "ticket.subject", "ticket.status", "ticket.created_at"),
        ),
        Entity(
            "interactions",
            "interaction",
            "interaction.occurred_at",
            "messages, calls, notes and reviews",
            ("interaction", "message", "review", "call", "互动", "消息", "评价", "评论"),
            ("interaction.id", "customer.name", "interaction.kind", "interaction.occurred_at"),
        ),
        Entity(
            "deals",
            "deal",
            "deal.created_at",
            "sales opportunities in the pipeline",
            ("deal", "opportunity", "pipeline", "商机", "交易", "销售机会"),
            ("deal.name", "deal.status", "deal.amount", "deal.stage"),
        ),
    )
}


@dataclass(frozen=True)
class Field:
    name: str  # qualified: "customer.city"
    node: str
    column: str  # attribute of the node's model
    kind: str  # text | number | money | time | bool | id
    description: str
    synonyms: tuple[str, ...] = ()
    is_personal: bool = False  # masked for roles without personal data: never selectable by them
    is_linked: bool = False  # filter values are matched against the column's stored values (上海 → 上海市)

    @property
    def entity(self) -> str:
        return NODES[self.node].entity

    @property
    def hint(self) -> str:
        """What the prompt shows beside the name: the known values, when the description lists them."""
        return self.description.split(": ")[-1] if "," in self.description else ""

    def column_of(self) -> ColumnElement[Any]:
        model = NODES[self.node].model
        column: ColumnElement[Any] = getattr(model, self.column)
        return column


def _f(name: str, column: str, kind: str, description: str, *synonyms: str, **flags: bool) -> Field:
    node = {"customer": "customer", "company": "company", "order": "order", "line": "line", "product": "product"}.get(
        name.split(".")[0], name.split(".")[0]
    )
    return Field(name, node, column, kind, description, synonyms, **flags)


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        _f("customer.id", "id", "id", "customer number", "customer id", "客户编号"),
        _f("customer.name", "full_name", "text", "full name", "name", "who", "姓名", "客户名"),
        _f("customer.city", "city", "text", "city: Shanghai, London, …", "城市", "所在城市", is_linked=True),
        _f("customer.country", "country", "text", "ISO country code: CN, US, GB, CA, AU", "国家", is_linked=True),
        _f("customer.language", "language", "text", "en or zh", "语言"),
        _f("customer.lifecycle_stage", "lifecycle_stage", "text", "lead, customer…", "stage", "生命周期"),
        _f("customer.source", "source", "text", "where the customer came from", "来源"),
        _f("customer.gender", "gender", "text", "gender", "性别"),
        _f("customer.created_at", "created_at", "time", "when the customer was added", "signed up", "注册时间"),
        _f("customer.consent_email", "consent_email", "bool", "agreed to marketing email", "订阅邮件"),
        _f("customer.email", "email", "text", "email address", "邮箱", "电子邮件", is_personal=True),
        _f("customer.phone", "phone", "text", "phone number", "电话", "手机号", is_personal=True),
        _f("customer.birth_date", "birth_date", "time", "date of birth", "birthday", "生日", is_personal=True),
        Field("customer.owner", "customer_owner", "name", "text", "sales rep owning the customer", ("rep", "负责人")),
        _f("company.name", "name", "text", "the customer's company", "公司", "企业", is_linked=True),
        _f("company.industry", "industry", "text", "the company's industry", "行业", is_linked=True),
        _f("company.size", "size", "text", "employees band", "公司规模"),
        _f("order.number", "number", "text", "order number", "订单号"),
        _f("order.status", "status", "text", "paid, shipped, delivered, cancelled, returned", "订单状态"),
        _f("order.channel", "channel", "text", "web, app, store, marketplace", "sales channel", "渠道", "销售渠道"),
        _f("order.total", "total", "money", "order total in USD", "amount", "金额", "订单金额"),
        _f("order.discount", "discount", "money", "discount in USD", "折扣"),
        _f("order.placed_at", "placed_at", "time", "when the order was placed", "order date", "下单时间"),
        _f("line.quantity", "quantity", "number", "units of the product in the order", "数量"),
        _f("line.total", "line_total", "money", "line amount in USD", "明细金额"),
        _f("product.name", "name", "text", "product name", "商品名", is_linked=True),
        _f("product.sku", "sku", "text", "product code", "货号"),
        _f(
            "product.category",
            "category",
            "text",
            "Electronics, Home & Kitchen, Apparel, Beauty, Sports & Outdoors, Books, Toys, Grocery, Office, "
            "Pet Supplies",
            "品类",
            "类目",
            "分类",
            is_linked=True,
        ),
        _f("product.brand", "brand", "text", "brand", "品牌", is_linked=True),
        _f("product.price", "price", "money", "list price in USD", "价格", "单价"),
        _f("product.stock", "stock", "number", "units in stock", "库存"),
        _f("product.created_at", "created_at", "time", "when the product was added", "上架时间"),
        _f("ticket.id", "id", "id", "ticket number", "工单号"),
        _f("ticket.subject", "subject", "text", "ticket subject", "主题"),
        _f("ticket.status", "status", "text", "new, open, pending, solved, closed", "工单状态"),
        _f("ticket.priority", "priority", "text", "low, normal, high, urgent", "优先级"),
        _f("ticket.channel", "channel", "text", "email, chat, web, phone", "渠道", "工单渠道"),
        _f(
            "ticket.intent",
            "intent",
            "text",
            "what the ticket is about: order_status, refund_request, late_delivery, damaged_item, wrong_item, "
            "account_access, billing_error, product_question, complaint, praise, cancellation, address_change, "
            "warranty_claim, discount_request, technical_problem, return_label",
            "reason",
            "类型",
            "原因",
            is_linked=True,
        ),
        _f("ticket.sentiment", "sentiment", "text", "positive, neutral, negative", "情绪"),
        _f("ticket.language", "language", "text", "en or zh", "工单语言"),
        _f("ticket.created_at", "created_at", "time", "when the ticket was opened", "创建时间"),
        _f("ticket.resolved_at", "resolved_at", "time", "when the ticket was solved", "解决时间"),
        Field("ticket.assignee", "ticket_agent", "name", "text", "support agent", ("agent", "客服", "处理人")),
        _f("interaction.id", "id", "id", "interaction number"),
        _f("interaction.kind", "kind", "text", "email, chat, call_note, review, note", "类型"),
        _f("interaction.direction", "direction", "text", "inbound, outbound, internal", "方向"),
        _f("interaction.rating", "rating", "number", "review stars 1-5", "评分", "星级"),
        _f("interaction.sentiment", "sentiment", "text", "positive, neutral, negative", "情绪"),
        _f("interaction.occurred_at", "occurred_at", "time", "when it happened", "时间"),
        _f("deal.name", "name", "text", "deal name", "商机名称"),
        _f("deal.status", "status", "text", "open, won, lost", "商机状态"),
        _f("deal.amount", "amount", "money", "deal value in USD", "商机金额"),
        _f("deal.created_at", "created_at", "time", "when the deal was created", "创建时间"),
        _f("deal.closed_at", "closed_at", "time", "when the deal was won or lost", "成交时间"),
        _f("deal.expected_close", "expected_close", "time", "expected close date", "预计成交"),
        Field("deal.stage", "stage", "name", "text", "pipeline stage", ("阶段",)),
        Field("deal.owner", "deal_owner", "name", "text", "sales rep owning the deal", ("负责人",)),
    )
}

# Questions name time buckets as dimensions; they apply to the chosen entity's time field.
TIME_GRAINS = ("year", "quarter", "month", "week", "day")


@dataclass(frozen=True)
class Metric:
    name: str
    description: str
    synonyms: tuple[str, ...]
    kind: str  # number | money | hours
    # per entity the metric can be computed on, in order of preference: entity name → aggregate expression
    forms: dict[str, Callable[[str], ColumnElement[Any]]]


def _metrics() -> dict[str, Metric]:
    from rapport.ask import expressions as x

    return {
        m.name: m
        for m in (
            Metric(
                "order_count",
                "number of orders",
                ("orders", "how many orders", "订单数", "单量"),
                "number",
                {"orders": x.count_rows("order"), "order_lines": x.count_distinct(Order.id)},
            ),
            Metric(
                "revenue",
                "sum of order totals, cancelled and returned orders excluded",
                ("sales", "spent", "spend", "turnover", "GMV", "收入", "销售额", "营收", "消费", "花了"),
                "money",
                {"orders": x.revenue_of_orders, "order_lines": x.revenue_of_lines},
            ),
            Metric(
                "avg_order_value",
                "average order total (cancelled and returned excluded)",
                ("AOV", "average order", "客单价", "平均订单金额"),
                "money",
                {"orders": x.avg_order_value},
            ),
            Metric(
                "units_sold",
                "units sold",
                ("quantity sold", "销量", "卖了多少件"),
                "number",
                {"order_lines": x.units_sold},
            ),
            Metric(
                "customer_count",
                "number of distinct customers",
                ("customers", "how many customers", "客户数", "人数"),
                "number",
                {
                    "customers": x.count_rows("customer"),
                    "orders": x.count_distinct(Order.customer_id),
                    "order_lines": x.count_distinct(Order.customer_id),
                    "tickets": x.count_distinct(Ticket.customer_id),
                    "interactions": x.count_distinct(Interaction.customer_id),
                    "deals": x.count_distinct(Deal.customer_id),
                },
            ),
            Metric(
                "product_count",
                "number of products",
                ("products", "商品数"),
                "number",
                {"products": x.count_rows("product"), "order_lines": x.count_distinct(Product.id)},
            ),
            Metric("avg_price", "average list price", ("平均价格",), "money", {"products": x.avg(Product.price)}),
            Metric(
                "ticket_count",
                "number of tickets",
                ("tickets", "how many tickets", "工单数", "工单量"),
                "number",
                {"tickets": x.count_rows("ticket")},
            ),
            Metric(
                "avg_handling_hours",
                "average hours from a ticket's creation to its resolution (resolved tickets only)",
                ("handling time", "resolution time", "处理时长", "平均处理时长", "解决时长"),
                "hours",
                {"tickets": x.avg_hours(Ticket.created_at, Ticket.resolved_at)},
            ),
            Metric(
                "avg_first_response_hours",
                "average hours to the first response",
                ("first response time", "response time", "首次响应时长", "响应时间"),
                "hours",
                {"tickets": x.avg_hours(Ticket.created_at, Ticket.first_response_at)},
            ),
            Metric(
                "interaction_count",
                "number of interactions",
                ("messages", "reviews", "互动数", "评价数"),
                "number",
                {"interactions": x.count_rows("interaction")},
            ),
            Metric(
                "avg_rating",
                "average review rating (1-5)",
                ("rating", "stars", "平均评分", "评分"),
                "number",
                {"interactions": x.avg(Interaction.rating)},
            ),
            Metric(
                "deal_count",
                "number of deals",
                ("deals", "opportunities", "商机数"),
                "number",
                {"deals": x.count_rows("deal")},
            ),
            Metric(
                "deal_amount",
                "sum of deal amounts",
                ("pipeline value", "deal value", "商机金额", "成交金额"),
                "money",
                {"deals": x.total(Deal.amount)},
            ),
        )
    }


METRICS: dict[str, Metric] = _metrics()


# ---- what a principal may use ---------------------------------------------------------------------------------------
def may_read(principal: Principal, entity: str) -> bool:
    return can(principal, entity, Action.read)


def field_refusal(principal: Principal, field: Field) -> str | None:
    """Why this principal may not use the field, or None when it may."""
    if field.is_personal and not principal.sees_personal_data:
        return f"your role ({principal.role}) sees {field.description} masked, so it cannot be asked about"
    if not may_read(principal, field.entity):
        return f"your role ({principal.role}) may not read {field.entity}"
    return None


def offered_fields(principal: Principal) -> list[Field]:
    """The fields this principal may select, filter or group by: the layer as offered to them."""
    return [f for f in FIELDS.values() if field_refusal(principal, f) is None]


def reachable(entity: str) -> dict[str, list[str]]:
    """Every node the entity's fact reaches, with the path of nodes to join on the way (breadth first)."""
    start = ENTITIES[entity].node
    paths: dict[str, list[str]] = {start: []}
    frontier = [start]
    while frontier:
        nxt: list[str] = []
        for node in frontier:
            for (src, dst), _ in EDGES.items():
                if src == node and dst not in paths:
                    paths[dst] = [*paths[node], dst]
                    nxt.append(dst)
        frontier = nxt
    return paths


def table_of(node: str) -> FromClause | Table:
    model = NODES[node].model
    return model.__table__ if hasattr(model, "__table__") else model  # type: ignore[no-any-return]
