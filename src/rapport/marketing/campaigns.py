"""Campaigns: created from a segment, previewed, scheduled, and sent through the outbox with a random holdout.

Sending freezes the audience: every eligible member of the segment becomes a recipient in a group, a variant drawn by
the variants' weights or the holdout, by a seeded hash of the campaign and the customer (stable: the same campaign
always puts a customer in the same group). Customers without marketing consent for the channel, without an address,
or over the frequency cap are excluded and counted; the holdout is drawn from those eligible, so it compares like
with like. Holdout members get nothing; they are what "without the campaign" looks like (tracking.py measures it).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rapport.ai.gateway import Gateway
from rapport.customers.models import Customer
from rapport.errors import Conflict, Invalid, NotFound
from rapport.kit.clock import as_utc, utcnow
from rapport.mail import outbox
from rapport.marketing import links, messages, segments
from rapport.marketing.models import Campaign, CampaignMessage, CampaignRecipient
from rapport.marketing.schemas import (
    CampaignCreate,
    CampaignPreview,
    MessageRead,
    PreviewSample,
)
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, require, system_principal
from rapport.settings import Settings

ENTITY = "campaigns"
HOLDOUT = "holdout"
SENDER = system_principal("marketing")
CHUNK = 500


@dataclass
class Audience:
    eligible: list[Customer] = field(default_factory=list)
    members: int = 0
    excluded: dict[str, int] = field(default_factory=lambda: {"no_consent": 0, "no_address": 0, "capped": 0})


@dataclass(frozen=True)
class SendOutcome:
    campaign: Campaign
    outbox_ids: list[int]


# ---- create, read ---------------------------------------------------------------------------------------------------
def create(session: Session, principal: Principal, data: CampaignCreate, settings: Settings) -> Campaign:
    require(principal, ENTITY, Action.create)
    segment = segments.get(session, principal, data.segment_id)
    defaults = settings.marketing
    campaign = Campaign(
        name=data.name,
        segment_id=segment.id,
        status="draft",
        channel=data.channel,
        languages=list(dict.fromkeys(data.languages)),
        brief=data.brief.model_dump(mode="json"),
        variants=[v.model_dump() for v in data.variants],
        holdout_share=data.holdout_share,
        seed=data.seed,
        frequency_cap=data.frequency_cap or defaults.frequency_cap,
        frequency_days=data.frequency_days or defaults.frequency_days,
        attribution_days=data.attribution_days or defaults.attribution_days,
        created_by=principal.user_id,
        counts={},
    )
    session.add(campaign)
    session.flush()
    audit.record(session, principal, action="create", entity=ENTITY, entity_id=campaign.id)
    return campaign


def get(session: Session, principal: Principal, campaign_id: int) -> Campaign:
    require(principal, ENTITY, Action.read)
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id} not found")
    return campaign


def list_campaigns(session: Session, principal: Principal, *, limit: int = 100) -> list[Campaign]:
    require(principal, ENTITY, Action.read)
    return list(session.scalars(select(Campaign).order_by(Campaign.id.desc()).limit(limit)))


def messages_of(session: Session, campaign: Campaign) -> list[CampaignMessage]:
    stmt = (
        select(CampaignMessage)
        .where(CampaignMessage.campaign_id == campaign.id)
        .order_by(CampaignMessage.variant, CampaignMessage.language)
    )
    return list(session.scalars(stmt))


def generate_messages(
    session: Session,
    principal: Principal,
    gateway: Gateway | None,
    campaign_id: int,
    settings: Settings,
    *,
    use_model: bool = True,
) -> list[CampaignMessage]:
    """(Re)write the campaign's copy; only a campaign not yet sent."""
    require(principal, ENTITY, Action.update)
    campaign = get(session, principal, campaign_id)
    require_unsent(campaign)
    return messages.generate(
        session,
        gateway,
        campaign,
        settings.marketing,
        company=settings.assistant.company_name,
        use_model=use_model,
    )


def require_unsent(campaign: Campaign) -> None:
    if campaign.status not in {"draft", "scheduled", "sending"}:
        raise Conflict(f"campaign {campaign.id} was {campaign.status} already")


# ---- the audience ---------------------------------------------------------------------------------------------------
def assign(campaign: Campaign, customer_id: int) -> str:
    """The customer's group: the holdout with probability `holdout_share`, else a variant by weight (seeded hash)."""
    digest = hashlib.sha256(f"{campaign.seed}:{campaign.id}:{customer_id}".encode()).digest()
    first = int.from_bytes(digest[:8], "big") / 2**64
    second = int.from_bytes(digest[8:16], "big") / 2**64
    if first < campaign.holdout_share:
        return HOLDOUT
    total = sum(float(v.get("weight", 1.0)) for v in campaign.variants)
    running = 0.0
    for variant in campaign.variants:
        running += float(variant.get("weight", 1.0)) / total
        if second < running:
            return str(variant["key"])
    return str(campaign.variants[-1]["key"])


