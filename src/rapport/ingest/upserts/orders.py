"""Upsert orders from files with one row per order or one row per line item (shop exports repeat the order on
every line). An order is found by its id in the source system or its number; a line by its order and product.
Totals are recomputed from the lines, as everywhere else in Rapport; a header-only row keeps the total it gives.

A row counts as inserted when it created an order or a line, updated when it changed one, unchanged otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from rapport.ingest.rows import CENT, Prepared
from rapport.ingest.upserts.common import (
    Outcome,
    WriteContext,
    add_external_ids,
    external_ids,
    insert_returning_ids,
    quarantined,
    resolve_customers,
    table,
    update_many,
)
from rapport.sales.models import Order, OrderLine, Product

HEADER = ("customer_id", "placed_at", "status", "channel", "currency", "discount", "shipping", "shipped_at")
HEADER_TEXT = ("tracking_number",)
ZERO = Decimal("0.00")


@dataclass
class _Order:
    current: dict[str, Any]
    record_id: int | None = None
    changed: set[str] = field(default_factory=set)
    lines: dict[int, dict[str, Any]] = field(default_factory=dict)  # product id → line
    changed_lines: set[int] = field(default_factory=set)
    given_total: Decimal | None = None
    external_id: str | None = None


def write(conn: Connection, ctx: WriteContext, rows: list[Prepared]) -> list[Outcome]:
    outcomes: list[Outcome | None] = resolve_customers(conn, ctx, rows, create=ctx.options.create_missing)
    products = _products(conn, ctx, [r for r, o in zip(rows, outcomes, strict=True) if o is None])
    for i, row in enumerate(rows):
        sku = row.values.get("sku")
        if outcomes[i] is None and sku and sku not in products:
            outcomes[i] = quarantined(row, "sku", "not_found", f"no product has the SKU {sku}")
    orders = _load_orders(conn, ctx, [r for r, o in zip(rows, outcomes, strict=True) if o is None])
    touched: list[_Order | None] = []
    for i, row in enumerate(rows):
        if outcomes[i] is not None:
            touched.append(None)
            continue
        outcomes[i], state = _apply(row, orders, products, ctx)
        touched.append(state)
    _flush(conn, ctx, orders)
    final: list[Outcome] = []
    for maybe, order in zip(outcomes, touched, strict=True):
        assert maybe is not None
        if order is not None and maybe.kind != "quarantined":
            maybe.record_id = order.record_id
        final.append(maybe)
    return final


def _products(conn: Connection, ctx: WriteContext, rows: list[Prepared]) -> dict[str, tuple[int, Decimal]]:
    """SKU → (product id, price); unknown SKUs become products when the import may create them."""
    skus = {r.values["sku"] for r in rows if r.values.get("sku")}
    if not skus:
        return {}
    products = table(Product)
    stmt = select(products.c.sku, products.c.id, products.c.price).where(products.c.sku.in_(skus))
    known = {sku: (pid, price) for sku, pid, price in conn.execute(stmt)}
    if not ctx.options.create_missing:
        return known
    new: dict[str, dict[str, Any]] = {}
    for row in rows:
        v = row.values
        sku = v.get("sku")
        if sku and sku not in known and sku not in new:
            new[sku] = {
                "sku": sku,
                "name": (v.get("product_name") or sku)[:200],
                "name_zh": None,
                "category": "Uncategorised",
                "brand": None,
                "price": v.get("unit_price") or ZERO,
                "currency": v.get("currency") or row.defaults.get("currency") or ctx.options.currency,
                "stock": 0,
                "description": None,
                "created_at": ctx.now,
                "updated_at": ctx.now,
                "deleted_at": None,
            }
    ids = insert_returning_ids(conn, products, list(new.values()))
    for (sku, spec), pid in zip(new.items(), ids, strict=True):
        known[sku] = (pid, spec["price"])
    if new:
        ctx.warnings["products created from order lines (SKU not in the catalogue)"] += len(new)
    return known


def _load_orders(conn: Connection, ctx: WriteContext, rows: list[Prepared]) -> dict[str, _Order]:
    """Existing orders named in the chunk, by number, with their lines."""
    by_external = external_ids(conn, "orders", ctx.source, (r.values.get("external_id") for r in rows))
    numbers = {r.values["number"] for r in rows}
    orders = table(Order)
    stmt = select(orders).where(orders.c.number.in_(numbers) | orders.c.id.in_(set(by_external.values()) or {-1}))
    loaded = {row["id"]: _Order(current=dict(row), record_id=row["id"]) for row in conn.execute(stmt).mappings()}
    lines = table(OrderLine)
    if loaded:
        for line in conn.execute(select(lines).where(lines.c.order_id.in_(set(loaded)))).mappings():
            loaded[line["order_id"]].lines[line["product_id"]] = dict(line)
    result = {state.current["number"]: state for state in loaded.values()}
    for row in rows:
        # An order known by its id in the source keeps the number it has here even if the file renumbered it.
        record_id = by_external.get(row.values.get("external_id") or "")
        if record_id in loaded:
            row.values["number"] = loaded[record_id].current["number"]
    return result


def _apply(
    row: Prepared, orders: dict[str, _Order], products: dict[str, tuple[int, Decimal]], ctx: WriteContext
) -> tuple[Outcome, _Order]:
    v = row.values
    order = orders.get(v["number"])
    created = order is None
    if order is None:
        order = _Order(current=_new_order(row, ctx), external_id=v.get("external_id"))
        orders[v["number"]] = order
    elif order.current["customer_id"] != v["customer_id"]:
        return quarantined(row, "customer", "conflict", f"order {v['number']} belongs to another customer"), order
    changed = False
    for name in (*HEADER, *HEADER_TEXT):
        if name in v and order.current.get(name) != v[name]:
            order.current[name] = v[name]
            order.changed.add(name)
            changed = True
    if "total" in v:
        order.given_total = v["total"]
    inserted_line = False
    if v.get("sku"):
        product_id, price = products[v["sku"]]
        unit_price = v.get("unit_price", price)
        line = {
            "product_id": product_id,
            "quantity": v["quantity"],
            "unit_price": unit_price,
            "line_total": (unit_price * v["quantity"]).quantize(CENT),
        }
        existing = order.lines.get(product_id)
        if existing is None:
            order.lines[product_id] = line
            order.changed_lines.add(product_id)
            inserted_line = True
        elif any(existing[k] != line[k] for k in ("quantity", "unit_price")):
            existing.update(line)
            order.changed_lines.add(product_id)
            changed = True
    if not created and _retotal(order):
        changed = True
    if created:
        _retotal(order)
    kind = "inserted" if created or inserted_line else "updated" if changed else "unchanged"
    return Outcome(kind), order


def _new_order(row: Prepared, ctx: WriteContext) -> dict[str, Any]:
    v, d = row.values, row.defaults
    return {
        "number": v["number"],
        "customer_id": v["customer_id"],
        "placed_at": v["placed_at"],
        "status": v.get("status", d["status"]),
        "channel": v.get("channel", d["channel"]),
        "currency": v.get("currency", d.get("currency", ctx.options.currency)),
        "subtotal": ZERO,
        "discount": v.get("discount", ZERO),
        "shipping": v.get("shipping", ZERO),
        "total": ZERO,
        "shipped_at": v.get("shipped_at"),
        "delivered_at": None,
        "tracking_number": v.get("tracking_number"),
        "source": ctx.source,
        "created_at": ctx.now,
        "updated_at": ctx.now,
    }


def _retotal(order: _Order) -> bool:
    """Recompute subtotal and total; True when they changed."""
    current = order.current
    if order.lines:
        subtotal = sum((line["line_total"] for line in order.lines.values()), ZERO)
        total = subtotal - current["discount"] + current["shipping"]
    elif order.given_total is not None:
        total = order.given_total
        subtotal = total - current["shipping"] + current["discount"]
    else:
        return False
    if current["subtotal"] == subtotal and current["total"] == total:
        return False
    current["subtotal"], current["total"] = subtotal, total
    order.changed |= {"subtotal", "total"}
    return True


def _flush(conn: Connection, ctx: WriteContext, orders: dict[str, _Order]) -> None:
    new = [o for o in orders.values() if o.record_id is None]
    for order, record_id in zip(new, insert_returning_ids(conn, table(Order), [o.current for o in new]), strict=True):
        order.record_id = record_id
    add_external_ids(
        conn, "orders", ctx.source, [(o.external_id, o.record_id) for o in new if o.external_id and o.record_id]
    )
    update_many(
        conn,
        table(Order),
        (
            (o.record_id, {**{n: o.current[n] for n in o.changed}, "updated_at": ctx.now})
            for o in orders.values()
            if o.changed and o.record_id is not None and o not in new
        ),
    )
    lines = table(OrderLine)
    fresh = [
        {**line, "order_id": order.record_id}
        for order in orders.values()
        for pid, line in order.lines.items()
        if pid in order.changed_lines and "id" not in line
    ]
    insert_returning_ids(conn, lines, [{k: r[k] for k in ("order_id", *_LINE)} for r in fresh])
    update_many(
        conn,
        lines,
        (
            (line["id"], {k: line[k] for k in _LINE[1:]})
            for order in orders.values()
            for pid, line in order.lines.items()
            if pid in order.changed_lines and "id" in line
        ),
    )
    for order in orders.values():
        order.changed.clear()
        order.changed_lines.clear()


_LINE = ("product_id", "quantity", "unit_price", "line_total")
