"""Saved views: each staff member keeps named filters per list page; nobody sees or changes another's."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.errors import Invalid, NotFound
from rapport.privacy.access import Principal
from rapport.web.models import SavedView

PAGES = frozenset({"customers", "tickets"})
MAX_VIEWS_PER_PAGE = 50


def list_views(session: Session, principal: Principal, page: str) -> list[SavedView]:
    if principal.user_id is None:
        return []
    stmt = select(SavedView).where(SavedView.user_id == principal.user_id, SavedView.page == page)
    return list(session.scalars(stmt.order_by(SavedView.name)))


def save(
    session: Session, principal: Principal, *, page: str, name: str, params: Mapping[str, str], allowed: Collection[str]
) -> SavedView:
    """Keep the list's current filters under `name`; saving under an existing name replaces that view."""
    if principal.user_id is None:
        raise Invalid("only a staff member can save views")
    if page not in PAGES:
        raise Invalid(f"views can be saved for {', '.join(sorted(PAGES))}, not {page!r}")
    name = " ".join(name.split())
    if not 1 <= len(name) <= 80:
        raise Invalid("a view's name must be 1 to 80 characters")
    kept = {k: str(v)[:200] for k, v in params.items() if k in allowed and v not in (None, "")}
    existing = session.scalar(
        select(SavedView).where(SavedView.user_id == principal.user_id, SavedView.page == page, SavedView.name == name)
    )
    if existing is not None:
        existing.params = kept
        session.flush()
        return existing
    if len(list_views(session, principal, page)) >= MAX_VIEWS_PER_PAGE:
        raise Invalid(f"you have {MAX_VIEWS_PER_PAGE} saved views here already; delete one first")
    view = SavedView(user_id=principal.user_id, page=page, name=name, params=kept)
    session.add(view)
    session.flush()
    return view


def delete(session: Session, principal: Principal, view_id: int) -> None:
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != principal.user_id:
        raise NotFound(f"saved view {view_id} not found")
    session.delete(view)
    session.flush()
