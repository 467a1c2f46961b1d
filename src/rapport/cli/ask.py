"""`rapport ask "QUESTION"`: answer a question from the CRM's data, printing the table, the summary and the SQL."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from rapport.accounts import service as account_service
from rapport.ai.gateway import Gateway
from rapport.ask import service as ask_service
from rapport.ask.schemas import AnswerRead
from rapport.cli import context
from rapport.privacy.access import Principal, system_principal
from rapport.store.engine import make_sessionmaker


def ask(
    ctx: typer.Context,
    question: str = typer.Argument(..., help="The question, in English or Chinese."),
    conversation: int = typer.Option(None, "--conversation", help="A follow-up in this conversation (its id)."),
    as_user: str = typer.Option(None, "--as", help="Ask as this staff member (their role and records apply)."),
    save_report: str = typer.Option(None, "--save-report", help="Save the answer as a report with this name."),
    save_segment: str = typer.Option(None, "--save-segment", help="Save the customers it lists as a segment."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole answer as JSON."),
) -> None:
    """Answer a question from the data (as the system, or `--as` someone): table, chart data, summary and SQL."""
    cli = context.get(ctx)
    gateway = Gateway(cli.settings, make_sessionmaker(cli.engine))
    with cli.session() as session:
        principal: Principal = system_principal("cli")
        if as_user:
            principal = account_service.principal_for(account_service.get_by_email(session, as_user), via="cli")
        answer = ask_service.ask(
            session, principal, question, gateway=gateway, conversation_id=conversation, end_reads=session.commit
        )
        saved = []
        if answer.turn_id is not None and answer.status == "answered":
            for kind, name in (("report", save_report), ("segment", save_segment)):
                if name:
                    saved.append(ask_service.save(session, principal, turn_id=answer.turn_id, kind=kind, name=name))
    read = AnswerRead.of(answer)
    if as_json:
        typer.echo(json.dumps(read.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    console = Console()
    if read.status == "refused":
        console.print(f"Refused: {read.refusal}", style="yellow")
    else:
        table = Table(*[c.title for c in read.columns])
        for row in read.rows[:200]:
            table.add_row(*["–" if v is None else str(v) for v in row])
        console.print(table)
        if len(read.rows) > 200:
            console.print(f"… {len(read.rows) - 200} more rows (--json prints them all)", style="dim")
        console.print(read.summary)
        for note in read.notes:
            console.print(f"note: {note}", style="yellow")
        console.print(read.sql or "", style="dim", highlight=False, markup=False)
    for item in saved:
        console.print(f"saved {item.kind} #{item.id} '{item.name}' ({item.row_count} rows)")
    console.print(
        f"conversation {read.conversation_id} · plan {read.plan.compact() if read.plan else '–'} · "
        f"{read.latency_ms / 1000:.1f} s",
        style="dim",
        highlight=False,
        markup=False,
    )
    if read.status == "refused":
        raise typer.Exit(1)
