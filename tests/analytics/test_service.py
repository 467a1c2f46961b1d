"""Runs end to end on the database (load → compute → store), model versions, and reads under access rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from rapport.analytics import service
from rapport.analytics.models import AnalyticsModel, AnalyticsRun, CohortCell, CustomerInsight
from rapport.analytics.schemas import AnalyticsSettings, RunRequest
from rapport.errors import Conflict
from rapport.privacy.access import system_principal
from rapport.settings import Settings
from tests.analytics.conftest import Shop, seed_shop


def test_a_run_gives_every_customer_an_insight_and_stores_segments_and_cohorts(
    shop: Shop, connection: Connection, session: Session, settings: Settings
) -> None:
    run = service.run_analytics(connection, settings)

    assert run.status == "succeeded", run.error
    insights = {
        i.customer_id: i for i in session.scalars(select(CustomerInsight).where(CustomerInsight.run_id == run.id))
    }
    assert set(insights) == {c.id for c in shop.customers}
    assert all(
        i.summary and i.rfm_segment and i.clv is not None and i.churn_risk is not None for i in insights.values()
    )
    lapsed = [i.churn_risk for cid, i in insights.items() if shop.kinds[cid] == "lapsed"]
    active = [i.churn_risk for cid, i in insights.items() if shop.kinds[cid] == "active"]
    assert sum(lapsed) / len(lapsed) > sum(active) / len(active)
    assert run.metrics["churn_model"] == "churn@1"
    assert run.metrics["insights"] == len(shop.customers)
    assert session.scalar(select(func.count()).select_from(CohortCell).where(CohortCell.run_id == run.id)) > 10


def test_the_churn_model_is_versioned_and_reused_until_retraining_is_asked(
    shop: Shop, connection: Connection, session: Session, settings: Settings
) -> None:
    first = service.run_analytics(connection, settings)
    second = service.run_analytics(connection, settings)
    third = service.run_analytics(connection, settings, retrain=True)

    assert [r.metrics["churn_model"] for r in (first, second, third)] == ["churn@1", "churn@1", "churn@2"]
    models = list(session.scalars(select(AnalyticsModel).order_by(AnalyticsModel.version)))
    assert [m.is_active for m in models] == [False, True]
    assert (settings.data_dir / models[1].path).exists()


def test_only_the_latest_runs_keep_per_customer_insights(
    connection: Connection, session: Session, settings: Settings
) -> None:
    seed_shop(session, customers=30)
    settings_keep_one = settings.model_copy()
    runs = [service.run_analytics(connection, settings_keep_one) for _ in range(2)]
    # keep_runs comes from the run's params; a run requested with keep_runs=1 prunes the one before it.
    request = RunRequest()
    with session.begin_nested():
        queued = service.request_run(session, system_principal(), request, AnalyticsSettings(keep_runs=1))
    latest = service.execute_run(connection, settings, queued.id)

    counts = {
        r.id: session.scalar(select(func.count()).select_from(CustomerInsight).where(CustomerInsight.run_id == r.id))
        for r in (*runs, latest)
    }
    assert counts[latest.id] == 30
    assert counts[runs[0].id] == counts[runs[1].id] == 0


def test_a_second_run_is_refused_while_one_is_queued(session: Session) -> None:
    service.request_run(session, system_principal(), RunRequest(), AnalyticsSettings())

    with pytest.raises(Conflict):
        service.request_run(session, system_principal(), RunRequest(), AnalyticsSettings())


def test_a_run_that_cannot_save_its_model_is_recorded_as_failed(
    shop: Shop, connection: Connection, session: Session, tmp_path: Path, database_url: str
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the data directory should be")

    run = service.run_analytics(connection, Settings(data_dir=blocked, database_url=database_url))

    assert run.status == "failed"
    assert run.error is not None
    assert session.get(AnalyticsRun, run.id) is not None
