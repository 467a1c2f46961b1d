"""After sending: opens, clicks (only to the campaign's link), one-click unsubscribe, conversions for treated and
holdout alike, results with uplift, and the demo-only simulation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.customers.models import ConsentRecord, Customer
from rapport.errors import Forbidden, Invalid
from rapport.marketing import campaigns, links, tracking
from rapport.marketing.models import Campaign, CampaignRecipient
from rapport.settings import Settings
from tests.factories import make_order

from .kit import SYSTEM, make_audience, make_campaign, make_segment, settings_for

SECRET = b"test-secret"


def _sent(
    session: Session, settings: Settings, n: int = 20, *, segment: str = "everyone", **overrides: object
) -> tuple[Campaign, list[CampaignRecipient]]:
    make_audience(session, n, **overrides)
    campaign = make_campaign(session, settings, make_segment(session, name=segment))
    campaigns.send(session, SYSTEM, campaign.id, settings)
    recipients = session.scalars(
        select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id).order_by(CampaignRecipient.id)
    ).all()
    return campaign, list(recipients)


def _treated(recipients: list[CampaignRecipient]) -> CampaignRecipient:
    return next(r for r in recipients if r.group != "holdout")


def test_open_and_click_are_recorded_and_the_click_goes_to_the_campaign(session: Session, tmp_path: Path) -> None:
    _, recipients = _sent(session, settings_for(tmp_path))
    one = _treated(recipients)

    tracking.record_open(session, SECRET, links.sign(SECRET, "open", one.id))
    url = tracking.record_click(session, SECRET, links.sign(SECRET, "click", one.id))

    assert url == "https://shop.example.com/alpine"
    assert one.opened_at is not None
    assert one.clicked_at is not None


@pytest.mark.parametrize(
    "token",
    ["1.0.AAAAAAAAAAAAAAAAAAAAAAAA", "abc", "1.0", "99999999999999999999.0.x", "1.5.x"],
)
def test_bad_tokens_are_refused(session: Session, token: str) -> None:
    with pytest.raises(Invalid):
        tracking.record_click(session, SECRET, token)


def test_a_token_of_one_kind_does_not_work_for_another(session: Session, tmp_path: Path) -> None:
    _, recipients = _sent(session, settings_for(tmp_path))
    one = _treated(recipients)

    with pytest.raises(Invalid):
        tracking.unsubscribe(session, SECRET, links.sign(SECRET, "open", one.id))


def test_a_link_index_outside_the_campaign_is_not_followed(session: Session, tmp_path: Path) -> None:
    _, recipients = _sent(session, settings_for(tmp_path))
    one = _treated(recipients)

    with pytest.raises(Exception, match="not part of the campaign"):
        tracking.record_click(session, SECRET, links.sign(SECRET, "click", one.id, link=3))


def test_unsubscribe_withdraws_consent_and_records_it(session: Session, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    _, recipients = _sent(session, settings)
    one = _treated(recipients)

    customer = tracking.unsubscribe(session, SECRET, links.sign(SECRET, "unsubscribe", one.id))
    tracking.unsubscribe(session, SECRET, links.sign(SECRET, "unsubscribe", one.id))  # twice: still one record

    assert customer.consent_email is False
    assert one.unsubscribed_at is not None
    records = session.scalars(select(ConsentRecord).where(ConsentRecord.customer_id == customer.id)).all()
    assert [(r.channel, r.is_granted, r.source) for r in records] == [("email", False, "unsubscribe link")]
    next_campaign = make_campaign(session, settings, make_segment(session, name="again"))
    assert customer.id not in {c.id for c in campaigns.audience(session, SYSTEM, next_campaign).eligible}


def test_conversions_are_first_orders_in_the_window_for_every_group(session: Session, tmp_path: Path) -> None:
    campaign, recipients = _sent(session, settings_for(tmp_path), n=40)
    holdout = next(r for r in recipients if r.group == "holdout")
    treated = _treated(recipients)
    customers = {c.id: c for c in session.scalars(select(Customer))}
    sent = campaign.sent_at
    assert sent is not None
    make_order(session, customers[treated.customer_id], placed_at=sent + timedelta(days=2), total=Decimal("80.00"))
    make_order(session, customers[treated.customer_id], placed_at=sent + timedelta(days=3), total=Decimal("5.00"))
    make_order(session, customers[holdout.customer_id], placed_at=sent + timedelta(days=1), total=Decimal("30.00"))
    late = next(r for r in recipients if r.group != "holdout" and r.id != treated.id)
    make_order(session, customers[late.customer_id], placed_at=sent + timedelta(days=30))
    before = next(r for r in recipients if r.group != "holdout" and r.id not in {treated.id, late.id})
    make_order(session, customers[before.customer_id], placed_at=sent - timedelta(days=1))

    assert tracking.attribute(session, campaign) == 2
    assert (treated.conversion_value, holdout.conversion_value) == (Decimal("80.00"), Decimal("30.00"))
    assert late.converted_at is None
    assert before.converted_at is None


def test_results_compare_each_variant_with_the_holdout(session: Session, tmp_path: Path) -> None:
    campaign, recipients = _sent(session, settings_for(tmp_path), n=60)
    customers = {c.id: c for c in session.scalars(select(Customer))}
    sent = campaign.sent_at
    assert sent is not None
    for r in recipients:
        if r.group == "A":
            make_order(session, customers[r.customer_id], placed_at=sent + timedelta(hours=5), total=Decimal("10"))

    found = tracking.results(session, SYSTEM, campaign.id)

    by = {g.group: g for g in found.groups}
    assert set(by) == {"A", "B", "holdout"}
    assert by["A"].conversion_rate == 1.0
    assert by["holdout"].conversion_rate == 0.0
    assert by["A"].uplift == 1.0
    assert by["A"].uplift_low is not None
    assert 0 < by["A"].uplift_low < 1.0
    assert by["B"].uplift == 0.0
    assert by["B"].uplift_low < 0 < by["B"].uplift_high
    assert by["holdout"].uplift is None
    assert by["A"].revenue_per_recipient == 10.0
    assert "Newcombe" in found.method
    assert found.is_simulated is False


def test_simulation_plants_the_effect_on_demo_data_only(session: Session, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    campaign, _ = _sent(session, settings, n=200)

    made = tracking.simulate(session, SYSTEM, campaign.id, effects={"A": 0.5, "B": 0.0}, seed=3)
    found = tracking.results(session, SYSTEM, campaign.id)

    by = {g.group: g for g in found.groups}
    assert made["orders"] == by["A"].converted > 0
    assert by["B"].converted == 0 == by["holdout"].converted
    assert found.is_simulated is True
    assert 0.3 < by["A"].uplift < 0.7  # type: ignore[operator]

    real, _ = _sent(session, settings, n=3, segment="with real customers", source="shop")
    with pytest.raises(Forbidden, match="demo"):
        tracking.simulate(session, SYSTEM, real.id, effects={"A": 0.5})
