"""ASGI middleware: request ids in logs and headers, a body size limit, security headers, API rate limits."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("rapport.http")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class RequestContext:
    """Gives each request an id (or keeps a sane incoming X-Request-ID), logs it with status and time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if incoming and len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            log.info("%s %s %s %.1fms request_id=%s", scope["method"], scope["path"], status, elapsed_ms, request_id)


class BodyLimit:
    """Refuses bodies over `max_bytes` with 413, whether or not the client sent Content-Length."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refuse(scope, send)
            return
        if length is not None:
            await self.app(scope, receive, send)
            return
        # No Content-Length (a chunked upload): read it all first, up to the limit, then replay it to the app.
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            received += len(chunks[-1])
            if received > self.max_bytes:
                await self._refuse(scope, send)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body: dict[str, Any] = {
            "error": {"code": "too_large", "message": f"the request body is larger than {self.max_bytes} bytes"},
            "request_id": scope.get("state", {}).get("request_id"),
        }
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": payload})


class RateLimit:
    """At most `per_minute` API requests per bearer token (or, without one, per client IP) in each minute; beyond
    that 429 with Retry-After. In memory per process: behind several processes the effective limit is per process.
    Paths outside `/api/` (pages, static files) are not counted; `per_minute` 0 turns the limit off."""

    def __init__(self, app: ASGIApp, per_minute: int, *, window_s: float = 60.0) -> None:
        self.app = app
        self.per_minute = per_minute
        self.window_s = window_s
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def _key(self, scope: Scope) -> str:
        headers = dict(scope["headers"])
        auth = headers.get(b"authorization", b"")
        if auth.lower().startswith(b"bearer "):
            return "token:" + hashlib.sha256(auth[7:].strip()).hexdigest()
        client = scope.get("client")
        return f"ip:{client[0] if client else 'unknown'}"

    def _admit(self, key: str, now: float) -> float:
        """0 when admitted, else the seconds until the key's window ends."""
        with self._lock:
            if len(self._windows) > 100_000:  # forget finished windows rather than grow without bound
                self._windows = {k: v for k, v in self._windows.items() if now - v[0] < self.window_s}
            start, count = self._windows.get(key, (now, 0))
            if now - start >= self.window_s:
                start, count = now, 0
            if count >= self.per_minute:
                return start + self.window_s - now
            self._windows[key] = (start, count + 1)
            return 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.per_minute <= 0 or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        wait_s = self._admit(self._key(scope), time.monotonic())
        if not wait_s:
            await self.app(scope, receive, send)
            return
        retry_after = str(max(1, int(wait_s + 0.999)))
        body = {
            "error": {"code": "rate_limited", "message": f"too many requests; retry after {retry_after} s"},
            "request_id": scope.get("state", {}).get("request_id"),
        }
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"retry-after", retry_after.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
