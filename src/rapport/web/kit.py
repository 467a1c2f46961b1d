"""What every page shares: the logged-in viewer, CSRF, the route class that turns errors into pages, templates.

Pages go through the same services as the API with the viewer's Principal (`via="web"`), so roles, record-level
reach, masking and audit apply unchanged. `PageRoute` is the web's one error handler: a RapportError becomes an
HTML page (or, for an HTMX request, a message swapped into the page's flash area), an expired session a redirect
to the login page, and every unsafe request is refused unless it carries the viewer's CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ValidationError

from rapport.accounts import service as account_service
from rapport.api.deps import DbSession, bearer_or_cookie, client_ip
from rapport.errors import Forbidden, Invalid, RapportError, Unauthenticated
from rapport.kit.clock import as_utc, utcnow
from rapport.privacy.access import Action, Principal, Role, can
from rapport.web import i18n as i18n

HERE = Path(__file__).parent
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LANGUAGE_COOKIE = "rapport_lang"
# Before login there is no session to derive a token from, so the login form uses a double-submit cookie.
PRE_SESSION_COOKIE = "rapport_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Viewer:
    """The logged-in staff member as the pages see them."""

    principal: Principal
    user_id: int
    name: str
    email: str
    language: str
    csrf_token: str

    @property
    def role(self) -> Role:
        return self.principal.role

    def can(self, entity: str, action: str = "read") -> bool:
        return can(self.principal, entity, Action(action))


# ---- CSRF -----------------------------------------------------------------------------------------------------------


def session_csrf_token(secret: str) -> str:
    """A token bound to one session: a keyed hash of the session secret, so it cannot be derived without the
    HttpOnly cookie, and showing it in pages reveals nothing about the secret."""
    return hmac.new(secret.encode(), b"rapport-csrf-v1", hashlib.sha256).hexdigest()


def expected_csrf_token(request: Request) -> str | None:
    secret = bearer_or_cookie(request)
    if secret:
        return session_csrf_token(secret)
    value = request.cookies.get(PRE_SESSION_COOKIE)
    return str(value) if value else None


def new_pre_session_token() -> str:
    return secrets.token_urlsafe(32)


async def check_csrf(request: Request) -> None:
    expected = expected_csrf_token(request)
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise Forbidden("this form has expired or came from another site; reload the page and try again")


# ---- language -------------------------------------------------------------------------------------------------------


def chosen_language(request: Request) -> str | None:
    """The language the person picked with the switch (a cookie), if any."""
    value = request.cookies.get(LANGUAGE_COOKIE)
    return value if value in i18n.LANGUAGES else None


def browser_language(request: Request) -> str:
    accept = request.headers.get("accept-language", "").lower()
    return "zh" if accept.startswith("zh") else "en"


def page_language(request: Request) -> str:
    lang = getattr(request.state, "lang", None)
    if isinstance(lang, str):
        return lang
    return chosen_language(request) or browser_language(request)


# ---- the viewer -----------------------------------------------------------------------------------------------------


def get_viewer(request: Request, db: DbSession) -> Viewer:
    secret = bearer_or_cookie(request)
    if not secret:
        raise Unauthenticated("log in first")
    user = account_service.user_for_token(db, secret)
    principal = account_service.principal_for(
        user, via="web", ip=client_ip(request), request_id=getattr(request.state, "request_id", None)
    )
    lang = chosen_language(request) or (user.language if user.language in i18n.LANGUAGES else "en")
    viewer = Viewer(
        principal=principal,
        user_id=user.id,
        name=user.name,
        email=user.email,
        language=lang,
        csrf_token=session_csrf_token(secret),
    )
    request.state.viewer = viewer
    request.state.lang = lang
    return viewer


CurrentViewer = Annotated[Viewer, Depends(get_viewer)]


async def form_fields(request: Request) -> dict[str, str]:
    """All text fields of the posted form, for forms whose fields vary (filters to save, column mappings)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormFields = Annotated[dict[str, str], Depends(form_fields)]


def is_htmx(request: Request) -> bool:
    """A partial update: HTMX asked for a fragment (a boosted link wants the whole page)."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"


def safe_next(value: str | None, default: str = "/app") -> str:
    """Only paths inside this site, so a crafted link cannot send someone elsewhere after login."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


# ---- templates ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NavItem:
    key: str
    href: str


