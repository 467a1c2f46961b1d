"""Dashboards: KPIs and charts from the services' visible records, with slots for what later issues add."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.kit.clock import utcnow
from rapport.privacy.access import Role
from rapport.web import metrics
from tests.factories import make_customer, make_order, make_ticket, make_user, principal_of
from tests.web.conftest import LiveServer, log_in


def test_months_back_ends_with_this_month_across_a_year() -> None:
    assert metrics.months_back(3, datetime(2026, 2, 10, tzinfo=UTC)) == ["2025-12", "2026-01", "2026-02"]


def test_orders_by_month_counts_this_months_orders_without_cancelled(session: Session) -> None:
    admin = make_user(session, Role.admin)
    customer = make_customer(session)
    make_order(session, customer, total=Decimal("10.00"))
    make_order(session, customer, total=Decimal("5.50"))
    make_order(session, customer, total=Decimal("99.00"), status="cancelled")

    months = metrics.orders_by_month(session, principal_of(admin), months=3)

    assert months is not None
    assert [m.month for m in months] == metrics.months_back(3)
    assert (months[-1].orders, months[-1].revenue) >= (2, Decimal("15.50"))


def test_figures_stay_within_a_reps_reach(session: Session) -> None:
    rep, other = make_user(session, Role.sales), make_user(session, Role.sales)
    mine, theirs = make_customer(session, owner_id=rep.id), make_customer(session, owner_id=other.id)
    make_order(session, mine, total=Decimal("20.00"))
    make_order(session, theirs, total=Decimal("70.00"))

    kpis = metrics.kpis(session, principal_of(rep))

    assert (kpis.customers, kpis.orders_12m, kpis.revenue_12m) == (1, 1, Decimal("20.00"))


def test_roles_without_a_read_right_get_no_figure(session: Session) -> None:
    marketer = make_user(session, Role.marketing)

    kpis = metrics.kpis(session, principal_of(marketer))

    assert kpis.open_tickets is None
    assert metrics.tickets_by(session, principal_of(marketer), "intent") is None


def test_dashboard_page_has_charts_tables_and_slots(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    login(make_user(session, Role.admin))
    customer = make_customer(session)
    make_order(session, customer, placed_at=utcnow())
    make_ticket(session, customer, intent="late_delivery", status="open")

    html = client.get("/app/dashboards").text

    assert html.count('<svg class="chart"') == 4
    assert 'aria-label="Tickets by intent"' in html
    assert "Late delivery" in html
    for slot in ("segments", "cohorts", "churn", "pain_points"):
        assert f'data-slot="{slot}"' in html


def test_dashboard_in_chinese(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    login(make_user(session, Role.admin, language="zh"))

    html = client.get("/app/dashboards").text

    assert "每月订单数" in html
    assert "按意图统计工单" in html


@pytest.mark.browser
def test_browser_open_the_dashboard_and_switch_to_chinese(page: Any, live_server: LiveServer) -> None:
    log_in(page, live_server, "mei.lin")  # a manager whose own language is Chinese
    page.goto("/app/language?lang=en&next=/app/dashboards")
    assert page.get_by_role("heading", name="Orders per month").is_visible()
    assert page.locator("svg.chart rect").count() > 10

    page.get_by_role("link", name="中文").click()

    page.get_by_role("heading", name="每月订单数").wait_for()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("link", name="数据看板").get_attribute("aria-current") == "page"


def test_kpis_from_monthly_figures_equal_the_direct_count(session: Session) -> None:
    admin = principal_of(make_user(session, Role.admin))
    customer = make_customer(session)
    make_order(session, customer, total=Decimal("12.50"))
    make_order(session, customer, total=Decimal("7.50"), status="cancelled")

    direct = metrics.kpis(session, admin)
    derived = metrics.kpis(session, admin, metrics.orders_by_month(session, admin, months=24))

    assert (derived.orders_12m, derived.revenue_12m, derived.average_order) == (
        direct.orders_12m,
        direct.revenue_12m,
        direct.average_order,
    )
