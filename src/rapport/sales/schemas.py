"""Shapes of products, orders, pipelines and deals for the API and exports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from rapport.kit.schema import Schema

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
OrderStatus = Literal["pending", "paid", "shipped", "delivered", "cancelled", "returned"]
Channel = Literal["web", "app", "store", "marketplace", "phone"]


class ProductCreate(Schema):
    sku: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    name_zh: Annotated[str, StringConstraints(max_length=200)] | None = None
    category: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    brand: Annotated[str, StringConstraints(max_length=100)] | None = None
    price: Amount
    currency: Currency = "USD"
    stock: Annotated[int, Field(ge=0, le=10**9)] = 0
    description: Annotated[str, StringConstraints(max_length=20_000)] | None = None


class ProductUpdate(ProductCreate):
    sku: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None  # type: ignore[assignment]
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None  # type: ignore[assignment]
    category: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None  # type: ignore[assignment]
    price: Amount | None = None  # type: ignore[assignment]
    currency: Currency | None = None  # type: ignore[assignment]
    stock: Annotated[int, Field(ge=0, le=10**9)] | None = None  # type: ignore[assignment]


class ProductRead(Schema):
    id: int
    sku: str
    name: str
    name_zh: str | None
    category: str
    brand: str | None
    price: Decimal
    currency: str
    stock: int
    description: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class OrderLineCreate(Schema):
    product_id: Id
    quantity: Annotated[int, Field(ge=1, le=100_000)]
    unit_price: Amount | None = Field(default=None, description="Defaults to the product's current price.")


class OrderCreate(Schema):
    customer_id: Id
    number: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None
    placed_at: datetime | None = None
    status: OrderStatus = "paid"
    channel: Channel = "web"
    currency: Currency = "USD"
    discount: Amount = Decimal("0")
    shipping: Amount = Decimal("0")
    lines: Annotated[list[OrderLineCreate], Field(min_length=1, max_length=500)]


class OrderUpdate(Schema):
    status: OrderStatus | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    tracking_number: Annotated[str, StringConstraints(max_length=64)] | None = None


class OrderLineRead(Schema):
    id: int
    product_id: int
    quantity: int
    unit_price: Decimal
    line_total: Decimal


class OrderRead(Schema):
    id: int
    number: str
    customer_id: int
    placed_at: datetime
    status: str
    channel: str
    currency: str
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    total: Decimal
    shipped_at: datetime | None
    delivered_at: datetime | None
    tracking_number: str | None
    lines: list[OrderLineRead]
    created_at: datetime


class StageRead(Schema):
    id: int
    name: str
    position: int
    probability: int
    is_won: bool
    is_lost: bool


class StageCreate(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    probability: Annotated[int, Field(ge=0, le=100)]
    is_won: bool = False
    is_lost: bool = False


class PipelineCreate(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    is_default: bool = False
    stages: Annotated[list[StageCreate], Field(min_length=1, max_length=30)]


class PipelineRead(Schema):
    id: int
    name: str
    is_default: bool
    stages: list[StageRead]


class DealCreate(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    customer_id: Id | None = None
    company_id: Id | None = None
    pipeline_id: Id | None = Field(default=None, description="Defaults to the default pipeline.")
    stage_id: Id | None = Field(default=None, description="Defaults to the pipeline's first stage.")
    amount: Amount
    currency: Currency = "USD"
    probability: Annotated[int, Field(ge=0, le=100)] | None = None
    expected_close: date | None = None
    owner_id: Id | None = None


class DealUpdate(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    stage_id: Id | None = None
    amount: Amount | None = None
    probability: Annotated[int, Field(ge=0, le=100)] | None = None
    expected_close: date | None = None
    owner_id: Id | None = None


class DealRead(Schema):
    id: int
    name: str
    customer_id: int | None
    company_id: int | None
    pipeline_id: int
    stage_id: int
    stage: StageRead
    amount: Decimal
    currency: str
    probability: int
    expected_close: date | None
    owner_id: int | None
    status: str
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
