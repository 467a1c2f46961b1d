"""`rapport marketing …`: segments (rules or a sentence), campaigns (create, copy, preview, schedule, send, results),
the demo's simulation, and `demo`: the whole path on the demo company in one command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from rapport.ai.gateway import Gateway
from rapport.cli import context
from rapport.errors import Invalid
from rapport.jobs.queue import Queue
from rapport.jobs.runtime import JobRuntime
from rapport.marketing import campaigns, flows, segments, tracking
from rapport.marketing.schemas import CampaignBrief, CampaignCreate, SegmentCreate, SegmentRules, Variant
from rapport.privacy.access import system_principal
from rapport.store.engine import make_sessionmaker

app = typer.Typer(help="Segments and campaigns with holdouts and uplift.", no_args_is_help=True)
segment_app = typer.Typer(help="Saved segments: rules over customers, behaviour and analytics.", no_args_is_help=True)
campaign_app = typer.Typer(help="Campaigns: copy, preview, schedule, send, results.", no_args_is_help=True)
app.add_typer(segment_app, name="segment")
app.add_typer(campaign_app, name="campaign")
PRINCIPAL = system_principal("cli")


def _rules(value: str) -> SegmentRules:
    """Rules as JSON text or a path to a JSON file."""
    path = Path(value)
    raw = path.read_text(encoding="utf-8") if path.is_file() else value
    try:
        return SegmentRules.model_validate_json(raw)
    except ValueError as error:
        raise Invalid(f"not valid segment rules: {error}") from None


# ---- segments -------------------------------------------------------------------------------------------------------
@segment_app.command("list")
def segment_list(ctx: typer.Context) -> None:
    """Saved segments with their member counts."""
    cli = context.get(ctx)
    table = Table("id", "name", "members", "refreshed", "rules")
    with cli.session() as session:
        for s in segments.list_segments(session, PRINCIPAL):
            explained = "; ".join(segments.explain(c) for c in segments.rules_of(s).conditions)
            table.add_row(str(s.id), s.name, f"{s.member_count:,}", f"{s.refreshed_at:%Y-%m-%d %H:%M}", explained)
    Console().print(table)


@segment_app.command("from-sentence")
def segment_from_sentence(
    ctx: typer.Context,
    sentence: str = typer.Argument(..., help='e.g. "customers in Shanghai who spent over 500"'),
    save: str | None = typer.Option(None, help="Save the draft under this name (otherwise it is only shown)."),
    model: bool = typer.Option(True, "--model/--no-model", help="Ask the model (else: the rule reader)."),
) -> None:
    """Turn a sentence into rules and show them with the member count; `--save NAME` keeps them."""
    cli = context.get(ctx)
    gateway = Gateway(cli.settings, make_sessionmaker(cli.engine)) if model else None
    with cli.session() as session:
        draft = segments.from_sentence(session, PRINCIPAL, gateway, sentence)
        typer.echo(f"rules ({draft.source}): {draft.rules.model_dump_json()}")
        for line in draft.explanation:
            typer.echo(f"  - {line}")
        for warning in draft.warnings:
            typer.secho(f"  ! {warning}", fg=typer.colors.YELLOW)
        typer.echo(f"members: {draft.member_count:,}")
    if save:  # a new transaction: the model call's record was written since this one began
        with cli.session() as session:
            saved = segments.create(session, PRINCIPAL, SegmentCreate(name=save, rules=draft.rules, sentence=sentence))
            typer.echo(f"saved segment {saved.id} '{saved.name}'")


@segment_app.command("create")
def segment_create(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    rules: str = typer.Option(..., help="Rules as JSON (or a JSON file): {match, conditions: [{field, op, value}]}"),
    description: str = typer.Option("", help="What the segment is for."),
) -> None:
    """Save a segment from rules."""
    cli = context.get(ctx)
    with cli.session() as session:
        saved = segments.create(
            session, PRINCIPAL, SegmentCreate(name=name, rules=_rules(rules), description=description)
        )
        typer.echo(f"segment {saved.id} '{saved.name}': {saved.member_count:,} members")


@segment_app.command("preview")
def segment_preview(
    ctx: typer.Context,
    rules: str = typer.Argument(..., help="Rules as JSON or a JSON file."),
    sample: int = typer.Option(10, min=0, max=50),
) -> None:
    """Count and show a few members of rules without saving them."""
    cli = context.get(ctx)
    with cli.session() as session:
        found = segments.preview(session, PRINCIPAL, _rules(rules), sample=sample)
    typer.echo(f"members: {found.member_count:,}")
    for m in found.sample:
        typer.echo(
            f"  {m.id:>6}  {m.full_name:<24} {m.city or '':<12} orders {m.orders:>3}  spent {m.total_spent:,.2f}"
        )


@segment_app.command("refresh")
def segment_refresh(ctx: typer.Context, segment_id: int = typer.Argument(..., min=1)) -> None:
    """Count a segment's members again."""
    cli = context.get(ctx)
    with cli.session() as session:
        segment = segments.refresh(session, PRINCIPAL, segments.get(session, PRINCIPAL, segment_id))
        typer.echo(f"segment {segment.id}: {segment.member_count:,} members")


