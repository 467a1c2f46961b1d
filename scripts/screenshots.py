"""Save a screenshot of each main staff page, in English and Chinese, into docs/screenshots/.

    RAPPORT_DATA_DIR=/tmp/demo-web .venv/bin/rapport demo --no-serve     # once: the 5,000-customer demo company
    .venv/bin/python scripts/screenshots.py [--data-dir /tmp/demo-web] [--out docs/screenshots]

It serves a copy of the demo database (page reads write audit events) on a free local port and drives Debian's
Chromium headless through Playwright: desktop pages at 1280×860, and two pages at a phone's 390×844.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import func, select

from rapport.app import create_app
from rapport.sales.models import Order
from rapport.settings import Settings
from rapport.store.engine import make_engine, make_sessionmaker, session_scope
from rapport.tickets.models import Ticket

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "rapport-demo"
SAMPLE_CSV = (
    "Customer Name,E-mail,Mobile,Country,City,Tags\n"
    "Grace Hopper,grace.hopper@example.com,+1 415 555 0101,US,San Francisco,vip\n"
    "Li Na,li.na@example.cn,13912345678,CN,上海,\n"
    "Bad Email,grace at example,+1 415 555 0102,US,Oakland,\n"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ids(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as db:
        customer = db.execute(
            select(Order.customer_id).group_by(Order.customer_id).order_by(func.count().desc()).limit(1)
        ).scalar_one()
        # An unsolved ticket with an inbound message reads best; the newest one usually is.
        ticket = db.scalar(select(func.max(Ticket.id)).where(Ticket.status.in_(("new", "open"))))
    engine.dispose()
    return {"customer": int(customer), "ticket": int(ticket or 1)}


def _pages(ids: dict[str, int]) -> list[tuple[str, str]]:
    return [
        ("home", "/app"),
        ("customers", "/app/customers?country=US"),
        ("customer-360", f"/app/customers/{ids['customer']}"),
        ("inbox", "/app/tickets"),
        ("ticket", f"/app/tickets/{ids['ticket']}"),
        ("knowledge", "/app/knowledge"),
        ("article", "/app/knowledge/1"),
        ("dashboards", "/app/dashboards"),
        ("settings", "/app/settings"),
        ("imports", "/app/imports"),
    ]


def _log_in(page: Any, email: str) -> None:
    page.goto("/app/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/app")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/demo-web"))
    parser.add_argument("--out", type=Path, default=Path(__file__).parents[1] / "docs" / "screenshots")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    source = args.data_dir / "rapport.db"
    if not source.exists():
        print(f"no demo database at {source}; build it with: RAPPORT_DATA_DIR={args.data_dir} rapport demo --no-serve")
        return 2
    work = Path(tempfile.mkdtemp(prefix="rapport-shots-"))
    shutil.copy(source, work / "rapport.db")
    url = f"sqlite:///{work / 'rapport.db'}"
    ids = _ids(url)
    settings = Settings(data_dir=work, database_url=url, log_level="WARNING")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    args.out.mkdir(parents=True, exist_ok=True)
    sample = work / "new-leads.csv"
    sample.write_text(SAMPLE_CSV, encoding="utf-8")
    saved = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            for lang in ("en", "zh"):
                context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 860})
                context.add_cookies([{"name": "rapport_lang", "value": lang, "url": base}])
                page = context.new_page()
                page.goto("/app/login")
                path = args.out / f"login-{lang}.png"
                page.screenshot(path=str(path))
                saved.append(path)
                _log_in(page, "admin@rapport-demo.com")
                for name, target in _pages(ids):
                    page.goto(target)
                    page.wait_for_load_state("networkidle")
                    path = args.out / f"{name}-{lang}.png"
                    page.screenshot(path=str(path))
                    saved.append(path)
                page.goto("/app/imports")  # a small file with one bad row: the mapping and the preview
                page.set_input_files("#im-file", str(sample))
                page.click("form[action='/app/imports'] button[type=submit]")
                page.wait_for_url("**/app/imports/*")
                path = args.out / f"import-mapping-{lang}.png"
                page.screenshot(path=str(path), full_page=True)
                saved.append(path)
                context.close()
            phone = browser.new_context(
                base_url=base, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
            )
            page = phone.new_page()
            _log_in(page, "zhang.min@rapport-demo.com")  # a support agent whose interface is Chinese
            page.goto("/app/tickets")
            saved.append(args.out / "phone-inbox-zh.png")
            page.screenshot(path=str(saved[-1]))
            page.locator("table.inbox tbody tr td a").first.click()  # one of the agent's own tickets
            page.wait_for_url("**/app/tickets/*")
            saved.append(args.out / "phone-ticket-zh.png")
            page.screenshot(path=str(saved[-1]))
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    for path in saved:
        print(f"{path}  {path.stat().st_size // 1024} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
