"""Segments: rules over customer fields, buying behaviour and the latest analytics, compiled to one SQL query; saved,
refreshed, previewed; and drafted from a sentence (the gateway's structured output, or rules when no model answers).

Members are computed on demand (a refresh stores the count): a segment is a question, and a campaign freezes its
answer in its recipients when it is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from rapport.ai.gateway import Gateway, ModelOutputInvalid, ModelUnavailable
from rapport.analytics.models import AnalyticsRun, CustomerInsight
from rapport.analytics.rfm import SEGMENTS as RFM_SEGMENTS
from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.errors import Conflict, Invalid, NotFound
from rapport.kit.clock import utcnow
from rapport.marketing.models import Segment
from rapport.marketing.prompts import load as load_prompt
from rapport.marketing.schemas import (
    MemberRead,
    SegmentCondition,
    SegmentCreate,
    SegmentDraft,
    SegmentPreview,
    SegmentRules,
    SegmentUpdate,
)
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, can, require
from rapport.sales.models import Order, OrderLine, Product

ENTITY = "segments"
FEATURE = "marketing.segments"
# Orders that did not happen or were undone do not count as buying.
NOT_BOUGHT = ("cancelled", "returned", "refunded")

TEXT_FIELDS = {"city", "country", "language", "lifecycle_stage", "gender", "source", "rfm_segment", "learned_segment"}
NUMBER_FIELDS = {
    "days_since_signup",
    "orders",
    "total_spent",
    "avg_order_value",
    "days_since_last_order",
    "churn_risk",
    "clv",
    "p_alive",
    "expected_purchases",
}
ANALYTICS_FIELDS = {"rfm_segment", "learned_segment", "churn_risk", "clv", "p_alive", "expected_purchases"}
OPS_BY_KIND = {
    "text": {"eq", "ne", "in", "not_in"},
    "number": {"eq", "ne", "gt", "gte", "lt", "lte"},
    "bool": {"eq", "ne"},
    "list": {"contains", "not_contains"},
    "category": {"eq", "in", "ne", "not_in"},
}
DESCRIPTIONS = {
    "city": "the customer's city, e.g. Shanghai",
    "country": "two-letter country code, e.g. CN, US",
    "language": "en or zh",
    "lifecycle_stage": "lead, customer, …",
    "gender": "the customer's gender if known",
    "source": "where the record came from (demo, import, manual)",
    "tags": "labels on the customer (contains / not_contains)",
    "consent_email": "agreed to marketing email (true/false)",
    "consent_sms": "agreed to marketing text messages (true/false)",
    "days_since_signup": "days since the customer record was created",
    "orders": "number of orders",
    "total_spent": "money spent over all orders",
    "avg_order_value": "average order total",
    "days_since_last_order": "days since the latest order (no order counts as never: always greater)",
    "bought_category": "bought a product of this category",
    "rfm_segment": "RFM segment key: " + ", ".join(RFM_SEGMENTS),
    "learned_segment": "learned (k-means) segment key of the latest analytics run",
    "churn_risk": "probability (0-1) the customer stops buying",
    "clv": "predicted lifetime value",
    "p_alive": "probability (0-1) the customer is still active",
    "expected_purchases": "purchases expected over the analytics horizon",
}


# The demo company (and many Chinese shops) store Chinese city names; marketers often write them in English.
CITY_ALIASES = {
    "shanghai": ("上海市", "上海"),
    "beijing": ("北京市", "北京"),
    "guangzhou": ("广州市", "广州"),
    "shenzhen": ("深圳市", "深圳"),
    "hangzhou": ("杭州市", "杭州"),
    "tianjin": ("天津市", "天津"),
    "chengdu": ("成都市", "成都"),
    "chongqing": ("重庆市", "重庆"),
    "suzhou": ("苏州市", "苏州"),
    "wuhan": ("武汉市", "武汉"),
    "nanjing": ("南京市", "南京"),
    "xi'an": ("西安市", "西安"),
    "xian": ("西安市", "西安"),
}


def city_forms(value: str) -> set[str]:
    """A city as written plus its other spellings (Shanghai, 上海, 上海市), lower-cased."""
    clean = value.strip().lower()
    forms = {clean}
    for english, chinese in CITY_ALIASES.items():
        if clean == english or clean in chinese:
            forms |= {english, *chinese}
    return forms


def kind_of(field: str) -> str:
    if field in TEXT_FIELDS:
        return "text"
    if field in NUMBER_FIELDS:
        return "number"
    if field in {"consent_email", "consent_sms"}:
        return "bool"
    if field == "tags":
        return "list"
    return "category"


# ---- compiling rules ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Sources:
    stats: Any  # per-customer order aggregates (subquery)
    insight: Any | None  # the latest analytics run's insights (subquery), when a rule needs them
    now: datetime


def check_rules(rules: SegmentRules) -> None:
    """Each condition's operator and value fit its field; raises Invalid with the first problem."""
    for number, condition in enumerate(rules.conditions, start=1):
        kind = kind_of(condition.field)
        where = f"condition {number} ({condition.field})"
        if condition.op not in OPS_BY_KIND[kind]:
            allowed = ", ".join(sorted(OPS_BY_KIND[kind]))
            raise Invalid(f"{where}: '{condition.op}' does not apply; use one of {allowed}")
        value = condition.value
        if condition.op in {"in", "not_in"}:
            if not isinstance(value, list) or not value:
                raise Invalid(f"{where}: '{condition.op}' needs a non-empty list of values")
        elif kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise Invalid(f"{where}: needs a number")
        elif kind == "bool":
            if not isinstance(value, bool):
                raise Invalid(f"{where}: needs true or false")
        elif not isinstance(value, str) or not value.strip():
            raise Invalid(f"{where}: needs a text value")


