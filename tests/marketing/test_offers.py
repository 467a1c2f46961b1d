"""Next best offer: consent first, then a rule over churn risk and lifetime value on a recommended product."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from rapport.analytics.models import AnalyticsRun, CustomerInsight
from rapport.customers.models import Customer
from rapport.kit.clock import utcnow
from rapport.marketing import offers, recommend
from tests.factories import make_customer, make_order, make_product


def _insight(session: Session, customer: Customer, *, churn: float, clv: float) -> None:
    now = utcnow()
    run = AnalyticsRun(status="succeeded", as_of=now, requested_at=now)
    session.add(run)
    session.flush()
    session.add(
        CustomerInsight(run_id=run.id, customer_id=customer.id, rfm_segment="at_risk", clv=clv, churn_risk=churn)
    )
    session.flush()


def _buyer(session: Session, **consent: bool) -> tuple[Customer, int]:
    earbuds = make_product(session, name="Voltra Wireless Earbuds", price=Decimal("59.00"))
    charger = make_product(session, name="Voltra Phone Charger", price=Decimal("20.00"))
    for _ in range(3):
        other = make_customer(session)
        make_order(session, other, earbuds)
        make_order(session, other, charger)
    customer = make_customer(session, **consent)
    make_order(session, customer, earbuds)
    return customer, charger.id


def test_no_marketing_consent_means_no_offer_and_says_why(session: Session, tmp_path: Path) -> None:
    customer, _ = _buyer(session, consent_email=False, consent_sms=False)

    decision = offers.decide(session, customer.id, data_dir=tmp_path)

    assert decision.offer is None
    assert decision.why_none == "No offer: the customer has not consented to marketing by email or SMS."
    assert offers.next_best_offer(session, customer.id, data_dir=tmp_path) is None


@pytest.mark.parametrize(
    ("churn", "clv", "kind", "discount", "price"),
    [
        (0.8, 900.0, "retention", 15, Decimal("17.00")),
        (0.8, 100.0, "win_back", 10, Decimal("18.00")),
        (0.1, 900.0, "loyalty", 0, Decimal("20.00")),
        (0.1, 100.0, "cross_sell", 0, Decimal("20.00")),
    ],
)
def test_the_rule_sets_kind_and_discount_on_the_top_recommendation(
    session: Session, tmp_path: Path, churn: float, clv: float, kind: str, discount: int, price: Decimal
) -> None:
    customer, charger_id = _buyer(session, consent_email=True)
    _insight(session, customer, churn=churn, clv=clv)
    recommend.fit(session, tmp_path)

    offer = offers.next_best_offer(session, customer.id, data_dir=tmp_path)

    assert offer is not None
    assert (offer.kind, offer.discount_pct, offer.offer_price) == (kind, discount, price)
    assert offer.product.product_id == charger_id
    assert offer.channel == "email"
    assert len(offer.reasons) == 3
    assert offer.reasons[1].startswith("You bought Voltra Wireless Earbuds")


def test_without_analytics_spend_so_far_stands_in_for_value(session: Session, tmp_path: Path) -> None:
    customer, _ = _buyer(session, consent_sms=True)

    offer = offers.next_best_offer(session, customer.id, data_dir=tmp_path)

    assert offer is not None
    assert (offer.kind, offer.channel, offer.churn_risk) == ("cross_sell", "sms", None)
    assert (
        offer.reasons[0] == "Churn risk unknown (no analytics run yet), spend so far 59.00: a cross-sell at full price."
    )
