"""What happened after sending: opens (pixel), clicks (redirect), unsubscribes (one click), conversions (orders in
the attribution window, for treated and holdout recipients alike), the results with uplift against the holdout, and,
for the demo company only, a simulation of all that.

Conversions are measured the same way for every group: the first order a recipient placed within `attribution_days`
after the campaign was sent (holdout members count from the same moment). Opens and clicks exist only for those who
got a message, so they are shown but never compared with the holdout.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.customers.models import ConsentRecord, Customer
from rapport.errors import Conflict, Forbidden, NotFound
from rapport.kit.clock import as_utc, utcnow
from rapport.marketing import links, messages, segments
from rapport.marketing.campaigns import ENTITY, HOLDOUT, get
from rapport.marketing.models import Campaign, CampaignRecipient
from rapport.marketing.schemas import CampaignBrief, CampaignResults, GroupResult
from rapport.marketing.uplift import newcombe, wilson
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, require, system_principal
from rapport.sales.models import Order, OrderLine, Product

METHOD = "absolute uplift = variant rate − holdout rate; 95% Newcombe hybrid score interval (Wilson score per group)"
SIMULATED_SOURCE = "marketing-simulation"
VISITOR = system_principal("link")  # audit `via` holds 10 characters


# ---- opens, clicks, unsubscribes -----------------------------------------------------------------------------------
def _recipient(session: Session, secret: bytes, kind: str, token: str) -> tuple[CampaignRecipient, int]:
    recipient_id, link = links.verify(secret, kind, token)
    recipient = session.get(CampaignRecipient, recipient_id)
    if recipient is None:
        raise NotFound("this link belongs to a campaign that no longer exists")
    return recipient, link


def record_open(session: Session, secret: bytes, token: str) -> None:
    recipient, _ = _recipient(session, secret, "open", token)
    if recipient.opened_at is None:
        recipient.opened_at = utcnow()
        session.flush()


def record_click(session: Session, secret: bytes, token: str) -> str:
    """The campaign's own link for this token (a click is also an open: images are often blocked)."""
    recipient, link = _recipient(session, secret, "click", token)
    campaign = session.get(Campaign, recipient.campaign_id)
    assert campaign is not None
    urls = [CampaignBrief.model_validate(campaign.brief).url]
    if link >= len(urls):
        raise NotFound("this link is not part of the campaign")
    now = utcnow()
    recipient.clicked_at = recipient.clicked_at or now
    recipient.opened_at = recipient.opened_at or now
    session.flush()
    return urls[link]


def unsubscribe(session: Session, secret: bytes, token: str) -> Customer:
    """Withdraw the customer's consent for the campaign's channel (recorded, as every consent change is)."""
    recipient, _ = _recipient(session, secret, "unsubscribe", token)
    campaign = session.get(Campaign, recipient.campaign_id)
    customer = session.get(Customer, recipient.customer_id)
    assert campaign is not None
    assert customer is not None
    now = utcnow()
    recipient.unsubscribed_at = recipient.unsubscribed_at or now
    channel = "sms" if campaign.channel == "sms" else "email"
    if getattr(customer, f"consent_{channel}"):
        setattr(customer, f"consent_{channel}", False)
        session.add(
            ConsentRecord(customer_id=customer.id, channel=channel, is_granted=False, at=now, source="unsubscribe link")
        )
        audit.record(
            session, VISITOR, action="unsubscribe", entity="customers", entity_id=customer.id,
            detail={"campaign_id": campaign.id, "channel": channel},
        )  # fmt: skip
    session.flush()
    return customer


# ---- conversions and results ----------------------------------------------------------------------------------------
def attribute(session: Session, campaign: Campaign) -> int:
    """Mark each recipient's first order within the attribution window; returns how many converted."""
    if campaign.sent_at is None:
        return 0
    start = as_utc(campaign.sent_at)
    end = start + timedelta(days=campaign.attribution_days)
    recipients = list(session.scalars(select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id)))
    by_customer = {r.customer_id: r for r in recipients}
    first: dict[int, tuple[datetime, int, Decimal]] = {}
    ids = list(by_customer)
    for offset in range(0, len(ids), 500):
        chunk = ids[offset : offset + 500]
        rows = session.execute(
            select(Order.customer_id, Order.placed_at, Order.id, Order.total)
            .where(
                Order.customer_id.in_(chunk),
                Order.placed_at >= start,
                Order.placed_at <= end,
                Order.status.notin_(segments.NOT_BOUGHT),
            )
            .order_by(Order.placed_at, Order.id)
        )
        for customer_id, placed_at, order_id, total in rows:
            first.setdefault(customer_id, (placed_at, order_id, total))
    converted = 0
    for customer_id, recipient in by_customer.items():
        if recipient.group != HOLDOUT and recipient.sent_at is None:
            continue  # blocked: never sent, so not part of the comparison
        hit = first.get(customer_id)
        if hit is None:
            recipient.converted_at = recipient.conversion_order_id = recipient.conversion_value = None
            continue
        recipient.converted_at, recipient.conversion_order_id, recipient.conversion_value = hit
        converted += 1
    session.flush()
    return converted


