"""Signed widget tokens: how a site that already knows its logged-in customer tells the widget who they are.

The site's server signs `{"sub": <customer id>, "exp": <unix time>}` with the shared secret (HMAC-SHA256) and puts the
token in the script tag (`data-customer-token`). Rapport checks the signature and the expiry; the browser cannot
forge or alter a token. Format: `v1.<base64url(json)>.<base64url(hmac)>`, signed over `v1.<payload>`.

The secret is `assistant.widget_secret` when set; otherwise a random key kept in `data_dir/keys/widget.key`
(created on first use, readable by its owner only), which `rapport kb widget-token` and the API use alike.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path

from rapport.errors import Invalid

VERSION = "v1"
MAX_TTL_S = 7 * 24 * 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def secret_from(configured: str | None, data_dir: Path) -> bytes:
    if configured:
        return configured.encode("utf-8")
    path = data_dir / "keys" / "widget.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode("utf-8")


def sign(secret: bytes, customer_id: int, *, ttl_s: int = 3600, now: float | None = None) -> str:
    if not 0 < ttl_s <= MAX_TTL_S:
        raise Invalid(f"a widget token lives between 1 s and {MAX_TTL_S} s")
    issued = int(now if now is not None else time.time())
    payload = _b64(json.dumps({"sub": customer_id, "exp": issued + ttl_s}, separators=(",", ":")).encode())
    signature = hmac.new(secret, f"{VERSION}.{payload}".encode(), hashlib.sha256).digest()
    return f"{VERSION}.{payload}.{_b64(signature)}"


def verify(secret: bytes, token: str, *, now: float | None = None) -> int:
    """The customer id in a valid token; Invalid for a forged, altered, malformed or expired one."""
    try:
        version, payload, signature = token.split(".")
        expected = hmac.new(secret, f"{version}.{payload}".encode(), hashlib.sha256).digest()
        if version != VERSION or not hmac.compare_digest(expected, _unb64(signature)):
            raise ValueError("bad signature")
        claims = json.loads(_unb64(payload))
        customer_id, expires = int(claims["sub"]), int(claims["exp"])
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise Invalid("the widget token is not valid") from None
    if expires < (now if now is not None else time.time()):
        raise Invalid("the widget token has expired")
    return customer_id
