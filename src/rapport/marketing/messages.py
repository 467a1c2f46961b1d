"""Campaign copy: written by the model per variant and language from the brief, checked by the guardrails, rewritten
on failure (up to `max_tries`), else the template; and each recipient's own email composed from it (greeting, link,
unsubscribe line), checked again with that recipient's details before it is queued.

The model writes only the middle of a message: greetings, links and the unsubscribe line are ours, so a model can
neither misname a customer nor invent a link. Copy is per variant × language (not per customer), which keeps model
calls to a handful per campaign; personal details enter only when the message is composed for one customer.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.ai.gateway import Gateway, ModelOutputInvalid
from rapport.customers.models import Customer
from rapport.errors import RapportError
from rapport.kit.clock import utcnow
from rapport.kit.schema import Schema
from rapport.marketing import guardrails
from rapport.marketing.models import Campaign, CampaignMessage
from rapport.marketing.prompts import load as load_prompt
from rapport.marketing.schemas import CampaignBrief
from rapport.marketing.settings import MarketingSettings
from rapport.sales.models import Product

log = logging.getLogger(__name__)
FEATURE = "marketing.messages"
LANGUAGE_NAMES = {"en": "English", "zh": "Simplified Chinese"}
CTA = {"en": "See the offer", "zh": "查看优惠"}
MAX_KNOWN_NAMES = 500_000  # other customers' names the personal-data check knows (memory: ~50 MB at the cap)


class MessageDraft(Schema):
    """What the model writes. No length limits in the schema: llama.cpp turns `maxLength` into a grammar nested
    that many levels deep (thousands for a body), which it cannot run; the guardrails check lengths instead."""

    subject: str
    body: str


@dataclass(frozen=True)
class Offer:
    """The brief with its product looked up: what templates and prompts say."""

    brief: CampaignBrief
    product_name: str | None
    price: Decimal | None
    new_price: Decimal | None
    currency: str

    def money(self, amount: Decimal) -> str:
        symbol = {"USD": "$", "CNY": "¥", "EUR": "€", "GBP": "£"}.get(self.currency, "")
        return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {self.currency}"

    @property
    def pct(self) -> str | None:
        value = self.brief.discount_pct
        if value is None:
            return None
        return f"{value:g}"


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str


# ---- facts -----------------------------------------------------------------------------------------------------------
def offer_of(session: Session, campaign: Campaign) -> Offer:
    brief = CampaignBrief.model_validate(campaign.brief)
    product = None
    if brief.product:
        needle = brief.product.strip()
        product = session.scalar(select(Product).where(Product.sku == needle, Product.deleted_at.is_(None)))
        if product is None:
            product = session.scalar(
                select(Product).where(Product.name.ilike(needle), Product.deleted_at.is_(None)).limit(1)
            )
    price = product.price if product is not None else None
    new_price = None
    if price is not None and brief.discount_pct:
        factor = (Decimal(100) - Decimal(str(brief.discount_pct))) / Decimal(100)
        new_price = (price * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Offer(
        brief=brief,
        product_name=(product.name if product is not None else brief.product),
        price=price,
        new_price=new_price,
        currency=product.currency if product is not None else "USD",
    )


def facts_for(session: Session, campaign: Campaign, offer: Offer, settings: MarketingSettings) -> guardrails.Facts:
    """Prices of the catalogue and the campaign, the campaign's discount and dates, and its links."""
    prices = {
        p.quantize(Decimal("0.01")) for p in session.scalars(select(Product.price).where(Product.deleted_at.is_(None)))
    }
    discounts: set[Decimal] = set()
    dates: set[date] = set()
    if offer.new_price is not None:
        prices.add(offer.new_price)
    if offer.price is not None and offer.new_price is not None:
        prices.add((offer.price - offer.new_price).quantize(Decimal("0.01")))  # "save $X"
    if offer.brief.discount_pct is not None:
        discounts.add(Decimal(str(offer.brief.discount_pct)).quantize(Decimal("0.01")))
    if offer.brief.valid_until is not None:
        dates.add(offer.brief.valid_until)
    # Figures written in the brief's own offer text are the marketer's, so they count as the campaign's.
    stated = f"{offer.brief.offer}\n{offer.brief.offer_zh or ''}"
    for pattern in guardrails.PRICE_PATTERNS:
        prices.update(a for m in pattern.finditer(stated) if (a := guardrails.amount(m.group(1))))
    discounts.update(a for m in guardrails.PERCENT.finditer(stated) if (a := guardrails.amount(m.group(1))))
    links = (offer.brief.url, settings.public_url.rstrip("/") + "/")
    return guardrails.Facts(frozenset(prices), frozenset(discounts), frozenset(dates), links)


