"""Signed ids in campaign links: the open pixel, the click redirect and the one-click unsubscribe.

A token is `<recipient id>.<link index>.<signature>`, the signature an HMAC-SHA256 of the kind, recipient and link
under the campaign link key: an open token is no unsubscribe token, and no one can make a token for another
recipient. Click tokens carry an index into the campaign's own links, never a URL, so the redirect cannot be
pointed anywhere else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from rapport.errors import Invalid

KINDS = ("open", "click", "unsubscribe")


def secret_from(configured: str | None, data_dir: Path) -> bytes:
    if configured:
        return configured.encode("utf-8")
    path = data_dir / "keys" / "marketing.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip().encode("utf-8")
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode("utf-8")


def _signature(secret: bytes, kind: str, recipient_id: int, link: int) -> str:
    digest = hmac.new(secret, f"{kind}:{recipient_id}:{link}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode().rstrip("=")


def sign(secret: bytes, kind: str, recipient_id: int, link: int = 0) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown link kind {kind}")
    return f"{recipient_id}.{link}.{_signature(secret, kind, recipient_id, link)}"


def verify(secret: bytes, kind: str, token: str) -> tuple[int, int]:
    """(recipient id, link index) of a valid token; Invalid otherwise (a 4xx, never a 500)."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[0]) > 18 or len(parts[1]) > 3:
        raise Invalid("this link is not valid")
    recipient_id, link = int(parts[0]), int(parts[1])
    if not hmac.compare_digest(parts[2], _signature(secret, kind, recipient_id, link)):
        raise Invalid("this link is not valid")
    return recipient_id, link
