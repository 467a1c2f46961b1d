"""`rapport kb …`: import files into the knowledge base, index it, search it, ask the assistant, sign widget tokens."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from rapport.ai.gateway import Gateway
from rapport.ai.rag.loaders import SUFFIXES
from rapport.assistant import flows, widget_tokens
from rapport.assistant.knowledge_import import import_files
from rapport.cli import context
from rapport.errors import Invalid
from rapport.privacy.access import system_principal
from rapport.store.engine import make_sessionmaker

app = typer.Typer(help="The assistant's knowledge base: import, index, search and ask.", no_args_is_help=True)


def _runtime(ctx: typer.Context, *, with_model: bool = False) -> flows.AssistantRuntime:
    cli = context.get(ctx)
    sessions = make_sessionmaker(cli.engine)
    gateway = Gateway(cli.settings, sessions) if with_model else None
    return flows.build_runtime(cli.settings, sessions, gateway)


@app.command("import")
def import_command(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Files or folders (.md .html .pdf .txt .csv); folders are walked."),
    language: str = typer.Option(None, help="en or zh for every file (default: detect per file)."),
    category: str = typer.Option(None, help="Category for every imported article."),
    index: bool = typer.Option(True, "--index/--no-index", help="Index the changed articles afterwards."),
) -> None:
    """Import files as articles: new slugs are created, existing ones updated (their version goes up)."""
    if language not in (None, "en", "zh"):
        raise Invalid("--language must be en or zh")
    files: list[tuple[str, bytes]] = []
    for path in paths:
        if not path.exists():
            raise Invalid(f"{path} does not exist")
        found = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES) if path.is_dir() else [path]
        files += [(p.name, p.read_bytes()) for p in found if p.is_file()]
    with context.get(ctx).session() as session:
        outcomes = import_files(session, system_principal("cli"), files, language=language, category=category)
    table = Table("file", "outcome", "article", "note")
    for outcome in outcomes:
        table.add_row(outcome.filename, outcome.outcome, str(outcome.article_id or ""), outcome.message)
    console = Console()
    console.print(table)
    if index:
        _print_sync(console, _runtime(ctx))
    if any(o.outcome == "failed" for o in outcomes):
        raise typer.Exit(1)


@app.command("reindex")
def reindex(ctx: typer.Context) -> None:
    """Bring the search index in line with the articles (re-chunk and embed what changed)."""
    _print_sync(Console(), _runtime(ctx))


def _print_sync(console: Console, runtime: flows.AssistantRuntime) -> None:
    report = runtime.index.sync(runtime.sessions)
    console.print(
        f"indexed {report.articles_indexed} article(s), removed {report.articles_removed}; "
        f"{report.passages_written} passage(s) written, {report.passages_embedded} embedded, "
        f"{report.passages_reused} reused, in {report.seconds:.1f} s"
        + (f" (dense retrieval off: {runtime.index.dense_error})" if runtime.index.dense_error else "")
    )


@app.command("search")
def search(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="What a customer would ask."),
    language: str = typer.Option(None, help="Only passages in this language (en or zh)."),
    mode: str = typer.Option("hybrid", help="hybrid, bm25 or dense."),
    k: int = typer.Option(5, min=1, max=50, help="How many passages."),
) -> None:
    """Show the passages the assistant would read for a question, with their scores."""
    if mode not in ("hybrid", "bm25", "dense"):
        raise Invalid("--mode must be hybrid, bm25 or dense")
    runtime = _runtime(ctx)
    runtime.index.ensure_fresh(runtime.sessions, force=True)
    table = Table("#", "score", "bm25", "cosine", "article", "section")
    for n, hit in enumerate(runtime.index.search(query, k=k, language=language, mode=mode), start=1):  # type: ignore[arg-type]
        payload = hit.document.payload
        cosine = "" if hit.similarity is None else f"{hit.similarity:.3f}"
        table.add_row(
            str(n), f"{hit.score:.4f}", f"{hit.bm25:.2f}", cosine, str(payload["slug"]), str(payload["heading"])
        )
    Console().print(table)


@app.command("ask")
def ask(
    ctx: typer.Context,
    question: str = typer.Argument(..., help="A customer's question."),
    language: str = typer.Option(None, help="Answer language (default: the question's)."),
) -> None:
    """Answer a question from the knowledge base, as the widget would (with the configured model)."""
    answer = flows.ask(_runtime(ctx, with_model=True), question, language=language)
    console = Console()
    console.print(answer.text)
    for citation in answer.citations:
        console.print(f"[{citation.n}] {citation.title} › {citation.heading} ({citation.url})")
    flags = [f"confidence {answer.confidence:.3f}", "generated" if answer.is_generated else "passages only"]
    if answer.is_abstained:
        flags.append("abstained")
    console.print(f"({', '.join(flags)})", style="dim")


@app.command("widget-token")
def widget_token(
    ctx: typer.Context,
    customer_id: int = typer.Argument(..., help="The customer the widget will act for."),
    ttl_s: int = typer.Option(3600, min=1, max=widget_tokens.MAX_TTL_S, help="Seconds the token stays valid."),
) -> None:
    """Print a signed widget token (data-customer-token) for a logged-in customer, as a site's server would sign."""
    settings = context.get(ctx).settings
    secret = widget_tokens.secret_from(settings.assistant.widget_secret, settings.data_dir)
    typer.echo(widget_tokens.sign(secret, customer_id, ttl_s=ttl_s))
