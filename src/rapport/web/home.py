"""The home page: the viewer's own numbers and where their role usually goes next."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from rapport.api.deps import DbSession
from rapport.web import metrics
from rapport.web.kit import CurrentViewer, PageRoute, render

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)


@router.get("")
def home(request: Request, db: DbSession, viewer: CurrentViewer) -> Response:
    return render(request, "web/home.html", {"kpis": metrics.kpis(db, viewer.principal)})
