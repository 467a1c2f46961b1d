"""Products, orders (totals computed here, never trusted from the caller), pipelines and deals."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.customers import service as customer_service
from rapport.customers.models import Company, Customer
from rapport.errors import Conflict, Forbidden, Invalid, NotFound
from rapport.kit.clock import utcnow
from rapport.privacy.access import Action, Principal, Reach
from rapport.privacy.scopes import owned_by
from rapport.sales.models import Deal, Order, OrderLine, Pipeline, PipelineStage, Product
from rapport.store.listing import Listing
from rapport.store.records import Records

CENT = Decimal("0.01")


def order_scope(principal: Principal) -> ColumnElement[bool] | None:
    ids = customer_service.visible_ids(principal)
    return None if ids is None else Order.customer_id.in_(ids)


def deal_scope(principal: Principal) -> ColumnElement[bool] | None:
    return owned_by(Deal.owner_id, principal)


products = Records(
    model=Product,
    entity="products",
    listing=Listing(
        id_column=Product.id,
        sortable={"id": Product.id, "name": Product.name, "price": Product.price, "created_at": Product.created_at},
        filterable={"sku": Product.sku, "category": Product.category, "brand": Product.brand, "price": Product.price},
        searchable=(Product.name, Product.name_zh, Product.sku),
    ),
)

orders = Records(
    model=Order,
    entity="orders",
    scope=order_scope,
    references={"customer_id": (Customer, "customer")},
    listing=Listing(
        id_column=Order.id,
        sortable={"id": Order.id, "placed_at": Order.placed_at, "total": Order.total},
        filterable={
            "customer_id": Order.customer_id,
            "number": Order.number,
            "status": Order.status,
            "channel": Order.channel,
            "placed_at": Order.placed_at,
            "total": Order.total,
        },
        searchable=(Order.number, Order.tracking_number),
    ),
)

pipelines = Records(
    model=Pipeline,
    entity="pipelines",
    listing=Listing(id_column=Pipeline.id, sortable={"id": Pipeline.id, "name": Pipeline.name}, filterable={}),
)

deals = Records(
    model=Deal,
    entity="deals",
    scope=deal_scope,
    references={"customer_id": (Customer, "customer"), "company_id": (Company, "company"), "owner_id": (User, "user")},
    listing=Listing(
        id_column=Deal.id,
        sortable={
            "id": Deal.id,
            "amount": Deal.amount,
            "created_at": Deal.created_at,
            "updated_at": Deal.updated_at,
        },
        filterable={
            "customer_id": Deal.customer_id,
            "company_id": Deal.company_id,
            "pipeline_id": Deal.pipeline_id,
            "stage_id": Deal.stage_id,
            "owner_id": Deal.owner_id,
            "status": Deal.status,
            "expected_close": Deal.expected_close,
            "amount": Deal.amount,
        },
        searchable=(Deal.name,),
    ),
)


def create_order(session: Session, principal: Principal, values: Mapping[str, Any]) -> Order:
    """Price each line from the catalogue unless a unit price is given; totals are always recomputed."""
    orders._require(session, principal, Action.create, None)  # rights before lookups: no existence oracle
    values = dict(values)
    line_specs: list[dict[str, Any]] = values.pop("lines")
    customer_service.get(session, principal, values["customer_id"])  # reachable customer, or 403/404
    lines = []
    for spec in line_specs:
        product = session.get(Product, spec["product_id"])
        if product is None or product.deleted_at is not None:
            raise NotFound(f"product {spec['product_id']} not found")
        unit_price = spec.get("unit_price") if spec.get("unit_price") is not None else product.price
        lines.append(
            OrderLine(
                product_id=product.id,
                quantity=spec["quantity"],
                unit_price=unit_price,
                line_total=(unit_price * spec["quantity"]).quantize(CENT),
            )
        )
    subtotal = sum((line.line_total for line in lines), Decimal("0"))
    if values["discount"] > subtotal:
        raise Invalid("the discount is larger than the order's subtotal")
    values.setdefault("placed_at", None)
    values["placed_at"] = values["placed_at"] or utcnow()
    values["number"] = values.get("number") or _next_order_number(session)
    if session.scalar(select(Order.id).where(Order.number == values["number"])) is not None:
        raise Conflict(f"an order numbered {values['number']} already exists")
    values.update(subtotal=subtotal, total=subtotal - values["discount"] + values["shipping"], lines=lines)
    return orders.create(session, principal, values)


def _next_order_number(session: Session) -> str:
    highest = session.scalar(select(func.max(Order.id))) or 0
    return str(10000 + highest + 1)


def create_pipeline(session: Session, principal: Principal, values: Mapping[str, Any]) -> Pipeline:
    values = dict(values)
    stages = [PipelineStage(position=i, **stage) for i, stage in enumerate(values.pop("stages"))]
    if values.get("is_default"):
        for other in session.scalars(select(Pipeline).where(Pipeline.is_default)):
            other.is_default = False
    return pipelines.create(session, principal, {**values, "stages": stages})


def default_pipeline(session: Session) -> Pipeline:
    pipeline = session.scalar(select(Pipeline).order_by(Pipeline.is_default.desc(), Pipeline.id).limit(1))
    if pipeline is None:
        raise NotFound("no pipeline exists; create one first (POST /api/pipelines)")
    return pipeline


def create_deal(session: Session, principal: Principal, values: Mapping[str, Any]) -> Deal:
    values = dict(values)
    pipeline = (
        pipelines.get(session, principal, values["pipeline_id"])
        if values.get("pipeline_id")
        else default_pipeline(session)
    )
    stage = _stage_of(pipeline, values.get("stage_id"))
    if values.get("owner_id") is None and principal.reach == Reach.own:
        values["owner_id"] = principal.user_id
    if principal.reach == Reach.own and values["owner_id"] != principal.user_id:
        raise Forbidden("you may only own deals yourself")
    if values.get("customer_id"):
        customer_service.get(session, principal, values["customer_id"])
    values.update(pipeline_id=pipeline.id, stage_id=stage.id)
    if values.get("probability") is None:
        values["probability"] = stage.probability
    values.update(_status_for(stage))
    return deals.create(session, principal, values)


def update_deal(session: Session, principal: Principal, deal_id: int, values: Mapping[str, Any]) -> Deal:
    values = dict(values)
    deal = deals.get(session, principal, deal_id, action=Action.update)
    if values.get("stage_id") is not None and values["stage_id"] != deal.stage_id:
        pipeline = pipelines.get(session, principal, deal.pipeline_id)
        stage = _stage_of(pipeline, values["stage_id"])
        values.setdefault("probability", None)
        if values["probability"] is None:
            values["probability"] = stage.probability
        values.update(_status_for(stage))
    values = {k: v for k, v in values.items() if v is not None or k in {"expected_close", "owner_id"}}
    if principal.reach == Reach.own and values.get("owner_id", principal.user_id) != principal.user_id:
        raise Forbidden("you may only own deals yourself; ask a manager to reassign")
    return deals.update(session, principal, deal_id, values)


def _stage_of(pipeline: Pipeline, stage_id: int | None) -> PipelineStage:
    if stage_id is None:
        return pipeline.stages[0]
    for stage in pipeline.stages:
        if stage.id == stage_id:
            return stage
    raise Invalid(f"stage {stage_id} is not a stage of pipeline '{pipeline.name}'")


def _status_for(stage: PipelineStage) -> dict[str, Any]:
    if stage.is_won or stage.is_lost:
        return {"status": "won" if stage.is_won else "lost", "closed_at": utcnow()}
    return {"status": "open", "closed_at": None}
