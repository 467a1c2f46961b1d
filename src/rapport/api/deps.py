"""Annotated dependencies: the request's database session (its transaction), the acting principal, list params."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from rapport.accounts import service as account_service
from rapport.errors import Unauthenticated
from rapport.privacy import audit
from rapport.privacy.access import Principal
from rapport.settings import Settings
from rapport.store.engine import IMMEDIATE
from rapport.store.listing import ListQuery

T = TypeVar("T")
RESERVED_PARAMS = frozenset({"limit", "cursor", "sort", "q"})


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the endpoint returns, rolled back when it raises.

    Attempts refused inside the transaction are written to the audit log after the rollback.
    """
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        audit.write_deferred(session)
        raise
    finally:
        session.close()


# scope="function": the commit happens before the response is sent, so a failed commit is never reported as success.
DbSession = Annotated[Session, Depends(get_db, scope="function")]


def write_lock(request: Request, db: DbSession) -> None:
    """A router dependency for plain record writes: on SQLite the request's transaction takes the write lock when it
    starts (waiting its turn), instead of upgrading a read snapshot at its first write, which SQLite refuses at once
    when another request committed meanwhile. Only for routers whose writes are short and call no model and open no
    other session: a request holding the lock while a model answers would stall every other writer."""
    if request.method not in SAFE_METHODS:
        db.connection(execution_options={IMMEDIATE: True})


WriteLock = Depends(write_lock)
AppSettings = Annotated[Settings, Depends(get_settings)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def bearer_or_cookie(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    cookie_name = request.app.state.settings.auth.cookie_name
    value = request.cookies.get(cookie_name)
    return str(value) if value else None


def get_principal(request: Request, db: DbSession) -> Principal:
    secret = bearer_or_cookie(request)
    if not secret:
        raise Unauthenticated("log in first: send 'Authorization: Bearer <token>' (POST /api/auth/tokens makes one)")
    user = account_service.user_for_token(db, secret)
    via = "web" if request.url.path.startswith("/app") else "api"
    principal = account_service.principal_for(
        user, via=via, ip=client_ip(request), request_id=getattr(request.state, "request_id", None)
    )
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def get_list_query(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=1000, description="Rows per page.")] = 50,
    cursor: Annotated[str | None, Query(max_length=2000, description="`next_cursor` of the previous page.")] = None,
    sort: Annotated[str, Query(max_length=60, description="A sortable field; prefix `-` for descending.")] = "id",
    q: Annotated[str | None, Query(max_length=200, description="Text search over the list's text fields.")] = None,
) -> ListQuery:
    """Any other query parameter is a filter: `field=value`, or `field__gte=`/`__lte=`/`__gt=`/`__lt=` for ranges."""
    max_page = request.app.state.settings.api.max_page_size
    filters = {k: v for k, v in request.query_params.items() if k not in RESERVED_PARAMS}
    return ListQuery(limit=min(limit, max_page), cursor=cursor, sort=sort, q=q, filters=filters)


ListParams = Annotated[ListQuery, Depends(get_list_query)]


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None
    limit: int
