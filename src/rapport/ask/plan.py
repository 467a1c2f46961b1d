"""The query plan: what the model produces for a question (structured output), never SQL.

A plan names an entity, metrics, dimensions, filters, a time range, conditions on metrics (`having`), an anti-join
("customers without an order in the last 60 days"), an ordering and a limit. Every name is checked against the
semantic layer by `compile.py`; a plan the layer cannot express becomes a refusal with the reason.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FilterOp = Literal["=", "!=", ">", ">=", "<", "<=", "in", "not in", "contains"]
Period = Literal[
    "today", "this_week", "this_month", "last_month", "this_quarter", "last_quarter", "this_year", "last_year"
]
Grain = Literal["year", "quarter", "month", "week", "day"]
Scalar = str | int | float | bool


class Filter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str
    op: FilterOp = "="
    value: Scalar | list[Scalar] | None = None


class Having(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric: str
    op: Literal["=", "!=", ">", ">=", "<", "<="] = ">"
    value: float


class TimeRange(BaseModel):
    """One of: the last N days, a named calendar period, or dates (start inclusive, end exclusive)."""

    model_config = ConfigDict(extra="forbid")

    last_days: int | None = Field(default=None, ge=1, le=36500)
    period: Period | None = None
    start: date | None = None
    end: date | None = None


class Without(BaseModel):
    """Keep only customers with no row of `entity` (within the last `days`, or ever)."""

    model_config = ConfigDict(extra="forbid")

    entity: Literal["orders", "tickets", "interactions", "deals"] = "orders"
    days: int | None = Field(default=None, ge=1, le=36500)


class OrderBy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str  # a metric, a dimension or a time grain of the plan
    desc: bool = True


class QueryPlan(BaseModel):
    """`answerable` false (with `reason`) when the data cannot answer the question."""

    model_config = ConfigDict(extra="forbid")

    answerable: bool = True
    reason: str | None = None
    entity: str | None = None
    metrics: list[str] = Field(default_factory=list, max_length=6)
    dimensions: list[str] = Field(default_factory=list, max_length=6)
    filters: list[Filter] = Field(default_factory=list, max_length=12)
    time: TimeRange | None = None
    having: list[Having] = Field(default_factory=list, max_length=4)
    without: Without | None = None
    order_by: list[OrderBy] = Field(default_factory=list, max_length=4)
    limit: int | None = Field(default=None, ge=1, le=1000)
    chart: Literal["auto", "bar", "line", "none"] = "auto"

    def compact(self) -> str:
        """The plan as short JSON (defaults left out): what follow-ups show the model and what is audited."""
        return self.model_dump_json(exclude_defaults=True)