# Navigation by role: an entry shows when the role may read what the page is about.
NAV: tuple[tuple[str, str, Callable[[Viewer], bool]], ...] = (
    ("home", "/app", lambda v: True),
    ("customers", "/app/customers", lambda v: v.can("customers")),
    ("tickets", "/app/tickets", lambda v: v.can("tickets")),
    ("knowledge", "/app/knowledge", lambda v: v.can("knowledge")),
    ("dashboards", "/app/dashboards", lambda v: v.can("orders") or v.can("tickets")),
    ("ask", "/app/ask", lambda v: v.can("customers") or v.can("orders")),
    ("marketing", "/app/marketing", lambda v: v.can("campaigns")),
    ("feedback", "/app/feedback", lambda v: v.can("feedback")),
    ("imports", "/app/imports", lambda v: v.can("imports", "create")),
    ("settings", "/app/settings", lambda v: v.role in {Role.admin, Role.manager}),
)


def nav_for(viewer: Viewer | None) -> list[NavItem]:
    if viewer is None:
        return []
    return [NavItem(key, href) for key, href, shows in NAV if shows(viewer)]


def _page_context(request: Request) -> dict[str, Any]:
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    lang = page_language(request)
    return {
        "viewer": viewer,
        "lang": lang,
        "t": i18n.translator(lang),
        "csrf_token": viewer.csrf_token if viewer else getattr(request.state, "csrf_token", ""),
        "nav": nav_for(viewer),
        "path": request.url.path,
        "url_with": lambda **changes: url_with(request, **changes),
    }


def url_with(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    for name, value in changes.items():
        if value is None or value == "":
            params.pop(name, None)
        else:
            params[name] = str(value)
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in params.items())
    return f"{request.url.path}?{query}" if query else request.url.path


def _money(value: Decimal | float | int | str | None, currency: str = "USD") -> str:
    if value is None:
        return "–"
    symbol = {"USD": "$", "CNY": "¥", "EUR": "€", "GBP": "£"}.get(currency, "")
    amount = f"{Decimal(str(value)):,.2f}"
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"


def _number(value: int | float | Decimal | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.1f}"


def _date(value: datetime | str | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.strftime("%Y-%m-%d")


def _datetime(value: datetime | None) -> str:
    return "–" if value is None else as_utc(value).strftime("%Y-%m-%d %H:%M")


def _ago(value: datetime | None, lang: str = "en") -> str:
    if value is None:
        return "–"
    seconds = (utcnow() - as_utc(value)).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return i18n.translate(lang, f"time.{'in' if future else 'ago'}.{unit}", n=n)
    return i18n.translate(lang, "time.now")


templates = Jinja2Templates(directory=HERE / "templates", context_processors=[_page_context])
templates.env.filters.update(money=_money, number=_number, date=_date, datetime=_datetime, ago=_ago)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request, template, dict(context or {}), status_code=status_code, headers=dict(headers or {})
    )


def redirect(url: str, request: Request | None = None) -> Response:
    """See Other after a POST; for an HTMX request, HTMX follows HX-Redirect instead."""
    if request is not None and request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def validated(schema: type[BaseModel], data: Mapping[str, Any]) -> BaseModel:
    """Form data checked against the API's schema, with a message a person can act on."""
    try:
        return schema.model_validate(dict(data))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err.get("loc", ()))
            problems.append(f"{field}: {err.get('msg', 'invalid')}" if field else str(err.get("msg")))
        raise Invalid("; ".join(problems[:5])) from None


# ---- errors as pages ------------------------------------------------------------------------------------------------


def error_response(request: Request, status_code: int, message: str) -> Response:
    if is_htmx(request) or request.headers.get("hx-request") == "true":
        # Swapped into the flash area of the page the person is on; the page itself stays.
        return render(
            request,
            "web/_flash.html",
            {"kind": "error", "message": message},
            status_code=status_code,
            headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"},
        )
    return render(request, "web/error.html", {"status": status_code, "message": message}, status_code=status_code)


def to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = "/app/login" if request.method not in SAFE_METHODS else f"/app/login?next={quote(target, safe='')}"
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        field = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{field}: {err.get('msg', 'invalid')}" if field else str(err.get("msg")))
    return "; ".join(parts)


class PageRoute(APIRoute):
    """Every web route: CSRF on unsafe methods, and errors rendered as pages instead of JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                if request.method not in SAFE_METHODS:
                    await check_csrf(request)
                return await handler(request)
            except Unauthenticated:
                return to_login(request)
            except RapportError as exc:
                return error_response(request, exc.status_code, exc.message)
            except RequestValidationError as exc:
                return error_response(request, 422, _describe(exc))

        return page_handler
