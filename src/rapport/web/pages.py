"""The first pages: log in, log out, and a home page with the company's numbers and where to go next."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.accounts import service as account_service
from rapport.api.deps import bearer_or_cookie, client_ip
from rapport.customers.models import Customer
from rapport.errors import RapportError
from rapport.privacy import audit
from rapport.privacy.access import Principal
from rapport.sales.models import Order
from rapport.tickets.models import Ticket

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def session_for(request: Request) -> Session:
        session: Session = request.app.state.sessionmaker()
        return session

    def principal_or_none(request: Request, db: Session) -> Principal | None:
        secret = bearer_or_cookie(request)
        if not secret:
            return None
        try:
            user = account_service.user_for_token(db, secret)
        except RapportError:
            return None
        return account_service.principal_for(user, via="web", ip=client_ip(request))

    @app.get("/app/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request) -> Response:
        return templates.TemplateResponse(request, "web/login.html", {"error": None})

    @app.post("/app/login", include_in_schema=False)
    def login_submit(
        request: Request, email: Annotated[str, Form(max_length=254)], password: Annotated[str, Form(max_length=200)]
    ) -> Response:
        settings = request.app.state.settings
        with session_for(request) as db:
            try:
                user = account_service.authenticate(db, email, password, ip=client_ip(request))
            except RapportError as exc:
                db.rollback()
                audit.write_deferred(db)  # the failed login stays in the audit log
                return templates.TemplateResponse(
                    request, "web/login.html", {"error": exc.message, "email": email}, status_code=401
                )
            token = account_service.issue_token(db, user, kind="session", ttl_s=settings.auth.session_ttl_s)
            secret: str = token.secret  # type: ignore[attr-defined]
            db.commit()
        response = RedirectResponse("/app", status_code=303)
        response.set_cookie(
            settings.auth.cookie_name,
            secret,
            max_age=settings.auth.session_ttl_s,
            httponly=True,
            samesite="lax",
            secure=settings.auth.cookie_secure,
        )
        return response

    @app.post("/app/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        secret = bearer_or_cookie(request)
        if secret:
            with session_for(request) as db:
                account_service.revoke_token(db, secret)
                db.commit()
        response = RedirectResponse("/app/login", status_code=303)
        response.delete_cookie(request.app.state.settings.auth.cookie_name)
        return response

    @app.get("/app", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> Response:
        with session_for(request) as db:
            principal = principal_or_none(request, db)
            if principal is None:
                return RedirectResponse("/app/login", status_code=303)
            counts = {
                "customers": db.scalar(select(func.count(Customer.id)).where(Customer.deleted_at.is_(None))),
                "orders": db.scalar(select(func.count(Order.id))),
                "open_tickets": db.scalar(
                    select(func.count(Ticket.id)).where(Ticket.status.in_(["new", "open", "pending"]))
                ),
            }
        return templates.TemplateResponse(request, "web/home.html", {"principal": principal, "counts": counts})