def known_people(session: Session) -> guardrails.KnownPeople:
    names = session.scalars(select(Customer.full_name).where(Customer.deleted_at.is_(None)).limit(MAX_KNOWN_NAMES))
    return guardrails.KnownPeople.of(names)


def limits_of(settings: MarketingSettings) -> guardrails.Limits:
    return guardrails.Limits(email_max_chars=settings.email_max_chars, sms_max_chars=settings.sms_max_chars)


# ---- templates ----------------------------------------------------------------------------------------------------
def format_date(value: date, language: str) -> str:
    if language == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value:%B} {value.day}, {value.year}"


def template(offer: Offer, variant_index: int, language: str) -> MessageDraft:
    """The fallback copy: only the brief's facts, in two wordings (variant A, variant B…) per language."""
    brief, name = offer.brief, offer.product_name
    until = format_date(brief.valid_until, language) if brief.valid_until else None
    if language == "zh":
        offer_text = brief.offer_zh or brief.offer
        lines = [offer_text if offer_text.endswith(("。", "！", ".")) else f"{offer_text}。"]
        if name and offer.pct and offer.price is not None and offer.new_price is not None:
            lines.append(
                f"{name}现价{offer.money(offer.new_price)}，原价{offer.money(offer.price)}，立减{offer.pct}%。"
            )
        elif offer.pct:
            lines.append(f"现在下单可享{offer.pct}%优惠。")
        if until:
            lines.append(f"优惠有效期至{until}。")
        lines.append("期待再次为您服务。" if variant_index % 2 == 0 else "名额有限，欢迎尽早选购。")
        subject = offer_text if variant_index % 2 == 0 else f"为您准备的优惠：{offer_text}"
        return MessageDraft(subject=subject[:120], body="".join(lines))
    opening = (
        "We picked something we think you will like." if variant_index % 2 == 0 else "A quick note before it ends."
    )
    lines = [opening, f"{brief.offer.rstrip('.')}."]
    if name and offer.pct and offer.price is not None and offer.new_price is not None:
        lines.append(
            f"{name} is now {offer.money(offer.new_price)} instead of {offer.money(offer.price)} ({offer.pct}% off)."
        )
    elif offer.pct and f"{offer.pct}%" not in brief.offer:
        lines.append(f"Take {offer.pct}% off your next order.")
    if until:
        lines.append(f"The offer runs until {until}.")
    lines.append(
        "Thank you for shopping with us." if variant_index % 2 == 0 else "We would love to see you again soon."
    )
    subject = brief.offer if variant_index % 2 == 0 else f"Before it ends: {brief.offer}"
    return MessageDraft(subject=subject[:120], body=" ".join(lines))


# ---- composing one recipient's message ------------------------------------------------------------------------------
def compose(
    draft_subject: str,
    draft_body: str,
    *,
    language: str,
    channel: str,
    company: str,
    recipient: guardrails.Recipient,
    click_url: str,
    unsubscribe_url: str,
    pixel_url: str | None = None,
) -> Composed:
    """Greeting + the copy + the link + the one-click unsubscribe line (text and HTML)."""
    cta = CTA.get(language, CTA["en"])
    if channel == "sms":
        stop = "退订" if language == "zh" else "Stop"
        text = f"{draft_body} {click_url} {stop}: {unsubscribe_url}"
        return Composed(subject="", text=text, html="")
    if language == "zh":
        greeting = f"{recipient.full_name}，您好：" if recipient.full_name else "您好："
        footer = f"—\n{company}\n不想再收到此类邮件？一键退订：{unsubscribe_url}"
        link_line = f"{cta}：{click_url}"
    else:
        greeting = f"Hi {recipient.first_name}," if recipient.first_name else "Hi there,"
        footer = (
            f"—\n{company}\nYou get this because you agreed to hear from us. Unsubscribe with one click: "
            f"{unsubscribe_url}"
        )
        link_line = f"{cta}: {click_url}"
    text = f"{greeting}\n\n{draft_body.strip()}\n\n{link_line}\n\n{footer}\n"
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in draft_body.strip().split("\n") if p.strip())
    markup = (
        f"<p>{html.escape(greeting)}</p>{paragraphs}"
        f'<p><a href="{html.escape(click_url)}">{html.escape(cta)}</a></p>'
        f'<p style="color:#666;font-size:12px">{html.escape(company)} · '
        f'<a href="{html.escape(unsubscribe_url)}">{"一键退订" if language == "zh" else "Unsubscribe"}</a></p>'
    )
    if pixel_url:
        markup += f'<img src="{html.escape(pixel_url)}" width="1" height="1" alt="">'
    return Composed(subject=draft_subject, text=text, html=markup)


