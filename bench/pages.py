"""Server time of every staff web page on the demo database: p50 and p95 over N requests, per role.

    RAPPORT_DATA_DIR=/tmp/demo-web .venv/bin/rapport demo --no-serve    # once: 5,000 customers, ~50,000 orders
    .venv/bin/python bench/pages.py --data-dir /tmp/demo-web [--requests 20]

The pages are served in-process (FastAPI's TestClient, no network), so the time is the server's: routing, the
queries, the audit writes and the template. It runs on a copy of the database, because every read of personal data
writes an audit event. The budget is 500 ms per page; the exit status is 1 if any p95 is over it.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.accounts import service as account_service
from rapport.app import create_app
from rapport.knowledge.models import KnowledgeArticle
from rapport.privacy.access import Principal
from rapport.sales import service as sales_service
from rapport.sales.models import Order
from rapport.settings import Settings
from rapport.store.engine import session_scope
from rapport.tickets import service as ticket_service
from rapport.tickets.models import Ticket
from rapport.web.kit import session_csrf_token

BUDGET_MS = 500.0
ROLES = {"admin": "admin", "manager": "mei.lin", "support": "zhang.min", "sales": "sam.carter"}


def _ids(db: Session, principal: Principal) -> dict[str, int]:
    """Within the role's reach: its busiest customer (most orders), its latest ticket, an article."""
    orders = sales_service.orders.visible(principal)
    customer = db.scalar(
        orders.with_only_columns(Order.customer_id)
        .group_by(Order.customer_id)
        .order_by(func.count(Order.id).desc())
        .limit(1)
    )
    if principal.role == "support":  # an agent's customers are those of their tickets
        customer = db.scalar(ticket_service.tickets.visible(principal).with_only_columns(Ticket.customer_id).limit(1))
    ticket = db.scalar(ticket_service.tickets.visible(principal).with_only_columns(func.max(Ticket.id)))
    article = db.scalar(select(func.min(KnowledgeArticle.id)))
    return {"customer": int(customer or 1), "ticket": int(ticket or 1), "article": int(article or 1)}


def _pages(ids: dict[str, int]) -> list[tuple[str, str, dict[str, str]]]:
    htmx = {"HX-Request": "true"}
    return [
        ("home", "/app", {}),
        ("customers", "/app/customers", {}),
        ("customers search", "/app/customers?q=wang", {}),
        ("customers filter (htmx)", "/app/customers?country=CN&sort=-created_at", htmx),
        ("customer 360", f"/app/customers/{ids['customer']}", {}),
        ("inbox", "/app/tickets", {}),
        ("inbox filter (htmx)", "/app/tickets?status=all&intent=late_delivery", htmx),
        ("ticket", f"/app/tickets/{ids['ticket']}", {}),
        ("knowledge", "/app/knowledge", {}),
        ("article", f"/app/knowledge/{ids['article']}", {}),
        ("dashboards", "/app/dashboards", {}),
        ("settings", "/app/settings", {}),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/demo-web"))
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    source = args.data_dir / "rapport.db"
    if not source.exists():
        print(f"no demo database at {source}; build it with: RAPPORT_DATA_DIR={args.data_dir} rapport demo --no-serve")
        return 2
    work = Path(tempfile.mkdtemp(prefix="rapport-bench-"))
    shutil.copy(source, work / "rapport.db")
    url = f"sqlite:///{work / 'rapport.db'}"
    settings = Settings(data_dir=work, database_url=url, log_level="WARNING")
    app = create_app(settings)
    rows: list[tuple[str, str, int, float, float, float]] = []
    try:
        with TestClient(app, raise_server_exceptions=True) as client:
            for role, local in ROLES.items():
                with session_scope(app.state.sessionmaker) as db:
                    user = account_service.get_by_email(db, f"{local}@rapport-demo.com")
                    secret: str = account_service.issue_token(db, user, kind="session", ttl_s=3600).secret  # type: ignore[attr-defined]
                    ids = _ids(db, account_service.principal_for(user, via="web"))
                client.cookies.set(settings.auth.cookie_name, secret)
                headers_base = {"X-CSRF-Token": session_csrf_token(secret)}
                for name, path, extra in _pages(ids):
                    times: list[float] = []
                    status = 0
                    for i in range(args.requests + 1):
                        started = time.perf_counter()
                        response = client.get(path, headers={**headers_base, **extra})
                        elapsed = (time.perf_counter() - started) * 1000
                        status = response.status_code
                        if i:  # the first request warms caches (templates, statements)
                            times.append(elapsed)
                    times.sort()
                    p95 = times[max(0, round(0.95 * len(times)) - 1)]
                    rows.append((name, role, status, statistics.median(times), p95, times[-1]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'page':<26}{'role':<9}{'status':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, role, status, p50, p95, worst in rows:
        flag = "  OVER BUDGET" if p95 > BUDGET_MS else ""
        print(f"{name:<26}{role:<9}{status:>7}{p50:>9.1f}{p95:>9.1f}{worst:>9.1f}{flag}")
    slowest = max(rows, key=lambda r: r[4])
    print(f"slowest p95: {slowest[0]} as {slowest[1]}, {slowest[4]:.1f} ms (budget {BUDGET_MS:.0f} ms)")
    return 1 if slowest[4] > BUDGET_MS else 0


if __name__ == "__main__":
    sys.exit(main())
