"""Opaque random tokens and their storable digests."""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str) -> str:
    """A URL-safe secret with a readable prefix (`rpt_…`), so a leaked one is easy to grep for."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def digest(token: str) -> str:
    """What the database stores instead of a token: a leak of the table does not leak sessions."""
    return hashlib.sha256(token.encode()).hexdigest()
