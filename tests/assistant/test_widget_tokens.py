"""Signed widget tokens: valid ones name the customer; forged, altered and expired ones are refused."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from rapport.assistant.widget_tokens import secret_from, sign, verify
from rapport.errors import Invalid

SECRET = b"k" * 32


def test_a_signed_token_names_its_customer() -> None:
    assert verify(SECRET, sign(SECRET, 42, ttl_s=60, now=1000), now=1030) == 42


@pytest.mark.parametrize("change", ["other key", "altered payload", "garbage", "expired"])
def test_bad_tokens_are_refused(change: str) -> None:
    token = sign(SECRET, 42, ttl_s=60, now=1000)
    version, _payload, signature = token.split(".")
    bad = {
        "other key": sign(b"x" * 32, 42, ttl_s=60, now=1000),
        "altered payload": f"{version}.{sign(SECRET, 43, ttl_s=60, now=1000).split('.')[1]}.{signature}",
        "garbage": "v1.not-base64!.x",
        "expired": token,
    }[change]

    with pytest.raises(Invalid):
        verify(SECRET, bad, now=1061 if change == "expired" else 1000)


def test_the_default_secret_is_a_private_file_made_once(tmp_path: Path) -> None:
    first = secret_from(None, tmp_path)
    second = secret_from(None, tmp_path)

    assert first == second
    assert len(first) == 64
    assert stat.S_IMODE((tmp_path / "keys" / "widget.key").stat().st_mode) == 0o600
    assert secret_from("configured", tmp_path) == b"configured"