def members_query(rules: SegmentRules, principal: Principal, session: Session, *, now: datetime | None = None) -> Any:
    """`SELECT customers.id …` for the customers matching `rules` that the principal may see."""
    check_rules(rules)
    now = now or utcnow()
    stats = (
        select(
            Order.customer_id.label("customer_id"),
            func.count(Order.id).label("orders"),
            func.sum(Order.total).label("spent"),
            func.max(Order.placed_at).label("last_at"),
        )
        .where(Order.status.notin_(NOT_BOUGHT))
        .group_by(Order.customer_id)
        .subquery("order_stats")
    )
    insight = None
    stmt: Select[Any] = select(Customer.id).outerjoin(stats, stats.c.customer_id == Customer.id)
    if any(c.field in ANALYTICS_FIELDS for c in rules.conditions):
        run_id = session.scalar(select(func.max(AnalyticsRun.id)).where(AnalyticsRun.status == "succeeded"))
        if run_id is None:
            raise Invalid("these rules use analytics results, and no analytics run has finished yet")
        insight = select(CustomerInsight).where(CustomerInsight.run_id == run_id).subquery("latest_insight")
        stmt = stmt.outerjoin(insight, insight.c.customer_id == Customer.id)
    sources = _Sources(stats=stats, insight=insight, now=now)
    clauses = [_clause(c, sources) for c in rules.conditions]
    if clauses:
        stmt = stmt.where(and_(*clauses) if rules.match == "all" else or_(*clauses))
    stmt = stmt.where(Customer.deleted_at.is_(None))
    scope = customer_service.customer_scope(principal)
    if scope is not None:
        stmt = stmt.where(scope)
    return stmt