def audience(session: Session, principal: Principal, campaign: Campaign, *, now: datetime | None = None) -> Audience:
    """The segment's members now, split into those the campaign may reach and those excluded (counted by reason)."""
    now = now or utcnow()
    segment = segments.get(session, principal, campaign.segment_id)
    ids = segments.member_ids(session, principal, segment)
    found = Audience(members=len(ids))
    since = now - timedelta(days=campaign.frequency_days)
    for chunk in _chunks(ids):
        recent = dict(
            session.execute(
                select(CampaignRecipient.customer_id, func.count(CampaignRecipient.id))
                .where(
                    CampaignRecipient.customer_id.in_(chunk),
                    CampaignRecipient.group != HOLDOUT,
                    CampaignRecipient.sent_at >= since,
                    CampaignRecipient.campaign_id != campaign.id,
                )
                .group_by(CampaignRecipient.customer_id)
            ).all()
        )
        for customer in session.scalars(select(Customer).where(Customer.id.in_(chunk)).order_by(Customer.id)):
            consent = customer.consent_sms if campaign.channel == "sms" else customer.consent_email
            address = customer.phone if campaign.channel == "sms" else customer.email
            if not consent:
                found.excluded["no_consent"] += 1
            elif not address:
                found.excluded["no_address"] += 1
            elif recent.get(customer.id, 0) >= campaign.frequency_cap:
                found.excluded["capped"] += 1
            else:
                found.eligible.append(customer)
    return found


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


# ---- preview --------------------------------------------------------------------------------------------------------
def preview(
    session: Session, principal: Principal, campaign_id: int, settings: Settings, *, sample: int = 5
) -> CampaignPreview:
    """The audience, the copy (saved, or the template's if none yet) and a few members' messages, each checked."""
    campaign = get(session, principal, campaign_id)
    found = audience(session, principal, campaign)
    saved = messages_of(session, campaign)
    offer = messages.offer_of(session, campaign)
    facts = messages.facts_for(session, campaign, offer, settings.marketing)
    people = messages.known_people(session)
    copy = {(m.variant, m.language): (m.subject, m.body, m.source) for m in saved}
    for index, variant in enumerate(campaign.variants):
        for language in campaign.languages:
            if (variant["key"], language) not in copy:
                draft = messages.template(offer, index, language)
                copy[(variant["key"], language)] = (draft.subject, draft.body, "template")
    ranked = sorted(
        found.eligible, key=lambda c: hashlib.sha256(f"{campaign.seed}:preview:{c.id}".encode()).hexdigest()
    )
    samples = []
    for customer in ranked[: max(0, min(sample, 20))]:
        group = assign(campaign, customer.id)
        language = _language_for(campaign, customer)
        key = group if group != HOLDOUT else str(campaign.variants[0]["key"])
        subject, body, source = copy[(key, language)]
        composed, verdict = _compose_checked(
            campaign, customer, subject, body, language, settings, facts, people, token="preview"
        )
        samples.append(
            PreviewSample(
                customer_id=customer.id,
                customer_name=customer.full_name,
                language=language,
                group=group,
                subject=composed.subject,
                body=composed.text,
                source=source,
                problems=verdict.problems,
            )
        )
    return CampaignPreview(
        audience=found.members,
        eligible=len(found.eligible),
        excluded=found.excluded,
        messages=[MessageRead.model_validate(m) for m in saved],
        samples=samples,
    )


def _language_for(campaign: Campaign, customer: Customer) -> str:
    language = (customer.language or "en")[:2]
    return language if language in campaign.languages else str(campaign.languages[0])


def _urls(settings: Settings, token_of: Any) -> tuple[str, str, str]:
    base = settings.marketing.public_url.rstrip("/")
    return (
        f"{base}/api/t/c/{token_of('click')}",
        f"{base}/api/unsubscribe/{token_of('unsubscribe')}",
        f"{base}/api/t/o/{token_of('open')}.gif",
    )


def _compose_checked(
    campaign: Campaign,
    customer: Customer,
    subject: str,
    body: str,
    language: str,
    settings: Settings,
    facts: Any,
    people: Any,
    *,
    token: str | None = None,
    secret: bytes | None = None,
    recipient_id: int | None = None,
) -> tuple[messages.Composed, Any]:
    def token_of(kind: str) -> str:
        if token is not None or secret is None or recipient_id is None:
            return token or "preview"
        return links.sign(secret, kind, recipient_id)

    click, unsubscribe, pixel = _urls(settings, token_of)
    recipient = messages.recipient_of(customer)
    composed = messages.compose(
        subject,
        body,
        language=language,
        channel=campaign.channel,
        company=settings.assistant.company_name,
        recipient=recipient,
        click_url=click,
        unsubscribe_url=unsubscribe,
        pixel_url=pixel,
    )
    verdict = messages.check_composed(
        composed,
        language=language,
        channel=campaign.channel,
        facts=facts,
        recipient=recipient,
        people=people,
        settings=settings.marketing,
    )
    if campaign.channel == "sms":
        verdict.problems = [p for p in verdict.problems if not p.startswith("length")]
    return composed, verdict


