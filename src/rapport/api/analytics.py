"""Analytics: a customer's insights, segments, cohorts, and runs (start one, read its status)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Body, Path, Query, Request, status

from rapport.analytics import queries as analytics_queries
from rapport.analytics import service as analytics_service
from rapport.analytics.schemas import CohortsRead, InsightRead, RunRead, RunRequest, SegmentsRead
from rapport.api.deps import AppSettings, CurrentPrincipal, DbSession

router = APIRouter(tags=["analytics"])
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]
RunId = Annotated[int | None, Query(ge=1, le=2**63 - 1, description="A run's results (default: the latest).")]


@router.get("/customers/{customer_id}/insights")
def customer_insights(
    customer_id: RecordId, db: DbSession, principal: CurrentPrincipal, settings: AppSettings
) -> InsightRead:
    """Features, RFM and learned segment, lifetime value, P(alive), churn risk with reasons, interests and a summary
    citing its records, from the latest run. Sales reps see their own customers only."""
    return analytics_queries.insight_for(db, principal, customer_id, data_dir=settings.data_dir)


@router.get("/analytics/segments")
def segments(
    db: DbSession,
    principal: CurrentPrincipal,
    kind: Annotated[
        Literal["rfm", "learned"], Query(description="rfm: the named RFM segments; learned: k-means.")
    ] = "rfm",
    run_id: RunId = None,
) -> SegmentsRead:
    """Segment profiles and their revenue, orders and customers month by month."""
    return analytics_queries.segments_of(db, principal, kind=kind, run_id=run_id)


@router.get("/analytics/cohorts")
def cohorts(db: DbSession, principal: CurrentPrincipal, run_id: RunId = None) -> CohortsRead:
    """Retention by month of first purchase: `retention[i][j]` is cohort i's share active j months later."""
    return analytics_queries.cohorts_of(db, principal, run_id=run_id)


@router.post("/analytics/runs", status_code=status.HTTP_202_ACCEPTED)
def start_run(
    request: Request,
    background: BackgroundTasks,
    db: DbSession,
    principal: CurrentPrincipal,
    settings: AppSettings,
    body: Annotated[RunRequest | None, Body()] = None,
) -> RunRead:
    """Queue a run; it starts after this response (poll GET /api/analytics/runs/{id}). 409 while one is running."""
    run = analytics_service.request_run(db, principal, body or RunRequest(), analytics_service.configured(settings))
    # TODO(#7): hand this to the task queue once it exists; until then the run executes in this process.
    background.add_task(analytics_service.execute_run, request.app.state.engine, settings, run.id)
    return analytics_service.present_run(run)


@router.get("/analytics/runs")
def list_runs(
    db: DbSession, principal: CurrentPrincipal, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> list[RunRead]:
    return analytics_service.list_runs(db, principal, limit=limit)


@router.get("/analytics/runs/{run_id}")
def get_run(run_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> RunRead:
    """A run's status, parameters, metrics (counts, fitted CLV parameters, churn model quality, timings) and error."""
    return analytics_service.get_run(db, principal, run_id)
