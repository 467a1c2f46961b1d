"""The customers API end to end: CRUD, 360, record-level access, masking, audit."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.privacy.access import Role
from rapport.privacy.models import AuditEvent
from tests.factories import make_customer, make_order, make_ticket, make_user, token_for


def test_create_then_read_customer_normalises_contact_data(client: TestClient, session: Session) -> None:
    admin = make_user(session, Role.admin)
    headers = token_for(session, admin)

    created = client.post(
        "/api/customers",
        json={"full_name": "Wang Fang", "email": "Wang.Fang@QQ.com", "phone": "+86 139-1234-5678", "language": "zh"},
        headers=headers,
    )

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["email"] == "wang.fang@qq.com"
    assert body["phone"] == "+8613912345678"
    fetched = client.get(f"/api/customers/{body['id']}", headers=headers).json()
    assert fetched["full_name"] == "Wang Fang"


def test_list_customers_paginates_with_cursor(client: TestClient, session: Session) -> None:
    admin = make_user(session, Role.admin)
    ids = {make_customer(session).id for _ in range(7)}
    headers = token_for(session, admin)

    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/customers", params=params, headers=headers).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert ids <= set(seen)
    assert len(seen) == len(set(seen))


def test_customer_360_returns_orders_and_tickets(client: TestClient, session: Session) -> None:
    admin = make_user(session, Role.admin)
    customer = make_customer(session)
    order = make_order(session, customer)
    ticket = make_ticket(session, customer)

    response = client.get(f"/api/customers/{customer.id}/360", headers=token_for(session, admin))

    assert response.status_code == 200
    body = response.json()
    assert [o["number"] for o in body["orders"]] == [order.number]
    assert [t["id"] for t in body["tickets"]] == [ticket.id]
    assert body["order_summary"]["count"] == 1


def test_sales_user_gets_403_for_another_reps_customer_and_it_is_audited(client: TestClient, session: Session) -> None:
    alice = make_user(session, Role.sales)
    bob = make_user(session, Role.sales)
    bobs_customer = make_customer(session, owner_id=bob.id)

    response = client.get(f"/api/customers/{bobs_customer.id}", headers=token_for(session, alice))

    assert response.status_code == 403
    assert "outside your records" in response.json()["error"]["message"]
    denied = session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == alice.id, AuditEvent.outcome == "denied")
    ).all()
    assert [(e.entity, e.entity_id) for e in denied] == [("customers", str(bobs_customer.id))]


def test_sales_user_lists_only_own_customers(client: TestClient, session: Session) -> None:
    alice = make_user(session, Role.sales)
    bob = make_user(session, Role.sales)
    mine = make_customer(session, owner_id=alice.id)
    make_customer(session, owner_id=bob.id)

    page = client.get("/api/customers", headers=token_for(session, alice)).json()

    assert [c["id"] for c in page["items"]] == [mine.id]


def test_manager_sees_team_members_customers(client: TestClient, session: Session) -> None:
    rep = make_user(session, Role.sales)
    outsider = make_user(session, Role.sales)
    manager = make_user(session, Role.manager)
    from tests.factories import make_team

    make_team(session, rep, manager)
    team_customer = make_customer(session, owner_id=rep.id)
    other = make_customer(session, owner_id=outsider.id)
    headers = token_for(session, manager)

    assert client.get(f"/api/customers/{team_customer.id}", headers=headers).status_code == 200
    assert client.get(f"/api/customers/{other.id}", headers=headers).status_code == 403


def test_analyst_sees_masked_email_and_phone_and_the_read_is_audited(client: TestClient, session: Session) -> None:
    analyst = make_user(session, Role.analyst)
    customer = make_customer(session, email="jane.doe@example.com", phone="+8613912345678")

    body = client.get(f"/api/customers/{customer.id}", headers=token_for(session, analyst)).json()

    assert body["email"] == "j***@e***.com"
    assert body["phone"] == "+86*******5678"
    assert body["is_masked"] is True
    reads = session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == analyst.id, AuditEvent.action == "read")
    ).all()
    assert [(e.entity, e.entity_id) for e in reads] == [("customers", str(customer.id))]


def test_analyst_cannot_create_customers(client: TestClient, session: Session) -> None:
    analyst = make_user(session, Role.analyst)

    response = client.post("/api/customers", json={"full_name": "X"}, headers=token_for(session, analyst))

    assert response.status_code == 403


def test_soft_deleted_customer_can_be_restored(client: TestClient, session: Session) -> None:
    admin = make_user(session, Role.admin)
    customer = make_customer(session)
    headers = token_for(session, admin)

    assert client.delete(f"/api/customers/{customer.id}", headers=headers).status_code == 204
    assert client.get(f"/api/customers/{customer.id}", headers=headers).status_code == 404
    assert client.post(f"/api/customers/{customer.id}/restore", headers=headers).status_code == 200
    assert client.get(f"/api/customers/{customer.id}", headers=headers).status_code == 200


def test_consent_changes_are_kept_as_history(client: TestClient, session: Session) -> None:
    admin = make_user(session, Role.admin)
    customer = make_customer(session)
    headers = token_for(session, admin)

    client.patch(f"/api/customers/{customer.id}", json={"consent_email": True}, headers=headers)
    client.patch(f"/api/customers/{customer.id}", json={"consent_email": False}, headers=headers)

    history = client.get(f"/api/customers/{customer.id}/consents", headers=headers).json()
    assert [(h["channel"], h["is_granted"]) for h in history] == [("email", True), ("email", False)]


def test_text_search_finds_chinese_names(client: TestClient, session: Session) -> None:
    admin = make_user(session, Role.admin)
    target = make_customer(session, full_name="王芳")
    make_customer(session, full_name="李建国")

    page = client.get("/api/customers", params={"q": "王"}, headers=token_for(session, admin)).json()

    assert [c["id"] for c in page["items"]] == [target.id]