def _column(field: str, sources: _Sources) -> Any:
    stats, insight = sources.stats, sources.insight
    if field in {"city", "country", "language", "lifecycle_stage", "gender", "source"}:
        return func.lower(getattr(Customer, field))
    if field in {"consent_email", "consent_sms"}:
        return getattr(Customer, field)
    if field == "orders":
        return func.coalesce(stats.c.orders, 0)
    if field == "total_spent":
        return func.coalesce(stats.c.spent, 0)
    if field == "avg_order_value":
        return func.coalesce(stats.c.spent, 0) / func.coalesce(func.nullif(stats.c.orders, 0), 1)
    if field in ANALYTICS_FIELDS:
        assert insight is not None
        column = insight.c[field]
        return func.lower(column) if field in TEXT_FIELDS else column
    raise Invalid(f"unknown field '{field}'")


def _clause(condition: SegmentCondition, sources: _Sources) -> ColumnElement[bool]:
    field, op, value = condition.field, condition.op, condition.value
    if field == "days_since_last_order":
        return _days_clause(sources.stats.c.last_at, op, float(value), sources.now, missing_is_old=True)  # type: ignore[arg-type]
    if field == "days_since_signup":
        return _days_clause(Customer.created_at, op, float(value), sources.now, missing_is_old=False)  # type: ignore[arg-type]
    if field == "tags":
        needle = f'%"{str(value).strip()}"%'
        found = cast(Customer.tags, String).ilike(needle)
        return found if op == "contains" else ~found
    if field == "bought_category":
        names = [str(v).lower() for v in (value if isinstance(value, list) else [value])]
        buyers = (
            select(Order.customer_id)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(func.lower(Product.category).in_(names), Order.status.notin_(NOT_BOUGHT))
        )
        inside = Customer.id.in_(buyers)
        return inside if op in {"eq", "in"} else ~inside
    column = _column(field, sources)
    kind = kind_of(field)
    if kind == "text":
        values = [str(v).strip().lower() for v in (value if isinstance(value, list) else [value])]
        if field == "city":
            values = sorted(set().union(*(city_forms(v) for v in values)))
        if op in {"eq", "in"}:
            return column.in_(values)  # type: ignore[no-any-return]
        return or_(column.is_(None), column.notin_(values))
    if kind == "bool":
        return column == value if op == "eq" else column != value  # type: ignore[no-any-return]
    number = float(value)  # type: ignore[arg-type]
    compare = {
        "eq": column == number,
        "ne": column != number,
        "gt": column > number,
        "gte": column >= number,
        "lt": column < number,
        "lte": column <= number,
    }
    return compare[op]  # type: ignore[no-any-return]


def _days_clause(column: Any, op: str, days: float, now: datetime, *, missing_is_old: bool) -> ColumnElement[bool]:
    """ "More than N days ago" is a time before now − N days; a customer who never ordered is infinitely old."""
    cutoff = now - timedelta(days=days)
    older = {"gt": column < cutoff, "gte": column <= cutoff}
    newer = {"lt": column > cutoff, "lte": column >= cutoff}
    if op in older:
        return or_(column.is_(None), older[op]) if missing_is_old else older[op]
    if op in newer:
        return newer[op]  # type: ignore[no-any-return]
    # eq/ne on days: the same calendar day count
    day_start, day_end = now - timedelta(days=days + 1), cutoff
    inside = and_(column > day_start, column <= day_end)
    return inside if op == "eq" else or_(column.is_(None), ~inside)


# ---- saved segments -------------------------------------------------------------------------------------------------
def create(session: Session, principal: Principal, data: SegmentCreate) -> Segment:
    require(principal, ENTITY, Action.create)
    check_rules(data.rules)
    if session.scalar(select(Segment.id).where(Segment.name == data.name)) is not None:
        raise Conflict(f"a segment named '{data.name}' exists already")
    segment = Segment(
        name=data.name,
        description=data.description,
        rules=data.rules.model_dump(),
        sentence=data.sentence,
        created_by=principal.user_id,
    )
    session.add(segment)
    session.flush()
    refresh(session, principal, segment)
    audit.record(session, principal, action="create", entity=ENTITY, entity_id=segment.id)
    return segment


def get(session: Session, principal: Principal, segment_id: int) -> Segment:
    require(principal, ENTITY, Action.read)
    segment = session.get(Segment, segment_id)
    if segment is None:
        raise NotFound(f"segment {segment_id} not found")
    return segment