def results(session: Session, principal: Principal, campaign_id: int) -> CampaignResults:
    """Each group's opens, clicks, conversions and revenue, and each variant's uplift over the holdout."""
    campaign = get(session, principal, campaign_id)
    if campaign.status == "sent":
        attribute(session, campaign)
    tallies: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    stmt = select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id)
    for r in session.scalars(stmt):
        if r.group != HOLDOUT and r.sent_at is None:
            continue
        t = tallies[r.group]
        t["n"] += 1
        t["opened"] += r.opened_at is not None
        t["clicked"] += r.clicked_at is not None
        t["converted"] += r.converted_at is not None
        t["unsubscribed"] += r.unsubscribed_at is not None
        t["revenue"] += float(r.conversion_value or 0)
    holdout = tallies.get(HOLDOUT)
    order = [str(v["key"]) for v in campaign.variants] + [HOLDOUT]
    groups = []
    for key in order:
        if key not in tallies:
            continue
        t = tallies[key]
        n, k = int(t["n"]), int(t["converted"])
        low, high = wilson(k, n)
        result = GroupResult(
            group=key,
            recipients=n,
            opened=int(t["opened"]),
            clicked=int(t["clicked"]),
            converted=k,
            unsubscribed=int(t["unsubscribed"]),
            conversion_rate=k / n if n else 0.0,
            revenue=round(t["revenue"], 2),
            revenue_per_recipient=round(t["revenue"] / n, 4) if n else 0.0,
            rate_low=low,
            rate_high=high,
        )
        if key != HOLDOUT and holdout is not None and holdout["n"] > 0:
            result.uplift, result.uplift_low, result.uplift_high = newcombe(
                k, n, int(holdout["converted"]), int(holdout["n"])
            )
        groups.append(result)
    return CampaignResults(
        campaign_id=campaign.id,
        status=campaign.status,
        sent_at=campaign.sent_at,
        attribution_days=campaign.attribution_days,
        method=METHOD,
        groups=groups,
        is_simulated=bool(campaign.counts.get("simulated")),
        counts=campaign.counts,
    )


# ---- the demo's simulation ------------------------------------------------------------------------------------------
def simulate(
    session: Session,
    principal: Principal,
    campaign_id: int,
    *,
    effects: dict[str, float],
    baseline: float = 0.0,
    seed: int = 1,
    open_rate: float = 0.45,
    click_rate: float = 0.3,
) -> dict[str, int]:
    """For the demo company only: act as if `attribution_days` have passed since sending.

    The send moves back by the attribution window; treated recipients open and click at the given rates. Every
    recipient, holdout included, converts with probability `baseline`, and a treated one with `effects[variant]`
    more (an order of the campaign's product, source "marketing-simulation"). The demo's own orders in the window
    count for everyone alike (a segment of lapsed customers has none), so the measured uplift estimates the chosen
    effect.
    """
    require(principal, ENTITY, Action.update)
    campaign = get(session, principal, campaign_id)
    if campaign.status != "sent" or campaign.sent_at is None:
        raise Conflict("only a sent campaign can be simulated")
    if campaign.counts.get("simulated"):
        raise Conflict("this campaign was simulated already")
    recipients = list(session.scalars(select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id)))
    ids = [r.customer_id for r in recipients]
    not_demo = 0
    for offset in range(0, len(ids), 500):
        not_demo += (
            session.scalar(
                select(func.count(Customer.id)).where(
                    Customer.id.in_(ids[offset : offset + 500]), Customer.source != "demo"
                )
            )
            or 0
        )
    if not_demo:
        raise Forbidden(f"simulation is for the demo company only; {not_demo} recipients are real customers")
    rng = random.Random(seed)
    shift = timedelta(days=campaign.attribution_days)
    sent_at = as_utc(campaign.sent_at) - shift
    campaign.sent_at = sent_at
    product = _product(session, campaign)
    offer = messages.offer_of(session, campaign)
    price = offer.new_price or product.price
    made = {"opened": 0, "clicked": 0, "orders": 0}
    window_h = max(1, campaign.attribution_days * 24 - 2)
    for recipient in recipients:
        if recipient.sent_at is None and recipient.group != HOLDOUT:
            continue
        recipient.sent_at = sent_at
        treated = recipient.group != HOLDOUT
        if treated and rng.random() < open_rate:
            recipient.opened_at = sent_at + timedelta(hours=rng.uniform(0.1, 48))
            made["opened"] += 1
            if rng.random() < click_rate:
                recipient.clicked_at = recipient.opened_at + timedelta(minutes=rng.uniform(0.2, 30))
                made["clicked"] += 1
        chance = baseline + (effects.get(recipient.group, 0.0) if treated else 0.0)
        if rng.random() < chance:
            placed = sent_at + timedelta(hours=rng.uniform(1, window_h))
            session.add(
                Order(
                    number=f"SIM-{campaign.id}-{recipient.customer_id}",
                    customer_id=recipient.customer_id,
                    placed_at=placed,
                    status="paid",
                    channel="web",
                    currency=product.currency,
                    subtotal=price,
                    total=price,
                    source=SIMULATED_SOURCE,
                    lines=[OrderLine(product_id=product.id, quantity=1, unit_price=price, line_total=price)],
                )
            )
            made["orders"] += 1
    campaign.counts = {
        **campaign.counts,
        "simulated": {"effects": effects, "baseline": baseline, "seed": seed, **made},
    }
    session.flush()
    attribute(session, campaign)
    audit.record(session, principal, action="simulate", entity=ENTITY, entity_id=campaign.id, detail=made)
    return made


def _product(session: Session, campaign: Campaign) -> Product:
    offer = messages.offer_of(session, campaign)
    if offer.product_name:
        found = session.scalar(select(Product).where(Product.name == offer.product_name).limit(1))
        if found is not None:
            return found
    found = session.scalar(select(Product).where(Product.deleted_at.is_(None)).order_by(Product.id).limit(1))
    if found is None:
        raise Conflict("the catalogue has no products to simulate orders of")
    return found