# ---- campaigns ------------------------------------------------------------------------------------------------------
@campaign_app.command("list")
def campaign_list(ctx: typer.Context) -> None:
    """Campaigns, newest first."""
    cli = context.get(ctx)
    table = Table("id", "name", "segment", "status", "sent", "queued")
    with cli.session() as session:
        for c in campaigns.list_campaigns(session, PRINCIPAL):
            sent = f"{c.sent_at:%Y-%m-%d %H:%M}" if c.sent_at else "–"
            table.add_row(str(c.id), c.name, str(c.segment_id), c.status, sent, str(c.counts.get("queued", "–")))
    Console().print(table)


@campaign_app.command("create")
def campaign_create(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    segment_id: int = typer.Option(..., "--segment", min=1, help="The segment's id."),
    offer: str = typer.Option(..., help="The offer in a few words."),
    offer_zh: str | None = typer.Option(None, help="The offer in Chinese, for Chinese copy."),
    product: str | None = typer.Option(None, help="A product's SKU or name."),
    discount: float | None = typer.Option(None, min=0, max=99, help="Discount in percent."),
    valid_until: datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="Last day of the offer."),
    url: str = typer.Option("https://shop.example.com/", help="Where the message links to."),
    variants: str = typer.Option("A,B", help="Variant keys, comma-separated (equal weights)."),
    holdout: float = typer.Option(0.1, min=0, max=0.5, help="Share of the audience held out."),
    languages: str = typer.Option("en,zh", help="Languages to write (customers get theirs, else the first)."),
    seed: int = typer.Option(0, min=0, help="Seed of the group assignment."),
) -> None:
    """Create a draft campaign for a segment."""
    cli = context.get(ctx)
    body = CampaignCreate(
        name=name,
        segment_id=segment_id,
        brief=CampaignBrief(
            offer=offer,
            offer_zh=offer_zh,
            product=product,
            discount_pct=discount,
            valid_until=valid_until.date() if valid_until else None,
            url=url,
        ),
        languages=[x.strip() for x in languages.split(",") if x.strip()],
        variants=[Variant(key=k.strip()) for k in variants.split(",") if k.strip()],
        holdout_share=holdout,
        seed=seed,
    )
    with cli.session() as session:
        campaign = campaigns.create(session, PRINCIPAL, body, cli.settings)
        typer.echo(f"campaign {campaign.id} '{campaign.name}' (draft)")


@campaign_app.command("messages")
def campaign_messages(
    ctx: typer.Context,
    campaign_id: int = typer.Argument(..., min=1),
    model: bool = typer.Option(True, "--model/--no-model", help="Ask the model (else the templates)."),
) -> None:
    """Write the copy per variant and language; each is checked by the guardrails (rewritten, else templated)."""
    cli = context.get(ctx)
    gateway = Gateway(cli.settings, make_sessionmaker(cli.engine)) if model else None
    made = flows.write_copy(
        make_sessionmaker(cli.engine), PRINCIPAL, gateway, campaign_id, cli.settings, use_model=model
    )
    for m in made:
        state = "ok" if m.guardrail.get("ok") else "; ".join(m.guardrail.get("problems", []))
        typer.echo(f"[{m.variant}/{m.language}] {m.source}, tries {m.tries}, checks: {state}")
        typer.echo(f"  subject: {m.subject}")
        typer.echo("  " + m.body.replace("\n", "\n  "))


