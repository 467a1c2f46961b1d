"""Web fixtures: a logged-in TestClient; for browser tests a live server on a demo database and headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from rapport.accounts import service as account_service
from rapport.accounts.models import User
from rapport.settings import Settings
from rapport.web.kit import session_csrf_token

CHROMIUM = os.environ.get("RAPPORT_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture
def login(client: TestClient, session: Session) -> Callable[[User], str]:
    """Log a user in on the test client (a session cookie, as the login form sets it); returns the CSRF token."""

    def _login(user: User) -> str:
        token = account_service.issue_token(session, user, kind="session", ttl_s=3600)
        session.flush()
        secret: str = token.secret  # type: ignore[attr-defined]
        client.cookies.set("rapport_session", secret)
        return session_csrf_token(secret)

    return _login


# ---- browser tests --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveServer:
    url: str
    password: str
    staff_domain: str

    def email(self, local: str) -> str:
        return f"{local}@{self.staff_domain}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def demo_database(folder: Path, customers: int) -> Engine:
    """A migrated SQLite database in `folder` holding a demo company of `customers` (seed 7)."""
    from rapport.cli.db import ensure_default_pipeline
    from rapport.demo import generator
    from rapport.store import migrate
    from rapport.store.engine import make_engine, make_sessionmaker, session_scope

    url = f"sqlite:///{folder / 'rapport.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        ensure_default_pipeline(session)
    generator.generate(engine, customers=customers, seed=7)
    return engine


@contextmanager
def serving(settings: Settings) -> Iterator[LiveServer]:
    """Rapport with `settings`, served by uvicorn in a thread on a free port, for as long as the block runs."""
    import uvicorn

    from rapport.app import create_app
    from rapport.demo import generator

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start in 20 s")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", generator.DEMO_PASSWORD, generator.STAFF_DOMAIN)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Rapport served by uvicorn in a thread, on a fresh SQLite database holding a small demo company."""
    data_dir = tmp_path_factory.mktemp("web-demo")
    demo_database(data_dir, 200).dispose()
    settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'rapport.db'}", log_level="WARNING")
    with serving(settings) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (never a browser Playwright downloads)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if IN_CI:
            pytest.fail("playwright is not installed (pip install playwright)")
        pytest.skip("playwright is not installed")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if IN_CI:
            pytest.fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def log_in(page: Any, server: LiveServer, local: str) -> None:
    page.goto("/app/login")
    page.get_by_label("Email").fill(server.email(local))
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/app")
