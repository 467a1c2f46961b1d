"""Plans to one SQLAlchemy Core SELECT: names checked against the semantic layer, joins chosen by this code, the
principal's record-level scope applied to the fact, and field-level permissions refused before anything runs.

The model never writes SQL. A name the layer does not know, a field the principal may not see, or metrics that no
one table can answer together become a `Refusal` with the reason, never a database error.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, not_, or_, select, true
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm import join as orm_join
from sqlalchemy.orm import outerjoin as orm_outerjoin

from rapport.ask import expressions
from rapport.ask.plan import Filter, QueryPlan, TimeRange
from rapport.ask.semantic import (
    EDGES,
    ENTITIES,
    FIELDS,
    METRICS,
    NODES,
    TIME_GRAINS,
    Field,
    field_refusal,
    may_read,
    reachable,
)
from rapport.ask.values import link
from rapport.customers import blind as customer_blind
from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.errors import Forbidden, Invalid
from rapport.interactions import service as interaction_service
from rapport.interactions.models import Interaction
from rapport.privacy.access import Principal
from rapport.privacy.crypto import Encrypted
from rapport.sales import service as sales_service
from rapport.sales.models import Deal, Order
from rapport.tickets import service as ticket_service
from rapport.tickets.models import Ticket

MAX_ROWS = 1000
# Preference when the plan does not say which table to count on and several could answer.
FACT_ORDER = ("customers", "orders", "order_lines", "tickets", "interactions", "deals", "products")
SCOPES: dict[str, Callable[[Principal], ColumnElement[bool] | None]] = {
    "customers": customer_service.customer_scope,
    "orders": sales_service.order_scope,
    "order_lines": sales_service.order_scope,
    "tickets": ticket_service.ticket_scope,
    "interactions": interaction_service.interaction_scope,
    "deals": sales_service.deal_scope,
}
# For "without": the table and its time column, per entity a customer may have none of.
WITHOUT: dict[str, tuple[Any, str, str]] = {
    "orders": (Order, "customer_id", "placed_at"),
    "tickets": (Ticket, "customer_id", "created_at"),
    "interactions": (Interaction, "customer_id", "occurred_at"),
    "deals": (Deal, "customer_id", "created_at"),
}


class Refusal(Invalid):
    """The question cannot be answered: not from this data, or not for this principal."""

    code = "refused"


class NotPermitted(Forbidden):
    """The question needs data the principal may not see."""

    code = "refused"


@dataclass(frozen=True)
class Column:
    name: str  # a field, a time grain or a metric
    kind: str  # text | number | money | hours | time | bool | id
    is_metric: bool = False


@dataclass
class Compiled:
    statement: Select[Any]
    entity: str
    columns: list[Column]
    limit: int
    notes: list[str] = field(default_factory=list)
    touched: list[str] = field(default_factory=list)  # permission entities read


def compile_plan(
    plan: QueryPlan,
    principal: Principal,
    *,
    dialect: str,
    now: datetime,
    session: Session | None = None,
    max_rows: int = MAX_ROWS,
) -> Compiled:
    if not plan.answerable:
        raise Refusal(plan.reason or "the question cannot be answered from the CRM's data")
    metrics = _metric_names(plan)
    dims = _check_names(plan.dimensions, allow_grains=True)
    filter_fields = _check_names([f.field for f in plan.filters], allow_grains=False)
    entity = _choose_entity(plan, metrics, [*dims, *filter_fields])
    spec = ENTITIES[entity]
    if not metrics and not dims:
        dims = [f for f in spec.list_fields if field_refusal(principal, FIELDS[f]) is None]
    if any(d in ("customer.name",) for d in dims) and "customer.id" not in dims:
        dims.insert(dims.index("customer.name"), "customer.id")  # two customers may share a name
    used_fields = [d for d in dims if d in FIELDS] + filter_fields
    if plan.time is not None or any(d in TIME_GRAINS for d in dims):
        used_fields.append(spec.time_field)
    _check_permissions(principal, entity, used_fields, plan)
    paths = reachable(entity)
    nodes = {spec.node, *spec.joins} | {n for f in used_fields for n in paths[FIELDS[f].node]}
    if plan.without is not None:
        if "customer" not in paths:
            raise Refusal(f"'without {plan.without.entity}' needs customers, which {entity} do not lead to")
        nodes |= set(paths["customer"])
    compiled = Compiled(select(), entity, [], min(plan.limit or max_rows, max_rows))
    compiled.touched = sorted({NODES[n].entity for n in nodes})
    stmt = _from(spec.node, nodes, paths)
    stmt = _where(stmt, principal, entity, nodes, paths)
    columns: list[tuple[Column, ColumnElement[Any]]] = []
    for dim in dims:
        if dim in TIME_GRAINS:
            time_col = FIELDS[spec.time_field].column_of()
            columns.append((Column(dim, "text"), expressions.time_bucket(time_col, dim, dialect)))
        else:
            columns.append((Column(dim, FIELDS[dim].kind), FIELDS[dim].column_of()))
    for name in metrics:
        form = METRICS[name].forms[entity]
        columns.append((Column(name, METRICS[name].kind, is_metric=True), form(dialect)))
    labelled = [expr.label(_label(col.name)) for col, expr in columns]
    stmt = stmt.add_columns(*labelled)
    for flt in plan.filters:
        stmt = stmt.where(_filter(flt, session, compiled.notes, dialect))
    if plan.time is not None:
        stmt = stmt.where(_time_clause(FIELDS[spec.time_field], plan.time, now))
    if plan.without is not None:
        stmt = stmt.where(_without(plan.without.entity, plan.without.days, now))
    by_name = {col.name: expr for col, expr in columns}
    if metrics:
        group = [expr for col, expr in columns if not col.is_metric]
        if group:
            stmt = stmt.group_by(*group)
        for cond in plan.having:
            stmt = stmt.having(_compare(by_name[cond.metric], cond.op, cond.value))
    else:
        stmt = stmt.distinct()
    stmt = stmt.order_by(*_ordering(plan, columns, by_name))
    compiled.statement = stmt.limit(compiled.limit + 1)  # one more, to tell the caller the answer was cut
    compiled.columns = [col for col, _ in columns]
    return compiled


# ---- names -----------------------------------------------------------------------------------------------------------
def _metric_names(plan: QueryPlan) -> list[str]:
    names = list(dict.fromkeys(plan.metrics))
    for extra in [h.metric for h in plan.having] + [o.key for o in plan.order_by]:
        if extra in METRICS and extra not in names:
            names.append(extra)  # "having revenue > 5000" needs revenue computed
    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise Refusal(f"there is no metric called {', '.join(repr(n) for n in unknown)}; known: {', '.join(METRICS)}")
    return names


def _check_names(names: list[str], *, allow_grains: bool) -> list[str]:
    checked: list[str] = []
    for name in dict.fromkeys(names):
        if name in FIELDS or (allow_grains and name in TIME_GRAINS):
            checked.append(name)
        elif name in METRICS:
            raise Refusal(f"'{name}' is a metric; put conditions on it under 'having'")
        else:
            raise Refusal(f"the CRM has no field called '{name}'")
    return checked


def _choose_entity(plan: QueryPlan, metrics: list[str], fields: list[str]) -> str:
    candidates: list[str] = []
    if plan.entity:
        if plan.entity not in ENTITIES:
            raise Refusal(f"there is no entity called '{plan.entity}'; known: {', '.join(ENTITIES)}")
        candidates.append(plan.entity)
    for name in metrics:
        candidates += list(METRICS[name].forms)
    for name in fields:
        if name in FIELDS:
            candidates += [e.name for e in ENTITIES.values() if e.node == FIELDS[name].node]
    candidates += list(FACT_ORDER)
    for entity in dict.fromkeys(candidates):
        paths = reachable(entity)
        if (
            all(entity in METRICS[m].forms for m in metrics)
            and all(f not in FIELDS or FIELDS[f].node in paths for f in fields)
            and (plan.without is None or "customer" in paths)
        ):
            return entity
    raise Refusal(
        "no single table answers " + ", ".join([*metrics, *fields]) + " together; ask for them in separate questions"
    )


# ---- permissions -----------------------------------------------------------------------------------------------------
def _check_permissions(principal: Principal, entity: str, fields: list[str], plan: QueryPlan) -> None:
    reasons: list[str] = []
    fact_entity = NODES[ENTITIES[entity].node].entity
    if not may_read(principal, fact_entity):
        reasons.append(f"your role ({principal.role}) may not read {fact_entity}")
    if plan.without is not None and not may_read(principal, plan.without.entity):
        reasons.append(f"your role ({principal.role}) may not read {plan.without.entity}")
    for name in dict.fromkeys(fields):
        why = field_refusal(principal, FIELDS[name])
        if why:
            reasons.append(f"{name}: {why}")
    if reasons:
        raise NotPermitted("you may not see this: " + "; ".join(dict.fromkeys(reasons)))


# ---- from and where --------------------------------------------------------------------------------------------------
def _is_outer(start: str, path: list[str]) -> bool:
    steps = [start, *path]
    return any(EDGES[(a, b)][1] for a, b in itertools.pairwise(steps))


def _from(start: str, nodes: set[str], paths: dict[str, list[str]]) -> Select[Any]:
    target: Any = NODES[start].model
    for node in sorted(nodes - {start}, key=lambda n: (len(paths[n]), n)):
        parent = paths[node][-2] if len(paths[node]) > 1 else start
        condition, is_outer = EDGES[(parent, node)]
        onclause = condition()
        model = NODES[node].model
        if NODES[node].soft_delete and _is_outer(start, paths[node]):
            onclause = and_(onclause, model.deleted_at.is_(None))
        target = orm_outerjoin(target, model, onclause) if is_outer else orm_join(target, model, onclause)
    return select().select_from(target)


def _where(
    stmt: Select[Any], principal: Principal, entity: str, nodes: set[str], paths: dict[str, list[str]]
) -> Select[Any]:
    start = ENTITIES[entity].node
    for node in sorted(nodes):
        if NODES[node].soft_delete and (node == start or not _is_outer(start, paths[node])):
            stmt = stmt.where(NODES[node].model.deleted_at.is_(None))
    scope = SCOPES.get(entity)
    clause = scope(principal) if scope else None
    if clause is not None:
        stmt = stmt.where(clause)
    return stmt


# ---- filters ---------------------------------------------------------------------------------------------------------
def _filter(flt: Filter, session: Session | None, notes: list[str], dialect: str) -> ColumnElement[bool]:
    fld = FIELDS[flt.field]
    column = fld.column_of()
    values = flt.value if isinstance(flt.value, list) else [flt.value]
    if flt.op in ("=", "!=", "in", "not in") and any(v is None for v in values):
        is_null = column.is_(None)
        return not_(is_null) if flt.op in ("!=", "not in") else is_null
    if isinstance(column.type, Encrypted):
        return _encrypted_filter(fld, flt, [str(v) for v in values])
    typed = [_typed(fld, v) for v in values]
    if fld.kind == "text" and flt.op in ("=", "!=", "in", "not in"):
        texts = [str(v) for v in typed]
        if fld.is_linked and session is not None:
            texts, unmatched = link(session, fld, texts)
            if unmatched:
                notes.append(f"no stored value of {fld.name} matches {', '.join(repr(u) for u in unmatched)}")
            clause = column.in_(texts)
        else:
            clause = func.lower(column).in_([t.lower() for t in texts])
        return not_(clause) if flt.op in ("!=", "not in") else clause
    if flt.op == "contains":
        return column.ilike(f"%{typed[0]}%")
    if flt.op in ("in", "not in"):
        clause = column.in_(typed)
        return not_(clause) if flt.op == "not in" else clause
    if len(typed) != 1:
        raise Refusal(f"'{flt.op}' on {flt.field} takes one value")
    return _compare(column, flt.op, typed[0])


def _encrypted_filter(fld: Field, flt: Filter, values: list[str]) -> ColumnElement[bool]:
    """Encrypted customer fields are matched through their blind indexes: a name by its words, an email or a phone
    exactly; nothing else can be asked of ciphertext."""
    by_field: dict[str, Callable[[str], ColumnElement[bool]]] = {
        "customer.name": customer_blind.search_clause,
        "customer.email": customer_blind.email_clause,
        "customer.phone": customer_blind.phone_clause,
    }
    match = by_field.get(fld.name)
    allowed = ("=", "!=", "in", "not in", "contains") if fld.name == "customer.name" else ("=", "!=", "in", "not in")
    if match is None or flt.op not in allowed:
        raise Refusal(
            f"{fld.name} is encrypted at rest: it can be matched exactly ({', '.join(allowed)}), not by '{flt.op}'"
        )
    clause = or_(*(match(v) for v in values))
    return not_(clause) if flt.op in ("!=", "not in") else clause


def _typed(fld: Field, value: Any) -> Any:
    try:
        if fld.kind in ("number", "money", "id"):
            return float(value) if fld.kind == "money" or not float(value).is_integer() else int(value)
        if fld.kind == "bool":
            return value if isinstance(value, bool) else str(value).lower() in ("true", "1", "yes", "是")
        if fld.kind == "time":
            parsed = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
            if fld.column_of().type.python_type is datetime:
                return datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)
            return parsed
    except (TypeError, ValueError):
        raise Refusal(f"'{value}' is not a valid value for {fld.name} ({fld.kind})") from None
    return value


def _compare(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    clauses: dict[str, Callable[[], ColumnElement[bool]]] = {
        "=": lambda: column == value,
        "!=": lambda: column != value,
        ">": lambda: column > value,
        ">=": lambda: column >= value,
        "<": lambda: column < value,
        "<=": lambda: column <= value,
    }
    if op not in clauses:
        raise Refusal(f"'{op}' cannot compare one value")
    return clauses[op]()


# ---- time ------------------------------------------------------------------------------------------------------------
def period_bounds(time: TimeRange, now: datetime) -> tuple[datetime | None, datetime | None]:
    """[start, end) of a time range, in UTC, relative to `now`."""
    today = datetime(now.year, now.month, now.day, tzinfo=UTC)
    if time.last_days is not None:
        return now - timedelta(days=time.last_days), None
    if time.period is not None:
        quarter_month = 3 * ((now.month - 1) // 3) + 1
        month_start = today.replace(day=1)
        quarter_start = today.replace(month=quarter_month, day=1)
        year_start = today.replace(month=1, day=1)
        bounds = {
            "today": (today, None),
            "this_week": (today - timedelta(days=today.weekday()), None),
            "this_month": (month_start, None),
            "last_month": (_shift_months(month_start, -1), month_start),
            "this_quarter": (quarter_start, None),
            "last_quarter": (_shift_months(quarter_start, -3), quarter_start),
            "this_year": (year_start, None),
            "last_year": (year_start.replace(year=now.year - 1), year_start),
        }
        return bounds[time.period]
    start = datetime(time.start.year, time.start.month, time.start.day, tzinfo=UTC) if time.start else None
    end = datetime(time.end.year, time.end.month, time.end.day, tzinfo=UTC) if time.end else None
    return start, end


def _shift_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    return moment.replace(year=index // 12, month=index % 12 + 1)


def _time_clause(fld: Field, time: TimeRange, now: datetime) -> ColumnElement[bool]:
    start, end = period_bounds(time, now)
    column = fld.column_of()
    clauses: list[ColumnElement[bool]] = []
    if start is not None:
        clauses.append(column >= start)
    if end is not None:
        clauses.append(column < end)
    return and_(true(), *clauses)


def _without(entity: str, days: int | None, now: datetime) -> ColumnElement[bool]:
    model, customer_key, time_key = WITHOUT[entity]
    other = aliased(model, name=f"without_{entity}")
    condition = getattr(other, customer_key) == Customer.id
    if days is not None:
        condition = and_(condition, getattr(other, time_key) >= now - timedelta(days=days))
    return not_(exists().where(condition))


# ---- ordering --------------------------------------------------------------------------------------------------------
def _ordering(
    plan: QueryPlan, columns: list[tuple[Column, ColumnElement[Any]]], by_name: dict[str, ColumnElement[Any]]
) -> list[ColumnElement[Any]]:
    ordering: list[ColumnElement[Any]] = []
    used: set[str] = set()
    for item in plan.order_by:
        if item.key not in by_name:
            raise Refusal(f"cannot order by '{item.key}': it is not a column of this answer")
        if isinstance(by_name[item.key].type, Encrypted):
            raise Refusal(f"cannot order by '{item.key}': it is encrypted at rest")
        ordering.append(by_name[item.key].desc() if item.desc else by_name[item.key].asc())
        used.add(item.key)
    if not ordering:
        grains = [col.name for col, _ in columns if col.name in TIME_GRAINS]
        metric_names = [col.name for col, _ in columns if col.is_metric]
        if grains:
            ordering, used = [by_name[g].asc() for g in grains], set(grains)
        elif metric_names and len(metric_names) < len(columns):
            ordering, used = [by_name[metric_names[0]].desc()], {metric_names[0]}
    # Ties broken by the other columns, so the same question gives the same rows in the same order.
    ordering += [expr.asc() for col, expr in columns if col.name not in used and not isinstance(expr.type, Encrypted)]
    return ordering


def _label(name: str) -> str:
    return name.replace(".", "_")
