"""What the list pages share: reading filters from the query string, paging links, and saved views."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from rapport.api.deps import DbSession
from rapport.errors import Invalid
from rapport.web import saved_views
from rapport.web.kit import CurrentViewer, FormFields, PageRoute, Viewer, redirect

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)

# The filters each list page understands, which are also what a saved view may hold.
FILTERS: dict[str, tuple[str, ...]] = {
    "customers": ("q", "country", "language", "lifecycle_stage", "owner", "consent_email", "source", "sort"),
    "tickets": (
        "q",
        "status",
        "priority",
        "intent",
        "sentiment",
        "channel",
        "language",
        "assignee",
        "sort",
    ),
}
PAGE_SIZE = 50


def chosen_filters(params: Mapping[str, str], page: str) -> dict[str, str]:
    """The page's filters present in the query string, blanks dropped."""
    return {k: params[k].strip() for k in FILTERS[page] if params.get(k, "").strip()}


def list_url(page: str, params: Mapping[str, str], **extra: str) -> str:
    query = urlencode({**params, **extra})
    return f"/app/{page}?{query}" if query else f"/app/{page}"


@router.post("/views")
def save_view(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    page: Annotated[str, Form(max_length=20)],
    name: Annotated[str, Form(max_length=200)],
    form: FormFields,
) -> Response:
    """Saves the filters sent with the form (the list's current ones) under a name, then shows that view."""
    if page not in FILTERS:
        raise Invalid(f"unknown list page {page!r}")
    params = {k: v for k, v in form.items() if k in FILTERS[page]}
    view = saved_views.save(db, viewer.principal, page=page, name=name, params=params, allowed=FILTERS[page])
    return redirect(list_url(page, view.params), request)


@router.post("/views/{view_id}/delete")
def delete_view(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    view_id: int,
    page: Annotated[str, Form(max_length=20)] = "customers",
) -> Response:
    saved_views.delete(db, viewer.principal, view_id)
    return redirect(f"/app/{page if page in FILTERS else 'customers'}", request)


def views_for(db: Session, viewer: Viewer, page: str) -> list[dict[str, object]]:
    return [
        {"id": v.id, "name": v.name, "url": list_url(page, v.params)}
        for v in saved_views.list_views(db, viewer.principal, page)
    ]
