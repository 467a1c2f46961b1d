"""`rapport feedback run` / `topics` / `report` / `rename` / `merge`: feedback analysis from the command line."""

from __future__ import annotations

import json

import typer

from rapport.ai.gateway import Gateway
from rapport.cli import context
from rapport.feedback import painpoints, pipeline
from rapport.feedback import service as feedback_service
from rapport.feedback.schemas import TopicMerge, TopicRename
from rapport.privacy.access import system_principal
from rapport.store.engine import make_sessionmaker

app = typer.Typer(
    help="Feedback analysis: sentiment, aspects, complaint topics, trends, pain points.", no_args_is_help=True
)


@app.command("run")
def run(
    ctx: typer.Context,
    incremental: bool = typer.Option(
        False, "--incremental", help="Only score new messages and assign them to known topics."
    ),
    min_cluster_size: int | None = typer.Option(
        None, min=2, help="Smallest topic (default: messages / 400, at least 5)."
    ),
    no_model: bool = typer.Option(False, "--no-model", help="Name new topics by their keywords, without the model."),
    rename: bool = typer.Option(False, "--rename", help="Ask the model again for every name no person gave."),
) -> None:
    """Analyse customer messages now (what the nightly job feedback.analyse does)."""
    cli = context.get(ctx)
    gateway = None if no_model else Gateway(cli.settings, make_sessionmaker(cli.engine))
    result = pipeline.analyse(
        cli.engine,
        cli.settings,
        gateway=gateway,
        full=not incremental,
        min_cluster_size=min_cluster_size,
        rename=rename,
    )
    metrics = result.metrics
    typer.echo(
        f"run {result.id} ({result.kind}): {metrics['messages']:,} messages, {metrics['topics']} topics "
        f"({metrics['new_topics']} new), {metrics['assigned']:,} assigned, {metrics['emerging']} emerging; "
        f"sentiment by {result.sentiment_model}; {metrics['seconds']}s"
    )


@app.command("topics")
def topics(
    ctx: typer.Context,
    status: str = typer.Option("active", help="active, merged, retired or all."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Topics with their size, mean sentiment, negative share and keywords, largest first."""
    cli = context.get(ctx)
    with cli.session() as session:
        found = feedback_service.list_topics(
            session, system_principal("cli"), status=None if status == "all" else status
        )
    if as_json:
        typer.echo(json.dumps([t.model_dump() for t in found], ensure_ascii=False, indent=1))
        return
    if not found:
        typer.echo("no topics yet: run `rapport feedback run`")
    for t in found:
        typer.echo(
            f"{t.id:5d}  {t.size:6,}  {t.mean_sentiment:+.2f}  {t.negative_share:4.0%}  {t.name}  "
            f"[{', '.join(t.keywords[:5])}]{'' if t.status == 'active' else f' ({t.status})'}"
        )


@app.command("report")
def report(
    ctx: typer.Context,
    limit: int = typer.Option(10, min=1, max=100, help="How many pain points."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The top pain points: negative topics with customers affected, revenue at risk, segments and examples."""
    cli = context.get(ctx)
    with cli.session() as session:
        found = painpoints.report(session, system_principal("cli"), limit=limit)
    if as_json:
        typer.echo(found.model_dump_json(indent=1))
        return
    typer.echo(f"{found.messages:,} messages in {found.topics} topics (run {found.run_id}). {found.note}".rstrip())
    for i, p in enumerate(found.pain_points, start=1):
        segments = ", ".join(f"{s.segment} {s.share:.0%} (×{s.lift})" for s in p.segments)
        typer.echo(
            f"{i:2d}. {p.topic.name} (topic {p.topic.id}): {p.negative_messages:,} negative of {p.messages:,}, "
            f"{p.customers_affected:,} customers, revenue at risk {p.revenue_at_risk:,.2f}; segments: {segments}"
        )
        for example in p.examples:
            typer.echo(f"      - {(example.text or '').replace(chr(10), ' ')[:140]}")


@app.command("rename")
def rename(
    ctx: typer.Context,
    topic_id: int = typer.Argument(..., help="The topic's id."),
    name: str = typer.Argument(..., help="The new name (kept on later runs)."),
    description: str | None = typer.Option(None, help="A new one-line description."),
) -> None:
    """Rename a topic."""
    cli = context.get(ctx)
    with cli.session() as session:
        topic = feedback_service.rename(
            session, system_principal("cli"), topic_id, TopicRename(name=name, description=description)
        )
    typer.echo(f"topic {topic.id}: {topic.name}")


@app.command("merge")
def merge(
    ctx: typer.Context,
    keep: int = typer.Argument(..., help="The topic that stays."),
    drop: list[int] = typer.Argument(..., help="Topics folded into it."),
) -> None:
    """Merge topics into one; later runs keep them together."""
    cli = context.get(ctx)
    with cli.session() as session:
        topic = feedback_service.merge(session, system_principal("cli"), keep, TopicMerge(drop_ids=drop))
    typer.echo(f"topic {topic.id} ({topic.name}) now has {topic.size:,} messages")
