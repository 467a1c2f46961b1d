"""Customer pages: the list with search, filters and saved views, and the 360 page, each within the viewer's reach."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.interactions.models import Interaction
from rapport.kit.clock import utcnow
from rapport.privacy.access import Role
from tests.factories import make_customer, make_order, make_ticket, make_user
from tests.web.conftest import LiveServer, log_in


def test_list_shows_only_the_reps_own_customers(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    rep, other = make_user(session, Role.sales), make_user(session, Role.sales)
    make_customer(session, full_name="Mine Alpha", owner_id=rep.id)
    make_customer(session, full_name="Theirs Beta", owner_id=other.id)
    login(rep)

    html = client.get("/app/customers").text

    assert "Mine Alpha" in html
    assert "Theirs Beta" not in html


def test_search_and_filter_narrow_the_list(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    login(make_user(session, Role.admin))
    make_customer(session, full_name="Wang Fang", language="zh", country="CN")
    make_customer(session, full_name="Wang Lei", language="en", country="US")
    make_customer(session, full_name="Jane Doe", language="zh", country="CN")

    html = client.get("/app/customers", params={"q": "wang", "language": "zh"}).text

    assert "Wang Fang" in html
    assert "Wang Lei" not in html
    assert "Jane Doe" not in html


def test_htmx_filtering_returns_only_the_results_and_saved_views(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    login(make_user(session, Role.admin))
    make_customer(session, full_name="Zed Partial")

    response = client.get("/app/customers", params={"q": "Zed Partial"}, headers={"HX-Request": "true"})

    assert "<html" not in response.text
    assert "Zed Partial" in response.text
    assert 'hx-swap-oob="true"' in response.text
    assert '<input type="hidden" name="q" value="Zed Partial">' in response.text


def test_list_shows_orders_and_spend_per_customer(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    login(make_user(session, Role.admin))
    customer = make_customer(session, full_name="Big Spender")
    make_order(session, customer)
    make_order(session, customer)

    html = client.get("/app/customers", params={"q": "Big Spender"}).text

    assert "$39.98" in html


def test_analyst_sees_contact_data_masked(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    login(make_user(session, Role.analyst))
    customer = make_customer(session, full_name="Masked Person", email="masked.person@example.com")

    listing = client.get("/app/customers", params={"q": "Masked Person"}).text
    detail = client.get(f"/app/customers/{customer.id}").text

    assert "masked.person@example.com" not in listing + detail
    assert "m***@e***.com" in detail
    assert "contact details hidden" in detail


def test_next_page_link_pages_through_the_list(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    login(make_user(session, Role.admin))
    for i in range(55):
        make_customer(session, full_name=f"Pager {i:02d}")

    first = client.get("/app/customers", params={"q": "Pager"}).text
    next_url = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(next_url).text

    on_first, on_second = set(re.findall(r"Pager \d\d", first)), set(re.findall(r"Pager \d\d", second))
    assert len(on_first) == 50  # one page (names are encrypted, so the list is in date order, not by name)
    assert on_first.isdisjoint(on_second)
    assert len(on_first | on_second) == 55


def test_saved_view_is_kept_per_user_and_can_be_deleted(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    me, someone = make_user(session, Role.admin), make_user(session, Role.admin)
    csrf = login(me)

    saved = client.post(
        "/app/views",
        data={"csrf_token": csrf, "page": "customers", "name": "Chinese leads", "language": "zh", "cursor": "x"},
        follow_redirects=False,
    )
    mine = client.get("/app/customers").text
    login(someone)
    theirs = client.get("/app/customers").text

    assert saved.headers["location"] == "/app/customers?language=zh"
    assert 'href="/app/customers?language=zh">Chinese leads</a>' in mine
    assert "Chinese leads" not in theirs


def test_360_shows_profile_timeline_and_marked_slots(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    login(make_user(session, Role.admin))
    customer = make_customer(session, full_name="Full View", city="Shanghai", country="CN")
    order = make_order(session, customer)
    ticket = make_ticket(session, customer, subject="Parcel never came", intent="late_delivery")
    session.add(
        Interaction(
            customer_id=customer.id,
            ticket_id=ticket.id,
            kind="email",
            direction="inbound",
            body="Where is my parcel?",
            occurred_at=utcnow(),
        )
    )
    session.flush()

    html = client.get(f"/app/customers/{customer.id}").text

    assert "Shanghai, CN" in html
    assert order.number in html
    assert f'href="/app/tickets/{ticket.id}">Parcel never came</a>' in html
    assert "Where is my parcel?" in html
    for slot in ("ai_summary", "churn_risk", "segment", "lifetime_value", "recommendations"):
        assert f'data-slot="{slot}"' in html


def test_360_recommends_with_reasons_and_the_offer(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    from tests.factories import make_product

    login(make_user(session, Role.admin))
    earbuds, charger = make_product(session, name="Voltra Earbuds"), make_product(session, name="Voltra Charger")
    other = make_customer(session)
    make_order(session, other, earbuds)
    make_order(session, other, charger)
    customer = make_customer(session, consent_email=False)
    make_order(session, customer, earbuds)

    html = client.get(f"/app/customers/{customer.id}").text

    assert 'data-testid="recommendations"' in html
    assert "<strong>Voltra Charger</strong>" in html
    assert "Similar to Voltra Earbuds, which you bought." in html
    assert "No offer: the customer has not consented to marketing by email or SMS." in html


def test_360_is_audited_as_a_read(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    from sqlalchemy import select

    from rapport.privacy.models import AuditEvent

    user = make_user(session, Role.admin)
    login(user)
    customer = make_customer(session)

    client.get(f"/app/customers/{customer.id}")

    events = session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == user.id, AuditEvent.entity_id == str(customer.id))
    ).all()
    assert [(e.action, e.via, e.detail) for e in events] == [("read", "web", {"view": "360"})]


@pytest.mark.browser
def test_browser_find_a_customer_and_open_the_360(page: Any, live_server: LiveServer) -> None:
    log_in(page, live_server, "admin")
    page.get_by_role("link", name="Customers", exact=True).click()
    first_name = page.locator("table.rows tbody tr td a").first.inner_text()

    page.get_by_label("Search").fill(first_name)
    page.wait_for_function(
        "n => [...document.querySelectorAll('table.rows tbody tr')].length >= 1 && location.search.includes('q=')",
        arg=first_name,
    )
    page.get_by_role("link", name=first_name).first.click()

    page.wait_for_url("**/app/customers/*")
    assert page.get_by_role("heading", name="Timeline").is_visible()
    assert page.locator('[data-slot="churn_risk"]').is_visible()
    assert page.locator("ol.timeline li").count() > 0
