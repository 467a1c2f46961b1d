"""The frames analytics works on: their columns and types, shared by the loader, the pipeline and the benchmark."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

UTC_TIME = pl.Datetime("us", "UTC")

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "customers": {
        "customer_id": pl.Int64(),
        "full_name": pl.String(),
        "language": pl.String(),
        "owner_id": pl.Int64(),
        "created_at": UTC_TIME,
    },
    "orders": {
        "order_id": pl.Int64(),
        "customer_id": pl.Int64(),
        "number": pl.String(),
        "placed_at": UTC_TIME,
        "status": pl.String(),
        "channel": pl.String(),
        "total": pl.Float64(),
    },
    "order_lines": {
        "order_id": pl.Int64(),
        "product_id": pl.Int64(),
        "quantity": pl.Int64(),
        "line_total": pl.Float64(),
    },
    "products": {
        "product_id": pl.Int64(),
        "name": pl.String(),
        "name_zh": pl.String(),
        "category": pl.String(),
        "brand": pl.String(),
    },
    "tickets": {
        "ticket_id": pl.Int64(),
        "customer_id": pl.Int64(),
        "subject": pl.String(),
        "status": pl.String(),
        "intent": pl.String(),
        "sentiment": pl.String(),
        "created_at": UTC_TIME,
        "resolved_at": UTC_TIME,
    },
    "interactions": {
        "interaction_id": pl.Int64(),
        "customer_id": pl.Int64(),
        "ticket_id": pl.Int64(),
        "product_id": pl.Int64(),
        "kind": pl.String(),
        "direction": pl.String(),
        "sentiment": pl.String(),
        "rating": pl.Int64(),
        "body": pl.String(),
        "occurred_at": UTC_TIME,
    },
}


def empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMAS[name])


def conform(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with exactly the named table's columns and types (missing columns become nulls)."""
    schema = SCHEMAS[name]
    columns = [
        (pl.col(col) if col in frame.columns else pl.lit(None)).cast(dtype).alias(col) for col, dtype in schema.items()
    ]
    return frame.select(columns)


@dataclass(frozen=True)
class Frames:
    """Everything one analytics run reads: one frame per table, columns as in SCHEMAS."""

    customers: pl.DataFrame
    orders: pl.DataFrame
    order_lines: pl.DataFrame
    products: pl.DataFrame
    tickets: pl.DataFrame
    interactions: pl.DataFrame

    def only(self, customer_ids: pl.Series) -> Frames:
        """The same tables restricted to these customers (their orders' lines included; products kept whole)."""
        keep = pl.DataFrame({"customer_id": customer_ids.cast(pl.Int64)})
        orders = self.orders.join(keep, on="customer_id", how="semi")
        return Frames(
            customers=self.customers.join(keep, on="customer_id", how="semi"),
            orders=orders,
            order_lines=self.order_lines.join(orders.select("order_id"), on="order_id", how="semi"),
            products=self.products,
            tickets=self.tickets.join(keep, on="customer_id", how="semi"),
            interactions=self.interactions.join(keep, on="customer_id", how="semi"),
        )

    @classmethod
    def of(cls, **frames: pl.DataFrame) -> Frames:
        """Frames from whatever tables are given; absent ones are empty, all are conformed to SCHEMAS."""
        return cls(**{name: conform(name, frames.get(name, empty(name))) for name in SCHEMAS})
