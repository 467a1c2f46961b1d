"""Next best offer per customer: one recommended product, a discount set by a documented rule from lifetime value and
churn risk, and a channel the customer agreed to; none without marketing consent (and the reason why none).

The rule (docs/RECOMMENDATIONS.md), from the latest analytics run's churn risk and lifetime value (spend so far when
there is no run yet):
  at risk (churn >= 0.6) and valuable (value >= 500) → "retention": 15% off the top recommendation
  at risk, less valuable                              → "win_back": 10% off
  not at risk, valuable                               → "loyalty": the top recommendation at full price (early access)
  otherwise                                           → "cross_sell": the top recommendation at full price
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.analytics.models import AnalyticsRun, CustomerInsight
from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.kit.clock import utcnow
from rapport.kit.schema import Schema
from rapport.marketing import recommend as recommend_service
from rapport.marketing.recommend import Recommendation
from rapport.privacy.access import Principal, system_principal
from rapport.sales.models import Order

HIGH_CHURN = 0.6
HIGH_VALUE = 500.0
DISCOUNTS = {"retention": 15, "win_back": 10, "loyalty": 0, "cross_sell": 0}
VALID_DAYS = 14
CENT = Decimal("0.01")

OfferKind = Literal["retention", "win_back", "loyalty", "cross_sell"]


class Offer(Schema):
    customer_id: int
    kind: OfferKind
    product: Recommendation
    discount_pct: int
    price: Decimal
    offer_price: Decimal
    channel: Literal["email", "sms"]
    valid_until: datetime
    churn_risk: float | None
    value: float | None
    reasons: list[str]


class OfferDecision(Schema):
    """What the next-best-offer door shows: the offer, or none and why."""

    customer_id: int
    offer: Offer | None
    why_none: str | None = None


def next_best_offer(
    session: Session, customer_id: int, *, principal: Principal | None = None, data_dir: Path | None = None
) -> Offer | None:
    return decide(session, customer_id, principal=principal, data_dir=data_dir).offer


def decide(
    session: Session, customer_id: int, *, principal: Principal | None = None, data_dir: Path | None = None
) -> OfferDecision:
    """The offer for a customer the principal may read (audited as a read of the customer)."""
    principal = principal or system_principal("marketing")
    customer = customer_service.get(session, principal, customer_id)
    return decide_for(session, principal, customer, data_dir=data_dir)


def decide_for(
    session: Session, principal: Principal, customer: Customer, *, data_dir: Path | None = None
) -> OfferDecision:
    """`decide` for a customer already read by the caller (the customer page)."""
    channel: Literal["email", "sms"] | None = (
        "email" if customer.consent_email else "sms" if customer.consent_sms else None
    )
    if channel is None:
        return OfferDecision(
            customer_id=customer.id,
            offer=None,
            why_none="No offer: the customer has not consented to marketing by email or SMS.",
        )
    recs = recommend_service.recommend_for(session, principal, customer, n=1, data_dir=data_dir)
    if not recs:
        return OfferDecision(
            customer_id=customer.id, offer=None, why_none="No offer: no product in stock to recommend."
        )
    churn, value, basis = _risk_and_value(session, customer.id)
    kind = _kind(churn, value)
    top = recs[0]
    discount = DISCOUNTS[kind]
    offer_price = (top.price * (100 - discount) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    reasons = [*_why(kind, churn, value, basis), top.reason, f"Sent by {channel}: the customer consented to it."]
    return OfferDecision(
        customer_id=customer.id,
        offer=Offer(
            customer_id=customer.id,
            kind=kind,
            product=top,
            discount_pct=discount,
            price=top.price,
            offer_price=offer_price,
            channel=channel,
            valid_until=utcnow() + timedelta(days=VALID_DAYS),
            churn_risk=churn,
            value=value,
            reasons=reasons,
        ),
    )


def _risk_and_value(session: Session, customer_id: int) -> tuple[float | None, float | None, str]:
    """Churn risk and lifetime value from the latest succeeded analytics run; spend so far when there is none."""
    stmt = (
        select(CustomerInsight.churn_risk, CustomerInsight.clv)
        .join(AnalyticsRun, AnalyticsRun.id == CustomerInsight.run_id)
        .where(CustomerInsight.customer_id == customer_id, AnalyticsRun.status == "succeeded")
        .order_by(CustomerInsight.run_id.desc())
        .limit(1)
    )
    found = session.execute(stmt).first()
    if found is not None and found[1] is not None:
        return found[0], float(found[1]), "lifetime value"
    spent = session.scalar(
        select(func.coalesce(func.sum(Order.total), 0)).where(
            Order.customer_id == customer_id, Order.status != "cancelled"
        )
    )
    return (found[0] if found is not None else None), float(spent or 0), "spend so far"


def _kind(churn: float | None, value: float | None) -> OfferKind:
    at_risk = churn is not None and churn >= HIGH_CHURN
    valuable = value is not None and value >= HIGH_VALUE
    if at_risk:
        return "retention" if valuable else "win_back"
    return "loyalty" if valuable else "cross_sell"


def _why(kind: OfferKind, churn: float | None, value: float | None, basis: str) -> list[str]:
    risk = "unknown (no analytics run yet)" if churn is None else f"{churn:.0%}"
    worth = f"{basis} {value:,.2f}" if value is not None else f"{basis} unknown"
    return {
        "retention": [
            f"High churn risk ({risk}) and valuable ({worth} ≥ {HIGH_VALUE:,.0f}): a retention discount "
            f"of {DISCOUNTS['retention']}%."
        ],
        "win_back": [f"High churn risk ({risk}), {worth}: a win-back discount of {DISCOUNTS['win_back']}%."],
        "loyalty": [f"Valuable ({worth}) and likely to stay (churn risk {risk}): full price, no discount needed."],
        "cross_sell": [f"Churn risk {risk}, {worth}: a cross-sell at full price."],
    }[kind]
