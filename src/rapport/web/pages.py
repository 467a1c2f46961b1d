"""Installs the staff web pages on the app: the static files and one router per domain, all under /app."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from rapport.errors import NotFound
from rapport.web import (
    accounts,
    ask,
    assistant,
    customers,
    dashboards,
    feedback,
    home,
    imports,
    knowledge,
    lists,
    marketing,
    progress,
    tickets,
)
from rapport.web.kit import HERE, PageRoute

ROUTERS = (
    accounts.router,
    home.router,
    customers.router,
    tickets.router,
    knowledge.router,
    dashboards.router,
    imports.router,
    lists.router,
    progress.router,
    assistant.router,
    ask.router,
    marketing.router,
    feedback.router,
)

# Last, so that a mistyped page address gets a page saying so rather than the API's JSON 404.
not_found = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)


@not_found.get("/{path:path}")
def unknown_page(request: Request, path: str) -> Response:
    raise NotFound(f"there is no page at /app/{path}")


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in (*ROUTERS, not_found):
        app.include_router(router)
