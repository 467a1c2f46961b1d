"""`rapport rules …` (workflow rules) and `rapport automation …` (triage, escalation, follow-ups, availability)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from rapport.accounts import service as account_service
from rapport.automation import assignments, followups, workflows
from rapport.automation import tasks as automation_tasks
from rapport.automation.schemas import RuleDefinition, RuleUpdate
from rapport.cli import context
from rapport.jobs.queue import Queue
from rapport.jobs.runtime import JobRuntime
from rapport.kit.clock import as_utc
from rapport.privacy.access import system_principal

rules_app = typer.Typer(help="Workflow rules: trigger → conditions → actions, kept as data.", no_args_is_help=True)
app = typer.Typer(help="Triage, assignment, SLA escalation and follow-up tasks.", no_args_is_help=True)


@rules_app.command("list")
def list_rules(ctx: typer.Context) -> None:
    """The rules, in the order they run."""
    with context.get(ctx).session() as session:
        for rule in workflows.list_rules(session, system_principal()):
            state = "on " if rule.is_active else "off"
            typer.echo(f"{rule.id:>4} {state} {rule.trigger:<16} v{rule.version} {rule.name}")


@rules_app.command("install-demo")
def install_demo(ctx: typer.Context) -> None:
    """Install the demo company's rule set (again: updates the rules by name)."""
    with context.get(ctx).session() as session:
        rules = workflows.install(session, system_principal(), workflows.demo_ruleset())
        typer.echo(f"{len(rules)} demo rules installed")


@rules_app.command("import")
def import_rules(ctx: typer.Context, path: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """Install the rules of a YAML or JSON file (rules with an existing name get a new version)."""
    with context.get(ctx).session() as session:
        ruleset = workflows.parse_ruleset(path.read_text(encoding="utf-8"))
        typer.echo(f"{len(workflows.install(session, system_principal(), ruleset))} rules installed")


@rules_app.command("enable")
def enable(ctx: typer.Context, rule_id: int, off: bool = typer.Option(False, "--off", help="Disable instead.")) -> None:
    """Switch a rule on (or off with --off)."""
    with context.get(ctx).session() as session:
        rule = workflows.update(session, system_principal(), rule_id, RuleUpdate(is_active=not off))
        typer.echo(f"rule {rule.id} is {'on' if rule.is_active else 'off'}")


@rules_app.command("dry-run")
def dry_run(
    ctx: typer.Context,
    rule_id: int = typer.Argument(None, help="A rule id; default every rule."),
    days: int = typer.Option(30, help="Look back this many days."),
    samples: int = typer.Option(3, help="Matches to show per rule."),
) -> None:
    """What rules would have done over the last N days. Changes nothing."""
    with context.get(ctx).session() as session:
        principal = system_principal()
        rules = [workflows.get(session, principal, rule_id)] if rule_id else workflows.list_rules(session, principal)
        for rule in rules:
            result = workflows.dry_run(
                session,
                principal,
                RuleDefinition.model_validate(rule.definition),
                days=days,
                rule_id=rule.id,
                samples=samples,
            )
            typer.echo(f"{rule.id:>4} {rule.name}: {result.matched} of {result.events} events matched in {days} days")
            for match in result.samples:
                for action in match.actions:
                    typer.echo(f"       {match.event_key}: {action.description}")


@rules_app.command("run")
def run_rules(ctx: typer.Context) -> None:
    """Run the rules on new events now (what the rules.run job does every minute)."""
    cli = context.get(ctx)
    summary = automation_tasks.run_rules(cli.engine, cli.settings)
    _queue_then(ctx, summary.pop("then"))
    typer.echo(json.dumps(summary, default=str))


@app.command("triage")
def triage(
    ctx: typer.Context,
    ticket_id: int = typer.Argument(None, help="One ticket; default every open ticket of the last --hours."),
    hours: int = typer.Option(72, help="With no ticket: how far back to look for untriaged tickets."),
) -> None:
    """Triage (then route, then run ticket.created rules) now."""
    cli = context.get(ctx)
    if ticket_id:
        summary = automation_tasks.triage_ticket(cli.engine, cli.settings, ticket_id=ticket_id)
    else:
        summary = automation_tasks.sweep_new_tickets(cli.engine, cli.settings, hours=hours)
    _queue_then(ctx, summary.pop("then"))
    typer.echo(json.dumps(summary, default=str, ensure_ascii=False))


@app.command("escalate")
def escalate(ctx: typer.Context) -> None:
    """Escalate first-response SLA breaches now."""
    cli = context.get(ctx)
    summary = automation_tasks.escalate(cli.engine, cli.settings)
    typer.echo(f"{len(summary['escalated'])} ticket(s) escalated: {summary['escalated'][:20]}")


@app.command("followups")
def scan_followups(ctx: typer.Context) -> None:
    """Create follow-up tasks now: idle deals, churn-risk crossings, promises in sent messages."""
    cli = context.get(ctx)
    typer.echo(json.dumps(automation_tasks.scan_followups(cli.engine, cli.settings)))


@app.command("agents")
def agents(ctx: typer.Context) -> None:
    """Agents who take tickets: skills, open tickets, cap and availability."""
    cli = context.get(ctx)
    with cli.session() as session:
        for agent in assignments.availability(
            session, system_principal(), settings=automation_tasks.configured(cli.settings)
        ):
            state = "available" if agent.is_available else f"away until {agent.away_until or '?'}"
            load = f"{agent.open_tickets:>3}/{agent.max_open:<3}"
            typer.echo(f"{agent.user_id:>4} {agent.name:<22} {load} {state:<28} {', '.join(agent.skills)}")


@app.command("availability")
def availability(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="The agent."),
    away: bool = typer.Option(None, "--away/--available", help="Take no new tickets / take them again."),
    until: datetime = typer.Option(None, help="Away until this UTC time (then available again)."),
    max_open: int = typer.Option(None, help="At most this many open tickets."),
) -> None:
    """Set an agent's availability."""
    cli = context.get(ctx)
    values: dict[str, object] = {}
    if away is not None:
        values["is_available"] = not away
    if until is not None:
        values["away_until"] = as_utc(until)
    if max_open is not None:
        values["max_open"] = max_open
    with cli.session() as session:
        user = account_service.get_by_email(session, email)
        row = assignments.set_availability(
            session, system_principal(), user.id, values, settings=automation_tasks.configured(cli.settings)
        )
        typer.echo(f"{row.name}: {'available' if row.is_available else 'away'}, {row.open_tickets}/{row.max_open} open")


@app.command("promises")
def promises(ctx: typer.Context, text: str = typer.Argument(..., help="A message to read for promises.")) -> None:
    """Show the promises the rules find in a text (to check the detector)."""
    from rapport.kit.clock import utcnow

    for promise in followups.RulePromiseDetector().find(text, utcnow()):
        typer.echo(f"{promise.due_at:%Y-%m-%d %H:%M} UTC  {promise.sentence}  ({promise.why})")


def _queue_then(ctx: typer.Context, jobs: list[tuple[str, dict[str, Any]]]) -> None:
    if not jobs:
        return
    cli = context.get(ctx)
    queue = Queue.for_settings(cli.settings, runtime=JobRuntime(cli.settings, bind=cli.engine))
    for name, arguments in jobs:  # the work that asked for them is committed already
        queue.enqueue(name, **arguments)
    typer.echo(f"{len(jobs)} follow-up job(s) queued (emails, webhooks): a worker sends them")