def recipient_of(customer: Customer) -> guardrails.Recipient:
    first = customer.first_name or ""
    if not first and customer.full_name and " " in customer.full_name:
        first = customer.full_name.split()[0]
    return guardrails.Recipient(
        full_name=customer.full_name or "",
        first_name=first,
        email=customer.email,
        phone=customer.phone,
        language=customer.language,
    )


def check_composed(
    composed: Composed,
    *,
    language: str,
    channel: str,
    facts: guardrails.Facts,
    recipient: guardrails.Recipient,
    people: guardrails.KnownPeople,
    settings: MarketingSettings,
) -> guardrails.Verdict:
    return guardrails.check(
        composed.text,
        subject=composed.subject,
        channel=channel,
        language=language,
        facts=facts,
        recipient=recipient,
        people=people,
        forbidden=settings.forbidden_claims,
        limits=limits_of(settings),
    )


def check_copy(
    draft: MessageDraft,
    *,
    language: str,
    channel: str,
    facts: guardrails.Facts,
    people: guardrails.KnownPeople,
    settings: MarketingSettings,
    company: str,
) -> guardrails.Verdict:
    """The copy as an anonymous recipient would get it (links are the campaign's own)."""
    base = settings.public_url.rstrip("/")
    composed = compose(
        draft.subject,
        draft.body,
        language=language,
        channel=channel,
        company=company,
        recipient=guardrails.Recipient(language=language),
        click_url=f"{base}/api/t/c/preview",
        unsubscribe_url=f"{base}/api/unsubscribe/preview",
    )
    verdict = check_composed(
        composed,
        language=language,
        channel=channel,
        facts=facts,
        recipient=guardrails.Recipient(language=language),
        people=people,
        settings=settings,
    )
    if channel == "sms":  # the SMS length limit applies to the whole text, link included
        verdict.problems = [p for p in verdict.problems if not p.startswith("length")]
        verdict.problems += guardrails._length(draft.body, "", "sms", limits_of(settings))
    return verdict


# ---- generating a campaign's copy -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """Everything writing a campaign's copy needs, read from the database beforehand (plain data, no session)."""

    campaign_id: int
    variants: list[tuple[str, str]]  # (key, angle)
    languages: list[str]
    channel: str
    offer: Offer
    facts: guardrails.Facts
    people: guardrails.KnownPeople
    company: str


@dataclass(frozen=True)
class Drafted:
    variant: str
    language: str
    draft: MessageDraft
    source: str
    tries: int
    record: dict[str, object]


def prepare(session: Session, campaign: Campaign, settings: MarketingSettings, *, company: str) -> Plan:
    offer = offer_of(session, campaign)
    return Plan(
        campaign_id=campaign.id,
        variants=[(str(v["key"]), str(v.get("angle") or "")) for v in campaign.variants],
        languages=[str(lang) for lang in campaign.languages],
        channel=campaign.channel,
        offer=offer,
        facts=facts_for(session, campaign, offer, settings),
        people=known_people(session),
        company=company,
    )


def write_all(gateway: Gateway | None, plan: Plan, settings: MarketingSettings) -> list[Drafted]:
    """The copy for every variant × language; touches no database (the gateway records its calls on its own)."""
    model = gateway if gateway is not None and gateway.is_available(FEATURE) else None
    drafted = []
    for index, (key, angle) in enumerate(plan.variants):
        for language in plan.languages:
            draft, source, tries, record = _write_one(
                model,
                plan.offer,
                plan.facts,
                plan.people,
                settings,
                variant_index=index,
                angle=angle,
                language=language,
                channel=plan.channel,
                company=plan.company,
            )
            drafted.append(Drafted(key, language, draft, source, tries, record))
    return drafted


def store(session: Session, campaign: Campaign, drafted: list[Drafted]) -> list[CampaignMessage]:
    """Replace the campaign's copy with `drafted`."""
    for old in session.scalars(select(CampaignMessage).where(CampaignMessage.campaign_id == campaign.id)):
        session.delete(old)
    session.flush()
    made = []
    for d in drafted:
        message = CampaignMessage(
            campaign_id=campaign.id,
            variant=d.variant,
            language=d.language,
            channel=campaign.channel,
            subject=d.draft.subject,
            body=d.draft.body,
            source=d.source,
            tries=d.tries,
            guardrail=d.record,
            created_at=utcnow(),
        )
        session.add(message)
        made.append(message)
    session.flush()
    return made


