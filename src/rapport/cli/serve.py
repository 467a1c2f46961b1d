"""`rapport serve`: the web pages and the API in one process."""

from __future__ import annotations

import typer
import uvicorn

from rapport.cli import context


def serve(
    ctx: typer.Context,
    host: str = typer.Option(None, help="Interface to listen on (default: RAPPORT_API__HOST, 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default: RAPPORT_API__PORT, 8000)."),
) -> None:
    """Serve the web UI and the REST API (OpenAPI docs at /docs)."""
    from rapport.app import create_app
    from rapport.jobs import queue

    settings = context.get(ctx).settings
    app = create_app(settings)
    # With the embedded (SQLite) queue, worker threads and the periodic schedule run in this same process, so one
    # command runs everything on a laptop; with Redis, run `rapport worker` processes beside it.
    with queue.serving(settings, bind=app.state.engine, state=app.state):
        uvicorn.run(app, host=host or settings.api.host, port=port or settings.api.port, log_level="warning")
