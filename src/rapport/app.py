"""Composition root: `create_app(settings)` builds the engine, sessions, routers and pages."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy import Connection, Engine

from rapport import __version__
from rapport.ai.gateway import Gateway
from rapport.api import (
    accounts,
    ai,
    analytics,
    ask,
    assistant,
    audit,
    automation,
    customers,
    errors,
    feedback,
    health,
    ingest,
    marketing,
    models,
    privacy,
    recommendations,
    sales,
    support,
)
from rapport.api.middleware import BodyLimit, RateLimit, RequestContext
from rapport.privacy import crypto, pii_logging
from rapport.settings import Settings
from rapport.store.engine import make_engine, make_sessionmaker
from rapport.web import pages

API_PREFIX = "/api"


def create_app(settings: Settings | None = None, *, bind: Engine | Connection | None = None) -> FastAPI:
    """The whole HTTP application. `bind` lets tests pass a connection inside an outer transaction."""
    settings = settings or Settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    pii_logging.install()  # secrets and personal data never reach a log line
    app = FastAPI(
        title="Rapport",
        version=__version__,
        description="An LLM-native CRM. Authenticate with `Authorization: Bearer <token>` (POST /api/auth/tokens).",
    )
    app.state.settings = settings
    crypto.use_settings(settings)  # the keys of encrypted fields, before anything reads one
    app.state.engine = bind if bind is not None else make_engine(settings.resolved_database_url, pool=settings.database)
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    # The one path to a model; providers are built (and weights loaded) only when a feature first asks.
    app.state.gateway = Gateway(settings, app.state.sessionmaker)
    errors.install(app)
    for router in (
        health.router,
        accounts.router,
        customers.router,
        sales.router,
        support.router,
        audit.router,
        ai.router,
        analytics.router,
        automation.router,
        ingest.router,
        models.router,
        assistant.router,
        ask.router,
        recommendations.router,
        marketing.router,
        marketing.public,
        privacy.router,
        feedback.router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    pages.install(app)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/app")

    app.add_middleware(RateLimit, per_minute=settings.security.api_rate_limit)
    app.add_middleware(BodyLimit, max_bytes=settings.api.max_body_bytes)
    app.add_middleware(RequestContext)
    return app
