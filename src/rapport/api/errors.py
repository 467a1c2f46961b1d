"""The one place errors become responses: a 4xx JSON body with a message a person can act on."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from rapport.errors import Busy, RapportError

log = logging.getLogger("rapport.api")


def error_body(request: Request, code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details is not None:
        body["error"]["details"] = details
    body["request_id"] = getattr(request.state, "request_id", None)
    return body


def install(app: FastAPI) -> None:
    @app.exception_handler(RapportError)
    async def _rapport_error(request: Request, exc: RapportError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, Busy) else None
        if exc.status_code == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        return JSONResponse(
            error_body(request, exc.code, exc.message, exc.details), status_code=exc.status_code, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_describe(err) for err in exc.errors()]
        message = "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
        return JSONResponse(error_body(request, "invalid", message, problems), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "error")
        message = str(exc.detail) if exc.detail else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path} (see /docs)"
        return JSONResponse(error_body(request, code, message), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(IntegrityError)
    async def _integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity error: %s", exc.orig)
        message = "this change conflicts with existing data (a duplicate value, or a record that others still use)"
        return JSONResponse(error_body(request, "conflict", message), status_code=409)

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> JSONResponse:
        log.info("data error: %s", exc.orig)
        return JSONResponse(
            error_body(request, "invalid", "a value does not fit its field (too long, out of range or malformed)"),
            status_code=422,
        )

    @app.exception_handler(OperationalError)
    async def _operational_error(request: Request, exc: OperationalError) -> JSONResponse:
        if "locked" in str(exc.orig).lower() or "busy" in str(exc.orig).lower():
            return JSONResponse(
                error_body(request, "busy", "the database is busy; retry in a moment"),
                status_code=503,
                headers={"Retry-After": "1"},
            )
        log.exception("database error (request %s)", getattr(request.state, "request_id", None))
        return JSONResponse(
            error_body(request, "unavailable", "the database could not be reached; retry later"), status_code=503
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A bug. The caller gets the request id to quote; the stack trace goes to the log only.
        log.exception("unhandled error (request %s)", getattr(request.state, "request_id", None))
        return JSONResponse(
            error_body(request, "internal", "something went wrong on our side; quote the request id"), status_code=500
        )


def _describe(err: Any) -> str:
    location = ".".join(str(part) for part in err.get("loc", ()) if part != "body")
    message = str(err.get("msg", "invalid"))
    if err.get("type") == "json_invalid":
        return f"the body is not valid JSON ({err.get('ctx', {}).get('error', 'parse error')})"
    if err.get("type") == "missing":
        return f"{location} is required"
    if err.get("type") == "extra_forbidden":
        return f"{location} is not a known field"
    return f"{location}: {message}" if location else message
