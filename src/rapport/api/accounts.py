"""Logins, sessions, API tokens, users and teams."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from rapport.accounts import service as account_service
from rapport.accounts.schemas import (
    LoginRequest,
    TeamCreate,
    TeamRead,
    TokenCreate,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from rapport.api.deps import AppSettings, CurrentPrincipal, DbSession, ListParams, PageOut, bearer_or_cookie, client_ip
from rapport.errors import Forbidden

router = APIRouter()
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post("/auth/tokens", status_code=status.HTTP_201_CREATED, tags=["auth"])
def create_token(body: TokenCreate, request: Request, db: DbSession, settings: AppSettings) -> TokenRead:
    """Exchange email and password for a bearer API token (shown once; it does not expire until revoked)."""
    policy = account_service.LoginPolicy.from_settings(settings.security)
    user = account_service.authenticate(db, body.email, body.password, ip=client_ip(request), policy=policy)
    token = account_service.issue_token(db, user, kind="api", name=body.name)
    return TokenRead(token=token.secret, expires_at=None, user=account_service.present_user(user))  # type: ignore[attr-defined]


@router.post("/auth/login", tags=["auth"])
def login(body: LoginRequest, request: Request, response: Response, db: DbSession, settings: AppSettings) -> TokenRead:
    """Start a browser session: sets an HttpOnly session cookie and returns the same secret."""
    policy = account_service.LoginPolicy.from_settings(settings.security)
    user = account_service.authenticate(db, body.email, body.password, ip=client_ip(request), policy=policy)
    token = account_service.issue_token(db, user, kind="session", ttl_s=settings.auth.session_ttl_s)
    secret: str = token.secret  # type: ignore[attr-defined]
    response.set_cookie(
        settings.auth.cookie_name,
        secret,
        max_age=settings.auth.session_ttl_s,
        httponly=True,
        samesite="lax",
        secure=settings.auth.cookie_secure,
    )
    return TokenRead(token=secret, expires_at=token.expires_at, user=account_service.present_user(user))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"])
def logout(request: Request, response: Response, db: DbSession, settings: AppSettings) -> None:
    """Revoke the session or token this request was made with."""
    secret = bearer_or_cookie(request)
    if secret:
        account_service.revoke_token(db, secret)
    response.delete_cookie(settings.auth.cookie_name)


@router.get("/auth/me", tags=["auth"])
def me(db: DbSession, principal: CurrentPrincipal) -> UserRead:
    return account_service.present_user(account_service.own_account(db, principal))


@router.get("/users", response_model=PageOut[UserRead], tags=["users"])
def list_users(db: DbSession, principal: CurrentPrincipal, query: ListParams) -> PageOut[UserRead]:
    page = account_service.users.list(db, principal, query)
    items = [account_service.present_user(u) for u in page.items]
    return PageOut(items=items, next_cursor=page.next_cursor, limit=page.limit)


@router.post("/users", status_code=status.HTTP_201_CREATED, tags=["users"])
def create_user(body: UserCreate, db: DbSession, principal: CurrentPrincipal) -> UserRead:
    return account_service.present_user(account_service.create_user(db, principal, body.model_dump()))


@router.get("/users/{user_id}", tags=["users"])
def get_user(user_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> UserRead:
    return account_service.present_user(account_service.users.get(db, principal, user_id))


@router.patch("/users/{user_id}", tags=["users"])
def update_user(user_id: RecordId, body: UserUpdate, db: DbSession, principal: CurrentPrincipal) -> UserRead:
    values = body.model_dump(exclude_unset=True)
    if "role" in values:
        if user_id == principal.user_id:
            raise Forbidden("you may not change your own role")
        values["role"] = str(values["role"])
    return account_service.present_user(account_service.users.update(db, principal, user_id, values))


@router.get("/teams", response_model=PageOut[TeamRead], tags=["users"])
def list_teams(db: DbSession, principal: CurrentPrincipal, query: ListParams) -> PageOut[TeamRead]:
    page = account_service.teams.list(db, principal, query)
    items = [account_service.present_team(t) for t in page.items]
    return PageOut(items=items, next_cursor=page.next_cursor, limit=page.limit)


@router.post("/teams", status_code=status.HTTP_201_CREATED, tags=["users"])
def create_team(body: TeamCreate, db: DbSession, principal: CurrentPrincipal) -> TeamRead:
    return account_service.present_team(account_service.create_team(db, principal, body.model_dump()))