# ---- schedule and send ----------------------------------------------------------------------------------------------
def schedule(session: Session, principal: Principal, campaign_id: int, at: datetime) -> Campaign:
    require(principal, ENTITY, Action.update)
    campaign = get(session, principal, campaign_id)
    if campaign.status not in {"draft", "scheduled"}:
        raise Conflict(f"campaign {campaign.id} is {campaign.status}; only a draft can be scheduled")
    if at.tzinfo is None:
        raise Invalid("give the time with its zone, e.g. 2026-12-01T09:00:00Z")
    campaign.status, campaign.scheduled_at = "scheduled", as_utc(at)
    session.flush()
    audit.record(session, principal, action="schedule", entity=ENTITY, entity_id=campaign.id)
    return campaign


def due(session: Session, *, now: datetime | None = None) -> list[int]:
    """Scheduled campaigns whose time has come."""
    stmt = select(Campaign.id).where(Campaign.status == "scheduled", Campaign.scheduled_at <= (now or utcnow()))
    return list(session.scalars(stmt.order_by(Campaign.scheduled_at)))


def claim(session: Session, campaign_id: int) -> bool:
    """Move a scheduled campaign to "sending", once: two workers never both send it."""
    result = session.execute(
        update(Campaign).where(Campaign.id == campaign_id, Campaign.status == "scheduled").values(status="sending")
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def send(
    session: Session, principal: Principal, campaign_id: int, settings: Settings, *, now: datetime | None = None
) -> SendOutcome:
    """Freeze the audience into recipients and queue each treated recipient's email in the outbox.

    Copy missing for a variant or language is the template's (a model is never called inside this transaction).
    Returns the outbox ids, to start `mail.send` jobs once the caller has committed.
    """
    require(principal, ENTITY, Action.update)
    campaign = get(session, principal, campaign_id)
    require_unsent(campaign)
    if campaign.channel != "email":
        raise Invalid("only email campaigns can be sent: there is no text-message transport (preview works)")
    now = now or utcnow()
    copy = {(m.variant, m.language): m for m in messages_of(session, campaign)}
    if any((v["key"], lang) not in copy for v in campaign.variants for lang in campaign.languages):
        made = messages.generate(
            session, None, campaign, settings.marketing, company=settings.assistant.company_name, use_model=False
        )
        copy = {(m.variant, m.language): m for m in made}
    found = audience(session, principal, campaign, now=now)
    recipients = [
        CampaignRecipient(campaign_id=campaign.id, customer_id=c.id, group=assign(campaign, c.id), sent_at=now)
        for c in found.eligible
    ]
    session.add_all(recipients)
    session.flush()
    offer = messages.offer_of(session, campaign)
    facts = messages.facts_for(session, campaign, offer, settings.marketing)
    people = messages.known_people(session)
    secret = links.secret_from(settings.marketing.link_secret, settings.data_dir)
    by_id = {c.id: c for c in found.eligible}
    groups: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    outbox_ids = []
    for recipient in recipients:
        groups[recipient.group] += 1
        if recipient.group == HOLDOUT:
            continue
        customer = by_id[recipient.customer_id]
        language = _language_for(campaign, customer)
        message = copy[(recipient.group, language)]
        composed, verdict = _compose_checked(
            campaign, customer, message.subject, message.body, language, settings, facts, people,
            secret=secret, recipient_id=recipient.id,
        )  # fmt: skip
        source = message.source
        if not verdict.is_ok:
            # The copy passed as written; with this customer's details it does not (e.g. it names them wrongly).
            index = next(i for i, v in enumerate(campaign.variants) if v["key"] == recipient.group)
            fallback = messages.template(offer, index, language)
            composed, verdict = _compose_checked(
                campaign, customer, fallback.subject, fallback.body, language, settings, facts, people,
                secret=secret, recipient_id=recipient.id,
            )  # fmt: skip
            source = "template"
        if not verdict.is_ok:
            recipient.sent_at, recipient.message_source = None, "blocked"
            sources["blocked"] += 1
            continue
        queued = outbox.queue(
            session,
            SENDER,
            to=[customer.email or ""],
            subject=composed.subject,
            body_text=composed.text,
            body_html=composed.html,
            settings=settings.mail,
            customer_id=customer.id,
            source=f"campaign:{campaign.id}",
        )
        recipient.message_id, recipient.outbox_id, recipient.message_source = message.id, queued.id, source
        sources[source] += 1
        outbox_ids.append(queued.id)
    campaign.status, campaign.sent_at = "sent", now
    campaign.counts = {
        "audience": found.members,
        "eligible": len(found.eligible),
        "excluded": found.excluded,
        "groups": dict(groups),
        "queued": len(outbox_ids),
        "sources": dict(sources),
    }
    session.flush()
    audit.record(
        session, principal, action="send", entity=ENTITY, entity_id=campaign.id, detail={"queued": len(outbox_ids)}
    )
    return SendOutcome(campaign=campaign, outbox_ids=outbox_ids)
