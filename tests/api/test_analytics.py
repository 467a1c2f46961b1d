"""The analytics API end to end: start a run, read insights, segments and cohorts, under each role's access."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.privacy.access import Role
from rapport.privacy.models import AuditEvent
from tests.analytics.conftest import Shop, seed_shop
from tests.factories import make_user, token_for


def _run(client: TestClient, headers: dict[str, str]) -> dict[str, object]:
    started = client.post("/api/analytics/runs", json={}, headers=headers)
    assert started.status_code == 202, started.text
    # TestClient runs the background task before it returns, so the run has finished here.
    return dict(client.get(f"/api/analytics/runs/{started.json()['id']}", headers=headers).json())


def test_a_run_then_every_customer_has_insights(client: TestClient, session: Session) -> None:
    shop: Shop = seed_shop(session, customers=45)
    headers = token_for(session, make_user(session, Role.admin))

    run = _run(client, headers)
    insight = client.get(f"/api/customers/{shop.customers[0].id}/insights", headers=headers)

    assert run["status"] == "succeeded", run
    assert run["metrics"]["insights"] == 45  # type: ignore[index]
    assert insight.status_code == 200, insight.text
    body = insight.json()
    assert body["run_id"] == run["id"]
    assert body["features"]["orders"] >= 1
    assert body["rfm_segment_name"]
    assert body["clv"] >= 0
    assert 0 <= body["churn_risk"] <= 1
    assert body["churn_level"] in {"low", "medium", "high"}
    assert body["summary"].startswith(shop.customers[0].full_name)
    assert any(cite.startswith("order:") for fact in body["facts"] for cite in fact["cites"])
    assert body["interests"]["category"]


def test_reading_insights_is_audited_as_a_read_of_the_customer(client: TestClient, session: Session) -> None:
    shop = seed_shop(session, customers=30)
    admin = make_user(session, Role.admin)
    headers = token_for(session, admin)
    _run(client, headers)

    client.get(f"/api/customers/{shop.customers[1].id}/insights", headers=headers)

    reads = session.scalars(
        select(AuditEvent).where(
            AuditEvent.actor_id == admin.id, AuditEvent.entity == "customers", AuditEvent.action == "read"
        )
    ).all()
    assert [e.entity_id for e in reads] == [str(shop.customers[1].id)]


def test_segments_and_cohorts_for_marketing(client: TestClient, session: Session) -> None:
    seed_shop(session, customers=60)
    _run(client, token_for(session, make_user(session, Role.manager)))
    headers = token_for(session, make_user(session, Role.marketing))

    rfm = client.get("/api/analytics/segments", headers=headers)
    learned = client.get("/api/analytics/segments", params={"kind": "learned"}, headers=headers)
    cohorts = client.get("/api/analytics/cohorts", headers=headers)

    assert rfm.status_code == 200, rfm.text
    assert sum(s["customers"] for s in rfm.json()["segments"]) == 60
    assert rfm.json()["trend"][0].keys() == {"month", "segment", "customers", "orders", "revenue"}
    assert learned.status_code == 200
    assert all(s["name"] and s["description"] for s in learned.json()["segments"])
    matrix = cohorts.json()
    assert cohorts.status_code == 200
    assert len(matrix["retention"]) == len(matrix["cohorts"]) == len(matrix["cohort_sizes"])
    assert all(row[0] == 1.0 for row in matrix["retention"])


def test_sales_reps_see_their_own_customers_insights_and_no_aggregates(client: TestClient, session: Session) -> None:
    rep = make_user(session, Role.sales)
    shop = seed_shop(session, customers=45, owner=rep, owned=3)
    _run(client, token_for(session, make_user(session, Role.admin)))
    headers = token_for(session, rep)

    own = client.get(f"/api/customers/{shop.customers[0].id}/insights", headers=headers)
    other = client.get(f"/api/customers/{shop.customers[20].id}/insights", headers=headers)
    segments = client.get("/api/analytics/segments", headers=headers)

    assert own.status_code == 200
    assert other.status_code == 403
    assert segments.status_code == 403
    assert "own customers" in segments.json()["error"]["message"]


def test_roles_without_analytics_are_refused(client: TestClient, session: Session) -> None:
    shop = seed_shop(session, customers=3)
    support = token_for(session, make_user(session, Role.support))
    analyst = token_for(session, make_user(session, Role.analyst))

    assert client.get(f"/api/customers/{shop.customers[0].id}/insights", headers=support).status_code == 403
    assert client.post("/api/analytics/runs", json={}, headers=analyst).status_code == 403


def test_before_any_run_reads_say_how_to_start_one(client: TestClient, session: Session) -> None:
    shop = seed_shop(session, customers=3)
    headers = token_for(session, make_user(session, Role.admin))

    insight = client.get(f"/api/customers/{shop.customers[0].id}/insights", headers=headers)
    segments = client.get("/api/analytics/segments", headers=headers)

    assert insight.status_code == 404
    assert "POST /api/analytics/runs" in insight.json()["error"]["message"]
    assert segments.status_code == 404


def test_run_parameters_are_validated_and_recorded(client: TestClient, session: Session) -> None:
    seed_shop(session, customers=30)
    headers = token_for(session, make_user(session, Role.admin))

    bad = client.post("/api/analytics/runs", json={"churn_days": 1}, headers=headers)
    good = client.post("/api/analytics/runs", json={"churn_days": 120, "horizon_days": 90}, headers=headers)
    listed = client.get("/api/analytics/runs", headers=headers)

    assert bad.status_code == 422
    assert good.status_code == 202
    assert good.json()["params"]["churn_days"] == 120
    assert listed.json()[0]["params"]["horizon_days"] == 90
    assert listed.json()[0]["status"] == "succeeded"
