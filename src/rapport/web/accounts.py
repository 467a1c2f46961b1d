"""Log in, log out, the language switch, and the settings pages (users and roles; models and providers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from rapport.accounts import service as account_service
from rapport.accounts.schemas import UserCreate
from rapport.api.deps import DbSession, bearer_or_cookie, client_ip
from rapport.errors import Forbidden, RapportError
from rapport.privacy import audit
from rapport.privacy.access import Role
from rapport.store.listing import ListQuery
from rapport.web import i18n
from rapport.web.kit import (
    LANGUAGE_COOKIE,
    PRE_SESSION_COOKIE,
    CurrentViewer,
    PageRoute,
    Viewer,
    expected_csrf_token,
    new_pre_session_token,
    page_language,
    redirect,
    render,
    safe_next,
    validated,
)

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)
ONE_YEAR_S = 365 * 24 * 3600
SETTINGS_ROLES = frozenset({Role.admin, Role.manager})


def _login_form(
    request: Request, *, error: str | None = None, email: str = "", next_url: str | None = None, status_code: int = 200
) -> Response:
    token = expected_csrf_token(request)
    fresh = token is None
    request.state.csrf_token = token if token else new_pre_session_token()
    response = render(
        request,
        "accounts/login.html",
        {"error": error, "email": email, "next": safe_next(next_url)},
        status_code=status_code,
    )
    if fresh:
        settings = request.app.state.settings
        response.set_cookie(
            PRE_SESSION_COOKIE,
            request.state.csrf_token,
            httponly=True,
            samesite="lax",
            secure=settings.auth.cookie_secure,
        )
    return response


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return _login_form(request, next_url=next)


@router.post("/login")
def login_submit(
    request: Request,
    db: DbSession,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "/app",
) -> Response:
    settings = request.app.state.settings
    try:
        policy = account_service.LoginPolicy.from_settings(settings.security)
        user = account_service.authenticate(db, email, password, ip=client_ip(request), policy=policy)
    except RapportError as exc:
        db.rollback()
        audit.write_deferred(db)  # the failed login stays in the audit log
        if exc.status_code == 429:  # locked after too many failures: say so, and for how long
            return _login_form(request, error=exc.message, email=email, next_url=next, status_code=429)
        message = i18n.translate(page_language(request), "login.failed")
        return _login_form(request, error=message, email=email, next_url=next, status_code=401)
    token = account_service.issue_token(db, user, kind="session", ttl_s=settings.auth.session_ttl_s)
    secret: str = token.secret  # type: ignore[attr-defined]
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        settings.auth.cookie_name,
        secret,
        max_age=settings.auth.session_ttl_s,
        httponly=True,
        samesite="lax",
        secure=settings.auth.cookie_secure,
    )
    response.delete_cookie(PRE_SESSION_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, db: DbSession) -> Response:
    secret = bearer_or_cookie(request)
    if secret:
        account_service.revoke_token(db, secret)
    response = RedirectResponse("/app/login", status_code=303)
    response.delete_cookie(request.app.state.settings.auth.cookie_name)
    return response


@router.get("/language")
def switch_language(request: Request, lang: str, next: str | None = None) -> Response:
    """A preference, not a change to data: a plain link works on every page, the login page included."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in i18n.LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=ONE_YEAR_S, samesite="lax", httponly=True)
    return response


# ---- settings -------------------------------------------------------------------------------------------------------


def _require_settings(viewer: Viewer) -> None:
    if viewer.role not in SETTINGS_ROLES:
        raise Forbidden("only admins and managers may open the settings")


@router.get("/settings")
def settings_page(request: Request, db: DbSession, viewer: CurrentViewer) -> Response:
    _require_settings(viewer)
    users = account_service.users.list(db, viewer.principal, ListQuery(limit=200, sort="name")).items
    return render(
        request,
        "accounts/settings.html",
        {
            "users": [account_service.present_user(u) for u in users],
            "roles": list(Role),
            "may_manage": viewer.can("users", "create"),
            "min_password": account_service.MIN_PASSWORD_LENGTH,
            "error": None,
            "form": {},
        },
    )


@router.post("/settings/users")
def add_user(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    email: Annotated[str, Form(max_length=254)],
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=20)],
    password: Annotated[str, Form(max_length=200)],
    language: Annotated[str, Form(max_length=8)] = "en",
) -> Response:
    _require_settings(viewer)
    body = validated(
        UserCreate, {"email": email, "name": name, "role": role, "password": password, "language": language}
    )
    account_service.create_user(db, viewer.principal, body.model_dump())
    return redirect("/app/settings#users", request)


@router.post("/settings/users/{user_id}/active")
def set_user_active(
    request: Request,
    db: DbSession,
    viewer: CurrentViewer,
    user_id: int,
    is_active: Annotated[bool, Form()],
) -> Response:
    """Disabling takes effect at once: the user's sessions and tokens stop working on their next request."""
    _require_settings(viewer)
    if user_id == viewer.user_id and not is_active:
        raise Forbidden("you may not disable your own account")
    user = account_service.users.update(db, viewer.principal, user_id, {"is_active": is_active})
    return render(
        request,
        "accounts/_user_row.html",
        {"user": account_service.present_user(user), "may_manage": viewer.can("users", "create")},
    )