def list_segments(session: Session, principal: Principal) -> list[Segment]:
    require(principal, ENTITY, Action.read)
    return list(session.scalars(select(Segment).order_by(Segment.name)))


def update(session: Session, principal: Principal, segment_id: int, data: SegmentUpdate) -> Segment:
    require(principal, ENTITY, Action.update)
    segment = get(session, principal, segment_id)
    if data.name is not None and data.name != segment.name:
        if session.scalar(select(Segment.id).where(Segment.name == data.name)) is not None:
            raise Conflict(f"a segment named '{data.name}' exists already")
        segment.name = data.name
    if data.description is not None:
        segment.description = data.description
    if data.rules is not None:
        check_rules(data.rules)
        segment.rules = data.rules.model_dump()
        refresh(session, principal, segment)
    session.flush()
    audit.record(session, principal, action="update", entity=ENTITY, entity_id=segment.id)
    return segment


def delete(session: Session, principal: Principal, segment_id: int) -> None:
    require(principal, ENTITY, Action.delete)
    segment = get(session, principal, segment_id)
    from rapport.marketing.models import Campaign  # a segment with campaigns stays: their results name it

    if session.scalar(select(Campaign.id).where(Campaign.segment_id == segment.id).limit(1)) is not None:
        raise Conflict("this segment has campaigns; it cannot be deleted")
    session.delete(segment)
    session.flush()
    audit.record(session, principal, action="delete", entity=ENTITY, entity_id=segment_id)


def rules_of(segment: Segment) -> SegmentRules:
    return SegmentRules.model_validate(segment.rules)


def refresh_saved(session: Session, principal: Principal, segment_id: int) -> Segment:
    """Count a saved segment's members again, for a caller who asked for it (the API).

    Storing the count is a write, so it needs update rights (privacy/routes.py names `segments:update` for it), not
    the read rights `get` checks; a refusal is audited like the other refused writes.
    """
    if not can(principal, ENTITY, Action.update):
        audit.deny(session, principal, action=str(Action.update), entity=ENTITY, entity_id=segment_id)
        require(principal, ENTITY, Action.update)
    return refresh(session, principal, get(session, principal, segment_id))


def refresh(session: Session, principal: Principal, segment: Segment) -> Segment:
    """Count the members now (callers that create or update the segment have checked their rights already)."""
    query = members_query(rules_of(segment), principal, session)
    segment.member_count = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    segment.refreshed_at = utcnow()
    session.flush()
    return segment


def member_ids(session: Session, principal: Principal, segment: Segment) -> list[int]:
    query = members_query(rules_of(segment), principal, session)
    return list(session.scalars(query.order_by(Customer.id)))


def preview(session: Session, principal: Principal, rules: SegmentRules, *, sample: int = 10) -> SegmentPreview:
    """How many customers match, and a few of them (names only; no contact data)."""
    require(principal, ENTITY, Action.read)
    query = members_query(rules, principal, session)
    count = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    ids = list(session.scalars(query.order_by(Customer.id).limit(max(0, min(sample, 50)))))
    return SegmentPreview(member_count=count, sample=_members(session, ids))


def _members(session: Session, ids: list[int]) -> list[MemberRead]:
    if not ids:
        return []
    stats = dict(
        (row[0], row[1:])
        for row in session.execute(
            select(Order.customer_id, func.count(Order.id), func.sum(Order.total), func.max(Order.placed_at))
            .where(Order.customer_id.in_(ids), Order.status.notin_(NOT_BOUGHT))
            .group_by(Order.customer_id)
        )
    )
    out = []
    for customer in session.scalars(select(Customer).where(Customer.id.in_(ids)).order_by(Customer.id)):
        count, spent, last = stats.get(customer.id, (0, 0, None))
        out.append(
            MemberRead(
                id=customer.id,
                full_name=customer.full_name,
                city=customer.city,
                language=customer.language,
                orders=int(count or 0),
                total_spent=float(spent or 0),
                last_order_at=last,
            )
        )
    return out


