"""Signed webhook delivery: POST the payload with an HMAC-SHA256 signature, record each attempt.

The signature covers the timestamp and the body (`t.body`), like Stripe's, so a receiver can reject replays:
`X-Rapport-Signature: t=<unix seconds>,v1=<hex hmac>`. The secret is named by the rule and looked up in settings;
it is never stored with the rule or sent anywhere. No transaction is open during the HTTP call.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Final

import httpx
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from rapport.automation.models import WebhookDelivery
from rapport.automation.schemas import AutomationSettings
from rapport.errors import NotFound
from rapport.kit.clock import utcnow
from rapport.store.engine import make_sessionmaker, session_scope

SIGNATURE_HEADER: Final = "X-Rapport-Signature"
TOLERANCE_S: Final = 300


class DeliveryFailed(Exception):
    """The receiver did not answer 2xx; the job retries with backoff."""


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, *, now: float | None = None, tolerance_s: int = TOLERANCE_S) -> bool:
    """What a receiver runs: the signature matches and is recent."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


def deliver(
    bind: Engine | Connection, settings: AutomationSettings, delivery_id: int, *, client: httpx.Client | None = None
) -> str:
    """One attempt; returns the delivery's status. Raises DeliveryFailed (so the queue retries) until the attempts
    run out; a missing secret fails at once (retrying cannot fix it)."""
    factory = make_sessionmaker(bind)
    with session_scope(factory) as session:
        row = _get(session, delivery_id)
        if row.status != "pending":
            return row.status
        url, payload, secret = row.url, dict(row.payload), settings.webhook_secrets.get(row.secret_name)
        event_key = row.event_key
        if secret is None:
            row.status, row.last_error = "failed", f"secret '{row.secret_name}' is not configured"
            return row.status
    body = json.dumps({"event_key": event_key, "delivery_id": delivery_id, **payload}, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Rapport-Webhooks/1",
        SIGNATURE_HEADER: sign(secret, body, int(time.time())),
        "X-Rapport-Delivery": str(delivery_id),
    }
    status_code: int | None = None
    error: str | None = None
    try:
        http = client or httpx.Client(timeout=settings.webhook_timeout_s)
        try:
            response = http.post(url, content=body, headers=headers)
        finally:
            if client is None:
                http.close()
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}: {response.text[:300]}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    with session_scope(factory) as session:
        row = _get(session, delivery_id)
        row.attempts += 1
        row.last_status_code, row.last_error = status_code, error
        if error is None:
            row.status, row.delivered_at = "delivered", utcnow()
            return row.status
        if row.attempts >= settings.webhook_max_attempts:
            row.status = "failed"
            return row.status
    raise DeliveryFailed(f"webhook {delivery_id} to {url}: {error}")


def _get(session: Session, delivery_id: int) -> WebhookDelivery:
    row = session.get(WebhookDelivery, delivery_id)
    if row is None:
        raise NotFound(f"webhook delivery {delivery_id} not found")
    return row
