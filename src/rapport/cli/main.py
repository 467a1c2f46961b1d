"""The `rapport` command: builds Settings once, then dispatches to the domain command groups."""

from __future__ import annotations

import typer

from rapport.cli import (
    accounts,
    ai,
    analytics,
    ask,
    assistant,
    audit,
    automation,
    db,
    demo,
    evaluate,
    feedback,
    ingest,
    jobs,
    mail,
    marketing,
    model,
    privacy,
    recommend,
    reports,
    serve,
)
from rapport.cli.context import CliContext
from rapport.errors import RapportError
from rapport.settings import Settings

app = typer.Typer(help="Rapport, an LLM-native CRM.", no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(db.app, name="db")
app.add_typer(accounts.app, name="user")
app.add_typer(audit.app, name="audit")
app.add_typer(ai.app, name="ai")
app.add_typer(analytics.app, name="analytics")
app.add_typer(model.app, name="model")
app.add_typer(evaluate.app, name="eval")
app.add_typer(assistant.app, name="kb")
app.add_typer(ingest.app)  # import, export, imports, duplicates
app.add_typer(jobs.app, name="jobs")
app.add_typer(automation.rules_app, name="rules")
app.add_typer(automation.app, name="automation")
app.add_typer(reports.app, name="reports")
app.add_typer(mail.app, name="mail")
app.add_typer(recommend.app, name="recommend")
app.add_typer(marketing.app, name="marketing")
app.add_typer(feedback.app, name="feedback")
app.add_typer(privacy.app, name="privacy")
app.command("worker")(jobs.worker)
app.command("init")(db.init)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("ask")(ask.ask)


@app.callback()
def main(ctx: typer.Context) -> None:
    """Settings come from RAPPORT_* environment variables (see README, "Configure")."""
    ctx.obj = CliContext(settings=Settings())


def run() -> None:
    try:
        app()
    except RapportError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
        raise SystemExit(2) from None


if __name__ == "__main__":
    run()