@campaign_app.command("preview")
def campaign_preview(
    ctx: typer.Context, campaign_id: int = typer.Argument(..., min=1), sample: int = typer.Option(3, min=0, max=20)
) -> None:
    """The audience, exclusions and a few members' messages as they would be sent."""
    cli = context.get(ctx)
    with cli.session() as session:
        found = campaigns.preview(session, PRINCIPAL, campaign_id, cli.settings, sample=sample)
    typer.echo(f"audience {found.audience:,}, eligible {found.eligible:,}, excluded {found.excluded}")
    for s in found.samples:
        typer.echo(f"--- {s.customer_name} ({s.language}, group {s.group}, {s.source}) checks: {s.problems or 'ok'}")
        typer.echo(f"subject: {s.subject}\n{s.body}")


@campaign_app.command("schedule")
def campaign_schedule(
    ctx: typer.Context,
    campaign_id: int = typer.Argument(..., min=1),
    at: datetime = typer.Option(..., help="When to send (UTC), e.g. 2026-12-01T09:00:00"),
) -> None:
    """Send at a time (the periodic job marketing.send_due sends it)."""
    cli = context.get(ctx)
    with cli.session() as session:
        campaign = campaigns.schedule(session, PRINCIPAL, campaign_id, at.replace(tzinfo=at.tzinfo or UTC))
        typer.echo(f"campaign {campaign.id} scheduled for {campaign.scheduled_at:%Y-%m-%d %H:%M} UTC")


@campaign_app.command("send")
def campaign_send(ctx: typer.Context, campaign_id: int = typer.Argument(..., min=1)) -> None:
    """Send now: draw the groups, queue the emails, start the send jobs."""
    cli = context.get(ctx)
    queue = Queue.for_settings(cli.settings, runtime=JobRuntime(cli.settings, bind=cli.engine))
    with cli.session() as session:
        outcome = campaigns.send(session, PRINCIPAL, campaign_id, cli.settings)
        counts = dict(outcome.campaign.counts)
        ids = list(outcome.outbox_ids)
    for outbox_id in ids:
        queue.enqueue("mail.send", outbox_id=outbox_id)
    typer.echo(f"campaign {campaign_id} sent: {json.dumps(counts)}")


@campaign_app.command("results")
def campaign_results(ctx: typer.Context, campaign_id: int = typer.Argument(..., min=1)) -> None:
    """Conversions per group and each variant's uplift over the holdout with its 95% interval."""
    cli = context.get(ctx)
    with cli.session() as session:
        found = tracking.results(session, PRINCIPAL, campaign_id)
    _print_results(found)


def _print_results(found: Any) -> None:
    table = Table(
        "group", "recipients", "opened", "clicked", "converted", "rate", "uplift (95% CI)", "revenue/recipient",
        title=f"campaign {found.campaign_id}" + (" — SIMULATED (demo data)" if found.is_simulated else ""),
    )  # fmt: skip
    for g in found.groups:
        uplift = "–" if g.uplift is None else f"{g.uplift:+.1%} ({g.uplift_low:+.1%} to {g.uplift_high:+.1%})"
        table.add_row(
            g.group, f"{g.recipients:,}", f"{g.opened:,}", f"{g.clicked:,}", f"{g.converted:,}",
            f"{g.conversion_rate:.1%}", uplift, f"{g.revenue_per_recipient:,.2f}",
        )  # fmt: skip
    Console().print(table)
    typer.echo(f"conversions: first order within {found.attribution_days} days of sending; {found.method}")