# ---- from a sentence ------------------------------------------------------------------------------------------------
def from_sentence(session: Session, principal: Principal, gateway: Gateway | None, sentence: str) -> SegmentDraft:
    """Rules for a sentence, not saved: the model's structured output when one answers, else the rule reader.

    The caller shows the draft (with its member count) and saves it only once a person confirms it. The model call
    happens before anything is written, so no write transaction is held across it.
    """
    require(principal, ENTITY, Action.read)
    sentence = sentence.strip()
    cities = _known_cities(session)
    warnings: list[str] = []
    rules: SegmentRules | None = None
    source: str = "rules"
    if gateway is not None and gateway.is_available(FEATURE):
        try:
            rules = gateway.generate_json(
                FEATURE,
                [
                    {"role": "system", "content": _sentence_prompt()},
                    {"role": "user", "content": sentence},
                ],
                SegmentRules,
                max_tokens=300,
            )
            check_rules(rules)
            source = "model"
        except (ModelUnavailable, ModelOutputInvalid, Invalid) as error:
            warnings.append(f"the model's rules were not usable ({error}); read by rules instead")
            rules = None
    if rules is None:
        rules, unread = read_sentence(sentence, cities)
        if unread:
            warnings.append("not understood: " + "; ".join(unread))
    if not rules.conditions:
        warnings.append("no condition found: this would select every customer")
    draft = SegmentDraft(
        sentence=sentence,
        rules=rules,
        explanation=[explain(c) for c in rules.conditions],
        source=source,
        warnings=warnings,
    )
    draft.member_count = preview(session, principal, rules, sample=0).member_count
    return draft


def explain(condition: SegmentCondition) -> str:
    words = {
        "eq": "is",
        "ne": "is not",
        "in": "is one of",
        "not_in": "is none of",
        "gt": "is over",
        "gte": "is at least",
        "lt": "is under",
        "lte": "is at most",
        "contains": "contains",
        "not_contains": "does not contain",
    }
    value = condition.value
    shown = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return f"{condition.field.replace('_', ' ')} {words[condition.op]} {shown}"


def _sentence_prompt() -> str:
    fields = "\n".join(f"- {name}: {text}" for name, text in DESCRIPTIONS.items())
    return load_prompt("segment_rules.v1").replace("{fields}", fields)


def _known_cities(session: Session) -> list[str]:
    rows = session.scalars(select(Customer.city).where(Customer.city.is_not(None)).distinct().limit(2000))
    return sorted({c for c in rows if c}, key=len, reverse=True)


_NUMBER = r"(\d+(?:[.,]\d+)?)\s*(k)?"
_SPENT = re.compile(
    r"(?:spent|spend|spending|消费|花了?)\s*"
    r"(over|more than|above|at least|under|less than|below|超过|大于|不少于|少于|低于)?\s*"
    rf"[$¥€£]?\s*{_NUMBER}",
    re.IGNORECASE,
)
_NO_ORDER = re.compile(
    r"(?:haven'?t|have not|hasn'?t|not|no|didn'?t|did not)\s+(?:ordered|bought|purchased|an? order|orders?)"
    r"(?:\s+anything)?\s+(?:in|for|within)\s+(?:the\s+)?(?:last\s+|past\s+)?(\d+)\s*(day|week|month)s?",
    re.IGNORECASE,
)
_NO_ORDER_ZH = re.compile(r"(\d+)\s*(天|周|个月)(?:内|以来)?(?:没有|未|没)(?:下单|购买|买)")
_ORDERED_RECENTLY = re.compile(
    r"(?:ordered|bought|purchased)\s+(?:in|within)\s+(?:the\s+)?(?:last\s+|past\s+)?(\d+)\s*(day|week|month)s?",
    re.IGNORECASE,
)
_ORDERS = re.compile(r"(more than|over|at least|fewer than|less than|under)\s+(\d+)\s+orders?", re.IGNORECASE)
_CHURN = re.compile(r"(?:churn|at risk of leaving|likely to (?:leave|churn)|流失)", re.IGNORECASE)
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "天": 1, "周": 7, "个月": 30}
_COMPARE = {
    "over": "gt",
    "more than": "gt",
    "above": "gt",
    "at least": "gte",
    "under": "lt",
    "less than": "lt",
    "below": "lt",
    "fewer than": "lt",
    "超过": "gt",
    "大于": "gt",
    "不少于": "gte",
    "少于": "lt",
    "低于": "lt",
}


