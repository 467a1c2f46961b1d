"""Reads under access rules: a customer's insight (with reasons computed on reading), segments and cohorts."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from rapport.analytics import queries, service
from rapport.analytics.models import CustomerInsight
from rapport.errors import Forbidden, NotFound
from rapport.privacy.access import Role, system_principal
from rapport.settings import Settings
from tests.analytics.conftest import Shop, seed_shop
from tests.factories import make_user, principal_of


def test_sales_reps_read_insights_of_their_own_customers_only(
    connection: Connection, session: Session, settings: Settings
) -> None:
    rep = make_user(session, Role.sales)
    shop = seed_shop(session, customers=60, owner=rep, owned=5)
    service.run_analytics(connection, settings)
    principal = principal_of(rep)

    mine = queries.insight_for(session, principal, shop.customers[0].id)

    assert mine.customer_id == shop.customers[0].id
    with pytest.raises(Forbidden):
        queries.insight_for(session, principal, shop.customers[10].id)
    with pytest.raises(Forbidden):
        queries.segments_of(session, principal)


def test_reasons_left_for_later_are_computed_on_reading(
    shop: Shop, connection: Connection, session: Session, settings: Settings
) -> None:
    run = service.run_analytics(connection, settings)
    insights = session.scalars(select(CustomerInsight).where(CustomerInsight.run_id == run.id))
    stored = next(i for i in insights if i.churn_reasons)
    expected = list(stored.churn_reasons)
    stored.churn_reasons = []
    session.flush()

    read = queries.insight_for(session, system_principal(), stored.customer_id, data_dir=settings.data_dir)

    assert [r.model_dump() for r in read.churn_reasons] == expected


def test_support_has_no_analytics(shop: Shop, session: Session) -> None:
    agent = principal_of(make_user(session, Role.support))

    with pytest.raises(Forbidden):
        queries.insight_for(session, agent, shop.customers[0].id)


def test_reads_before_any_run_say_what_to_do(shop: Shop, session: Session) -> None:
    admin = system_principal()

    with pytest.raises(NotFound, match="POST /api/analytics/runs"):
        queries.insight_for(session, admin, shop.customers[0].id)
    with pytest.raises(NotFound, match="no analytics run"):
        queries.cohorts_of(session, admin)
