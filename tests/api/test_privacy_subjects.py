"""The data-subject routes: an admin exports and erases a person; other roles are refused (and audited); unknown
ids are 404."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.customers.models import Customer
from rapport.privacy.access import Role
from rapport.privacy.models import AuditEvent
from rapport.sales.models import Order
from tests.factories import make_customer, make_order, make_user, token_for

EMAIL = "sigrid.lund@example.net"


def test_admin_exports_then_erases_a_person(client: TestClient, session: Session) -> None:
    customer = make_customer(session, full_name="Sigrid Lund", email=EMAIL, emails=[EMAIL])
    order = make_order(session, customer)
    headers = token_for(session, make_user(session, Role.admin))

    exported = client.get(f"/api/privacy/subjects/{customer.id}/export", headers=headers)
    erased = client.post(f"/api/privacy/subjects/{customer.id}/erase", headers=headers)
    again = client.post(f"/api/privacy/subjects/{customer.id}/erase", headers=headers)

    assert exported.status_code == 200, exported.text
    assert exported.json()["customer"]["email"] == EMAIL
    assert [o["number"] for o in exported.json()["orders"]] == [order.number]
    assert erased.status_code == 200, erased.text
    assert erased.json()["already_erased"] is False
    assert erased.json()["kept"]["orders"] == 1
    assert again.json()["already_erased"] is True
    session.expire_all()
    stub = session.get(Customer, customer.id)
    assert stub is not None
    assert (stub.full_name, stub.email) == ("erased", None)
    assert session.scalars(select(Order.total).where(Order.customer_id == customer.id)).one() == order.total
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity == "customers", AuditEvent.entity_id == str(customer.id))
    ).all()
    assert actions == ["export", "erase", "erase"]


@pytest.mark.parametrize(("method", "action"), [("GET", "export"), ("POST", "erase")])
@pytest.mark.parametrize("role", [Role.support, Role.analyst])
def test_other_roles_are_refused_and_audited(
    client: TestClient, session: Session, role: Role, method: str, action: str
) -> None:
    customer = make_customer(session, email=EMAIL)
    headers = token_for(session, make_user(session, role))

    response = client.request(method, f"/api/privacy/subjects/{customer.id}/{action}", headers=headers)

    assert response.status_code == 403, response.text
    assert "may not" in response.json()["error"]["message"]
    session.expire_all()
    assert session.get(Customer, customer.id).email == EMAIL  # type: ignore[union-attr]
    denied = session.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
    assert [(e.entity_id, e.detail["attempted"]) for e in denied] == [(str(customer.id), action)]


@pytest.mark.parametrize(("method", "action"), [("GET", "export"), ("POST", "erase")])
def test_unknown_customer_is_404(client: TestClient, session: Session, method: str, action: str) -> None:
    headers = token_for(session, make_user(session, Role.admin))

    response = client.request(method, f"/api/privacy/subjects/987654321/{action}", headers=headers)

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "customer 987654321 not found"
