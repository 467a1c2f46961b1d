"""Orders and deals through the API: totals computed server-side, pipeline stages drive deal status."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from rapport.cli.db import ensure_default_pipeline
from rapport.privacy.access import Role
from tests.factories import make_customer, make_product, make_user, token_for


def test_order_totals_come_from_lines_and_catalogue(client: TestClient, session: Session) -> None:
    headers = token_for(session, make_user(session, Role.admin))
    customer = make_customer(session)
    mug = make_product(session, price="12.50")
    lamp = make_product(session, price="40.00")

    response = client.post(
        "/api/orders",
        json={
            "customer_id": customer.id,
            "discount": "5.00",
            "shipping": "4.99",
            "lines": [
                {"product_id": mug.id, "quantity": 2},
                {"product_id": lamp.id, "quantity": 1, "unit_price": "35.00"},
            ],
        },
        headers=headers,
    )

    assert response.status_code == 201, response.text
    order = response.json()
    assert order["subtotal"] == "60.00"
    assert order["total"] == "59.99"
    assert [line["line_total"] for line in order["lines"]] == ["25.00", "35.00"]


def test_order_for_unknown_product_is_404(client: TestClient, session: Session) -> None:
    headers = token_for(session, make_user(session, Role.admin))
    customer = make_customer(session)

    response = client.post(
        "/api/orders",
        json={"customer_id": customer.id, "lines": [{"product_id": 987654, "quantity": 1}]},
        headers=headers,
    )

    assert response.status_code == 404
    assert "product 987654" in response.json()["error"]["message"]


def test_deal_moves_through_stages_and_closes_when_won(client: TestClient, session: Session) -> None:
    ensure_default_pipeline(session)
    rep = make_user(session, Role.sales)
    headers = token_for(session, rep)
    customer = make_customer(session, owner_id=rep.id)

    deal = client.post(
        "/api/deals", json={"name": "Renewal", "customer_id": customer.id, "amount": "1200.00"}, headers=headers
    )
    assert deal.status_code == 201, deal.text
    assert (deal.json()["stage"]["name"], deal.json()["probability"], deal.json()["owner_id"]) == (
        "Qualification",
        10,
        rep.id,
    )

    pipeline = client.get(f"/api/pipelines/{deal.json()['pipeline_id']}", headers=headers).json()
    won = next(s for s in pipeline["stages"] if s["is_won"])
    moved = client.patch(f"/api/deals/{deal.json()['id']}", json={"stage_id": won["id"]}, headers=headers).json()

    assert (moved["status"], moved["probability"]) == ("won", 100)
    assert moved["closed_at"] is not None