def read_sentence(sentence: str, cities: list[str]) -> tuple[SegmentRules, list[str]]:
    """A few common phrasings read by rules (the fallback when no model answers): cities, spend, recency, order
    counts, language, consent, churn risk and RFM segment names. Returns the rules and the parts not understood."""
    text = sentence.strip()
    lower = text.lower()
    conditions: list[SegmentCondition] = []
    known = [*cities, *(name.title() for name in CITY_ALIASES)]
    found_cities = [c for c in known if re.search(rf"(?<!\w){re.escape(c.lower())}(?!\w)", lower) or c in text]
    if found_cities:
        unique = list(dict.fromkeys(found_cities))
        conditions.append(
            SegmentCondition(
                field="city", op="eq" if len(unique) == 1 else "in", value=unique[0] if len(unique) == 1 else unique
            )
        )
    if m := _SPENT.search(text):
        amount = float(m.group(2).replace(",", "")) * (1000 if m.group(3) else 1)
        op = _COMPARE.get((m.group(1) or "over").lower(), "gt")
        conditions.append(SegmentCondition(field="total_spent", op=op, value=amount))
    if m := _NO_ORDER.search(text):
        days = int(m.group(1)) * _UNIT_DAYS[m.group(2).lower()]
        conditions.append(SegmentCondition(field="days_since_last_order", op="gt", value=float(days)))
    elif m := _NO_ORDER_ZH.search(text):
        days = int(m.group(1)) * _UNIT_DAYS[m.group(2)]
        conditions.append(SegmentCondition(field="days_since_last_order", op="gt", value=float(days)))
    elif m := _ORDERED_RECENTLY.search(text):
        days = int(m.group(1)) * _UNIT_DAYS[m.group(2).lower()]
        conditions.append(SegmentCondition(field="days_since_last_order", op="lte", value=float(days)))
    if m := _ORDERS.search(text):
        conditions.append(SegmentCondition(field="orders", op=_COMPARE[m.group(1).lower()], value=float(m.group(2))))
    if re.search(r"chinese[- ]speaking|speak chinese|in chinese|中文", lower):
        conditions.append(SegmentCondition(field="language", op="eq", value="zh"))
    elif re.search(r"english[- ]speaking|speak english|in english", lower):
        conditions.append(SegmentCondition(field="language", op="eq", value="en"))
    if re.search(r"(agreed|consent|opted in|subscribed)[^.]*e-?mail|e-?mail (consent|opt-in)", lower):
        conditions.append(SegmentCondition(field="consent_email", op="eq", value=True))
    if _CHURN.search(text):
        level = re.search(r"(?:churn risk|risk)\s*(?:over|above|>)\s*(0?\.\d+|\d+\s*%)", lower)
        threshold = 0.5
        if level:
            raw = level.group(1).replace(" ", "")
            threshold = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
        conditions.append(SegmentCondition(field="churn_risk", op="gt", value=threshold))
    for key, segment in RFM_SEGMENTS.items():
        if segment.name.lower() in lower and key != "no_purchase":
            conditions.append(SegmentCondition(field="rfm_segment", op="eq", value=key))
            break
    rules = SegmentRules(match="all", conditions=conditions)
    unread = [] if conditions else [text]
    return rules, unread