@app.command("simulate")
def simulate(
    ctx: typer.Context,
    campaign_id: int = typer.Argument(..., min=1),
    effect: list[str] = typer.Option(
        ["A=0.05", "B=0.10"], help="Extra conversion probability per variant, KEY=P (repeat the option)."
    ),
    baseline: float = typer.Option(0.04, min=0, max=1, help="Conversion without the campaign (everyone)."),
    seed: int = typer.Option(1),
) -> None:
    """DEMO DATA ONLY: act as if the attribution window has passed (opens, clicks, orders with the chosen effect)."""
    cli = context.get(ctx)
    effects = _effects(effect)
    with cli.session() as session:
        made = tracking.simulate(session, PRINCIPAL, campaign_id, effects=effects, baseline=baseline, seed=seed)
    typer.secho(f"SIMULATED for the demo: {made}", fg=typer.colors.YELLOW)


def _effects(values: list[str]) -> dict[str, float]:
    effects = {}
    for value in values:
        key, _, number = value.partition("=")
        try:
            effects[key.strip()] = float(number)
        except ValueError:
            raise Invalid(f"an effect is KEY=PROBABILITY, not {value!r}") from None
    return effects


@app.command("demo")
def demo(
    ctx: typer.Context,
    sentence: str = typer.Option(
        "customers who spent over 300 and haven't ordered in 60 days", help="The segment, in a sentence."
    ),
    model: bool = typer.Option(True, "--model/--no-model", help="Write the copy with the model (else templates)."),
    effect: list[str] = typer.Option(["A=0.05", "B=0.10"], help="Simulated extra conversion per variant."),
    baseline: float = typer.Option(0.04, min=0, max=1, help="Simulated conversion without the campaign."),
    seed: int = typer.Option(1),
) -> None:
    """The whole path on the demo company: segment from a sentence → campaign (A/B, 10% holdout) → copy → send →
    simulated opens, clicks and orders → uplift with its confidence interval (also on /app/marketing)."""
    cli = context.get(ctx)
    gateway = Gateway(cli.settings, make_sessionmaker(cli.engine)) if model else None
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    with cli.session() as session:
        draft = segments.from_sentence(session, PRINCIPAL, gateway, sentence)
        typer.echo(f"segment rules ({draft.source}): " + "; ".join(draft.explanation) + f" → {draft.member_count:,}")
    with cli.session() as session:
        segment = segments.create(
            session, PRINCIPAL, SegmentCreate(name=f"Win-back {stamp}", rules=draft.rules, sentence=sentence)
        )
        body = CampaignCreate(
            name=f"Win-back {stamp}",
            segment_id=segment.id,
            brief=CampaignBrief(
                offer="15% off your next order",
                offer_zh="下一单立享八五折",
                discount_pct=15,
                valid_until=(datetime.now(UTC) + timedelta(days=30)).date(),
                url="https://shop.example.com/welcome-back",
            ),
            variants=[
                Variant(key="A", angle="we miss you; what is new in the shop"),
                Variant(key="B", angle="the discount and that it ends soon"),
            ],
            holdout_share=0.1,
            seed=seed,
        )
        campaign_id = campaigns.create(session, PRINCIPAL, body, cli.settings).id
    made = flows.write_copy(
        make_sessionmaker(cli.engine), PRINCIPAL, gateway, campaign_id, cli.settings, use_model=model
    )
    for m in made:
        typer.echo(f"copy [{m.variant}/{m.language}] {m.source} after {m.tries} tries: {m.subject}")
    with cli.session() as session:
        outcome = campaigns.send(session, PRINCIPAL, campaign_id, cli.settings)
        typer.echo(f"sent: {json.dumps(outcome.campaign.counts)}")
    with cli.session() as session:
        made_sim = tracking.simulate(
            session, PRINCIPAL, campaign_id, effects=_effects(effect), baseline=baseline, seed=seed
        )
        typer.secho(f"SIMULATED (demo data): {made_sim}", fg=typer.colors.YELLOW)
    with cli.session() as session:
        _print_results(tracking.results(session, PRINCIPAL, campaign_id))
    typer.echo(f"campaign page: /app/marketing/campaigns/{campaign_id}")
