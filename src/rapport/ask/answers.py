"""What an answer shows besides its rows: values made plain for JSON, a chart when one helps, a one-sentence summary
computed from the rows by code (so it can only cite numbers that are in the result), and the SQL as text."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect

from rapport.ask.compile import Column
from rapport.ask.plan import QueryPlan
from rapport.ask.semantic import FIELDS, METRICS, TIME_GRAINS

MAX_CHART_POINTS = 40
_CJK = re.compile(r"[\u4e00-\u9fff]")

METRIC_ZH = {
    "order_count": "订单数",
    "revenue": "销售额",
    "avg_order_value": "平均订单金额",
    "units_sold": "销量",
    "customer_count": "客户数",
    "product_count": "商品数",
    "avg_price": "平均价格",
    "ticket_count": "工单数",
    "avg_handling_hours": "平均处理时长（小时）",
    "avg_first_response_hours": "平均首次响应时长（小时）",
    "interaction_count": "互动数",
    "avg_rating": "平均评分",
    "deal_count": "商机数",
    "deal_amount": "商机金额",
}


def plain_value(value: Any) -> Any:
    """JSON-ready: money and averages rounded to 2 places, times as ISO text."""
    if isinstance(value, Decimal):
        return float(round(value, 2))
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def chart_for(plan: QueryPlan, columns: list[Column], rows: list[list[Any]]) -> dict[str, Any] | None:
    """One dimension and one metric: bars, or a line over a time bucket; anything else reads better as a table."""
    if plan.chart == "none" or not rows:
        return None
    dims = [c for c in columns if not c.is_metric and c.name != "customer.id"]
    metrics = [c for c in columns if c.is_metric]
    if len(dims) != 1 or len(metrics) != 1 or len(rows) < 2 or len(rows) > MAX_CHART_POINTS:
        return None
    x, y = columns.index(dims[0]), columns.index(metrics[0])
    kind = "line" if dims[0].name in TIME_GRAINS else "bar"
    if plan.chart in ("bar", "line"):
        kind = plan.chart
    points = [[str(row[x]) if row[x] is not None else "–", float(row[y] or 0)] for row in rows]
    return {"type": kind, "x": dims[0].name, "y": metrics[0].name, "points": points}


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "money":
        return f"${float(value):,.2f}"
    if kind == "hours":
        return f"{float(value):,.1f} h"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    if isinstance(value, int | float):
        return f"{int(value):,}"
    return str(value)


def _metric_name(name: str, zh: bool) -> str:
    return METRIC_ZH.get(name, name) if zh else name.replace("_", " ")


def summarize(question: str, plan: QueryPlan, columns: list[Column], rows: list[list[Any]], truncated: bool) -> str:
    """One sentence from the rows themselves: the single value, or the count and the top (or first) row."""
    zh = is_chinese(question)
    metrics = [(i, c) for i, c in enumerate(columns) if c.is_metric]
    dims = [(i, c) for i, c in enumerate(columns) if not c.is_metric and c.name != "customer.id"]
    if not rows:
        return "没有符合条件的数据。" if zh else "No rows match the question."
    more = ("（结果已截断）" if zh else " (the list was cut at the row limit)") if truncated else ""
    if metrics and not dims and len(rows) == 1:
        parts = [f"{_metric_name(c.name, zh)}: {_fmt(rows[0][i], c.kind)}" for i, c in metrics]
        return ("；".join(parts) + "。") if zh else ("; ".join(parts) + ".")
    if metrics and dims:
        i, metric = metrics[0]
        label = " / ".join(str(rows[0][j]) for j, _ in dims)
        ranked = (
            plan.order_by[0].key == metric.name if plan.order_by else not any(c.name in TIME_GRAINS for _, c in dims)
        )
        if zh:
            ascending = bool(plan.order_by) and not plan.order_by[0].desc
            lead = ("最低的是" if ascending else "最高的是") if ranked else "第一行是"
            value = _fmt(rows[0][i], metric.kind)
            return f"共 {len(rows)} 行{more}；{lead} {label}，{_metric_name(metric.name, zh)} {value}。"
        ascending = bool(plan.order_by) and not plan.order_by[0].desc
        lead = ("lowest is" if ascending else "highest is") if ranked else "first is"
        return (
            f"{len(rows)} rows{more}; {lead} {label} with {_metric_name(metric.name, zh)} "
            f"{_fmt(rows[0][i], metric.kind)}."
        )
    return f"共 {len(rows)} 行{more}。" if zh else f"{len(rows)} rows{more}."


def sql_text(statement: Select[Any], dialect: Dialect) -> str:
    """The statement with its values written in, for people to read (it ran with bound parameters)."""
    try:
        return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except Exception:  # a value type without a literal form: show the parameters beside the SQL instead
        compiled = statement.compile(dialect=dialect)
        return f"{compiled}\n-- parameters: {compiled.params}"


def column_title(name: str, zh: bool) -> str:
    if name in METRICS:
        return _metric_name(name, zh)
    if name in FIELDS or name in TIME_GRAINS:
        return name
    return name
