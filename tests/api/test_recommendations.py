"""GET /api/customers/{id}/recommendations and /next-best-offer: reasons, access per role, 4xx for bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from rapport.customers.models import Customer
from rapport.marketing import recommend
from rapport.privacy.access import Role
from rapport.sales.models import Product
from rapport.settings import Settings
from tests.factories import make_customer, make_order, make_product, make_user, token_for


def _shop(session: Session, **buyer: object) -> tuple[Customer, Product]:
    earbuds = make_product(session, name="Voltra Wireless Earbuds", price=Decimal("59.00"))
    charger = make_product(session, name="Voltra Phone Charger", price=Decimal("20.00"))
    for _ in range(3):
        other = make_customer(session)
        make_order(session, other, earbuds)
        make_order(session, other, charger)
    customer = make_customer(session, **buyer)
    make_order(session, customer, earbuds)
    return customer, charger


def test_recommendations_with_reasons(client: TestClient, session: Session, settings: Settings) -> None:
    customer, charger = _shop(session)
    recommend.fit(session, settings.data_dir)
    headers = token_for(session, make_user(session, Role.marketing))

    response = client.get(f"/api/customers/{customer.id}/recommendations?n=1", headers=headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"].startswith("item_knn fitted ")
    assert [(i["product_id"], i["source"]) for i in body["items"]] == [(charger.id, "collaborative")]
    assert body["items"][0]["reason"].startswith("You bought Voltra Wireless Earbuds; 3 customers")


def test_next_best_offer_and_its_absence(client: TestClient, session: Session) -> None:
    consenting, charger = _shop(session, consent_email=True)
    silent = make_customer(session)
    make_order(session, silent, charger)
    headers = token_for(session, make_user(session, Role.admin))

    offer = client.get(f"/api/customers/{consenting.id}/next-best-offer", headers=headers).json()
    none = client.get(f"/api/customers/{silent.id}/next-best-offer", headers=headers).json()

    assert offer["offer"]["product"]["product_id"] == charger.id
    assert offer["offer"]["kind"] == "cross_sell"
    assert offer["offer"]["reasons"]
    assert none == {
        "customer_id": silent.id,
        "offer": None,
        "why_none": "No offer: the customer has not consented to marketing by email or SMS.",
    }


@pytest.mark.parametrize("path", ["recommendations", "next-best-offer"])
def test_another_reps_customer_is_403(client: TestClient, session: Session, path: str) -> None:
    rep, other = make_user(session, Role.sales), make_user(session, Role.sales)
    theirs, _ = _shop(session, owner_id=other.id)

    response = client.get(f"/api/customers/{theirs.id}/{path}", headers=token_for(session, rep))

    assert response.status_code == 403
    assert response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/customers/999999/recommendations", 404),
        ("/api/customers/999999/next-best-offer", 404),
        ("/api/customers/0/recommendations", 422),
        ("/api/customers/1/recommendations?n=0", 422),
        ("/api/customers/1/recommendations?n=abc", 422),
        ("/api/customers/1/recommendations?n=101", 422),
    ],
)
def test_bad_input_is_a_4xx_with_a_message(client: TestClient, session: Session, url: str, status: int) -> None:
    headers = token_for(session, make_user(session, Role.admin))

    response = client.get(url, headers=headers)

    assert response.status_code == status
    assert response.json()["error"]["message"]


def test_a_role_without_products_is_refused(client: TestClient, session: Session) -> None:
    customer, _ = _shop(session)
    unauthenticated = client.get(f"/api/customers/{customer.id}/recommendations")

    assert unauthenticated.status_code == 401
