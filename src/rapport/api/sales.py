"""Products, orders, pipelines and deals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from rapport.api.deps import CurrentPrincipal, DbSession, ListParams, PageOut, WriteLock
from rapport.sales import service as sales_service
from rapport.sales.schemas import (
    DealCreate,
    DealRead,
    DealUpdate,
    OrderCreate,
    OrderRead,
    OrderUpdate,
    PipelineCreate,
    PipelineRead,
    ProductCreate,
    ProductRead,
    ProductUpdate,
)

router = APIRouter(tags=["sales"], dependencies=[WriteLock])
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/products", response_model=PageOut[ProductRead])
def list_products(db: DbSession, principal: CurrentPrincipal, query: ListParams) -> PageOut[ProductRead]:
    page = sales_service.products.list(db, principal, query)
    return PageOut(
        items=[ProductRead.model_validate(p) for p in page.items], next_cursor=page.next_cursor, limit=page.limit
    )


@router.post("/products", status_code=status.HTTP_201_CREATED)
def create_product(body: ProductCreate, db: DbSession, principal: CurrentPrincipal) -> ProductRead:
    return ProductRead.model_validate(sales_service.products.create(db, principal, body.model_dump()))


@router.get("/products/{product_id}")
def get_product(product_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> ProductRead:
    return ProductRead.model_validate(sales_service.products.get(db, principal, product_id))


@router.patch("/products/{product_id}")
def update_product(
    product_id: RecordId, body: ProductUpdate, db: DbSession, principal: CurrentPrincipal
) -> ProductRead:
    values = body.model_dump(exclude_unset=True)
    return ProductRead.model_validate(sales_service.products.update(db, principal, product_id, values))


@router.delete("/products/{product_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_product(product_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> None:
    sales_service.products.delete(db, principal, product_id)


@router.get("/orders", response_model=PageOut[OrderRead])
def list_orders(db: DbSession, principal: CurrentPrincipal, query: ListParams) -> PageOut[OrderRead]:
    page = sales_service.orders.list(db, principal, query)
    return PageOut(
        items=[OrderRead.model_validate(o) for o in page.items], next_cursor=page.next_cursor, limit=page.limit
    )


@router.post("/orders", status_code=status.HTTP_201_CREATED)
def create_order(body: OrderCreate, db: DbSession, principal: CurrentPrincipal) -> OrderRead:
    """Totals are computed from the lines; a line without unit_price takes the product's price."""
    return OrderRead.model_validate(sales_service.create_order(db, principal, body.model_dump()))


@router.get("/orders/{order_id}")
def get_order(order_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> OrderRead:
    return OrderRead.model_validate(sales_service.orders.get(db, principal, order_id))


@router.patch("/orders/{order_id}")
def update_order(order_id: RecordId, body: OrderUpdate, db: DbSession, principal: CurrentPrincipal) -> OrderRead:
    values = body.model_dump(exclude_unset=True)
    return OrderRead.model_validate(sales_service.orders.update(db, principal, order_id, values))


@router.get("/pipelines", response_model=PageOut[PipelineRead])
def list_pipelines(db: DbSession, principal: CurrentPrincipal, query: ListParams) -> PageOut[PipelineRead]:
    page = sales_service.pipelines.list(db, principal, query)
    items = [PipelineRead.model_validate(p) for p in page.items]
    return PageOut(items=items, next_cursor=page.next_cursor, limit=page.limit)


@router.post("/pipelines", status_code=status.HTTP_201_CREATED)
def create_pipeline(body: PipelineCreate, db: DbSession, principal: CurrentPrincipal) -> PipelineRead:
    return PipelineRead.model_validate(sales_service.create_pipeline(db, principal, body.model_dump()))


@router.get("/pipelines/{pipeline_id}")
def get_pipeline(pipeline_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> PipelineRead:
    return PipelineRead.model_validate(sales_service.pipelines.get(db, principal, pipeline_id))


@router.get("/deals", response_model=PageOut[DealRead])
def list_deals(db: DbSession, principal: CurrentPrincipal, query: ListParams) -> PageOut[DealRead]:
    page = sales_service.deals.list(db, principal, query)
    return PageOut(
        items=[DealRead.model_validate(d) for d in page.items], next_cursor=page.next_cursor, limit=page.limit
    )


@router.post("/deals", status_code=status.HTTP_201_CREATED)
def create_deal(body: DealCreate, db: DbSession, principal: CurrentPrincipal) -> DealRead:
    return DealRead.model_validate(sales_service.create_deal(db, principal, body.model_dump()))


@router.get("/deals/{deal_id}")
def get_deal(deal_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> DealRead:
    return DealRead.model_validate(sales_service.deals.get(db, principal, deal_id))


@router.patch("/deals/{deal_id}")
def update_deal(deal_id: RecordId, body: DealUpdate, db: DbSession, principal: CurrentPrincipal) -> DealRead:
    """Moving a deal to another stage sets its probability (unless given) and, for won/lost stages, closes it."""
    return DealRead.model_validate(
        sales_service.update_deal(db, principal, deal_id, body.model_dump(exclude_unset=True))
    )


@router.delete("/deals/{deal_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_deal(deal_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> None:
    sales_service.deals.delete(db, principal, deal_id)