def generate(
    session: Session,
    gateway: Gateway | None,
    campaign: Campaign,
    settings: MarketingSettings,
    *,
    company: str,
    use_model: bool = True,
) -> list[CampaignMessage]:
    """prepare → write_all → store in one session: for templates, and for gateways that write nothing themselves.
    With a recording gateway on SQLite use flows.write_copy, which holds no transaction across the model calls."""
    plan = prepare(session, campaign, settings, company=company)
    return store(session, campaign, write_all(gateway if use_model else None, plan, settings))


def _write_one(
    gateway: Gateway | None,
    offer: Offer,
    facts: guardrails.Facts,
    people: guardrails.KnownPeople,
    settings: MarketingSettings,
    *,
    variant_index: int,
    angle: str,
    language: str,
    channel: str,
    company: str,
) -> tuple[MessageDraft, str, int, dict[str, object]]:
    rejected: list[dict[str, object]] = []

    def verdict_of(draft: MessageDraft) -> guardrails.Verdict:
        return check_copy(
            draft, language=language, channel=channel, facts=facts, people=people, settings=settings, company=company
        )

    if gateway is not None:
        feedback: list[str] = []
        for attempt in range(max(1, settings.max_tries)):
            try:
                draft = _ask_model(gateway, offer, language, channel, angle, company, feedback, attempt, settings)
            except ModelOutputInvalid as error:  # cut short or off-schema: another try may do
                rejected.append({"error": error.message})
                continue
            except RapportError as error:  # no model, busy, timed out: the template now
                rejected.append({"error": error.message})
                break
            verdict = verdict_of(draft)
            if verdict.is_ok:
                return draft, "model", attempt + 1, {"ok": True, "problems": [], "rejected": rejected}
            rejected.append({"subject": draft.subject, "body": draft.body, "problems": verdict.problems})
            feedback = verdict.problems
    draft = template(offer, variant_index, language)
    verdict = verdict_of(draft)
    if channel == "sms" and not verdict.is_ok:
        draft = MessageDraft(subject="", body=draft.body[: settings.sms_max_chars // 2])
        verdict = verdict_of(draft)
    return draft, "template", len(rejected), {"ok": verdict.is_ok, "problems": verdict.problems, "rejected": rejected}


def _ask_model(
    gateway: Gateway,
    offer: Offer,
    language: str,
    channel: str,
    angle: str,
    company: str,
    feedback: list[str],
    attempt: int,
    settings: MarketingSettings,
) -> MessageDraft:
    brief = offer.brief
    facts = [f"- Offer: {brief.offer_zh if language == 'zh' and brief.offer_zh else brief.offer}"]
    if offer.product_name:
        facts.append(f"- Product: {offer.product_name}")
    if offer.price is not None and offer.new_price is not None:
        facts.append(f"- Price: {offer.money(offer.new_price)} (was {offer.money(offer.price)})")
    if offer.pct:
        facts.append(f"- Discount: {offer.pct}%")
    if brief.valid_until:
        facts.append(f"- Valid until: {format_date(brief.valid_until, language)}")
    length = (
        f"The body is at most {settings.sms_max_chars // 2} characters."
        if channel == "sms"
        else "The subject is under 80 characters; the body is 2 or 3 short sentences (under 400 characters)."
    )
    system = (
        load_prompt("campaign_message.v2")
        .replace("{channel_name}", "text message" if channel == "sms" else "email")
        .replace("{company}", company)
        .replace("{language_name}", LANGUAGE_NAMES.get(language, "English"))
        .replace("{facts}", "\n".join(facts))
        .replace("{angle}", angle or ("what the customer gains" if attempt % 2 == 0 else "the offer ends soon"))
        .replace("{tone}", brief.tone)
        .replace("{length_rule}", length)
    )
    messages: list[dict[str, str]] = [{"role": "system", "content": system}]
    user = "Write the message." if language == "en" else "请写这封邮件（只用简体中文）。"
    if feedback:
        user += " Your last version was rejected: " + "; ".join(feedback[:4]) + ". Fix that."
    messages.append({"role": "user", "content": user})
    return gateway.generate_json(
        FEATURE,
        messages,  # type: ignore[arg-type]
        MessageDraft,
        max_tokens=settings.max_tokens,
        temperature=0.0 if attempt == 0 else 0.7,
        seed=attempt,
    )
