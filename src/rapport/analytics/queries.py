"""Analytics reads: a customer's latest insight, segment profiles and trends, the cohort matrix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.analytics import churn, registry, rfm, summary
from rapport.analytics.models import AnalyticsModel, AnalyticsRun, CohortCell, CustomerInsight, SegmentProfile
from rapport.analytics.schemas import CohortsRead, InsightRead, ReasonRead, SegmentRead, SegmentsRead
from rapport.analytics.service import ENTITY, get_run_row, require_access
from rapport.customers import service as customer_service
from rapport.errors import Forbidden, NotFound
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, Reach

KINDS = ("rfm", "learned")
# Loaded churn models by (data_dir, label): parsing a model file per request would cost more than the reasons.
_MODELS: dict[tuple[str, str], churn.ChurnModel | None] = {}


def insight_for(
    session: Session, principal: Principal, customer_id: int, *, data_dir: Path | None = None
) -> InsightRead:
    """The latest insight about a customer the principal may see (record-level reach and audit via customers).
    `data_dir` lets reasons the run left for later be computed now from the stored churn model."""
    require_access(session, principal, Action.read)
    customer_service.get(session, principal, customer_id)
    stmt = (
        select(CustomerInsight, AnalyticsRun)
        .join(AnalyticsRun, AnalyticsRun.id == CustomerInsight.run_id)
        .where(CustomerInsight.customer_id == customer_id, AnalyticsRun.status == "succeeded")
        .order_by(CustomerInsight.run_id.desc())
        .limit(1)
    )
    found = session.execute(stmt).first()
    if found is None:
        raise NotFound(f"no analytics for customer {customer_id} yet: start a run (POST /api/analytics/runs)")
    insight, run = found
    learned_name = None
    if insight.learned_segment:
        learned_name = session.scalar(
            select(SegmentProfile.name).where(
                SegmentProfile.run_id == run.id,
                SegmentProfile.kind == "learned",
                SegmentProfile.key == insight.learned_segment,
            )
        )
    risk = insight.churn_risk
    reasons = insight.churn_reasons
    if not reasons and risk is not None and insight.churn_model and data_dir is not None:
        reasons = _reasons_on_read(session, insight, data_dir)
    return InsightRead(
        customer_id=customer_id,
        run_id=run.id,
        as_of=run.as_of,
        features=insight.features,
        rfm_segment=insight.rfm_segment,
        rfm_segment_name=rfm.SEGMENTS[insight.rfm_segment].name if insight.rfm_segment in rfm.SEGMENTS else "",
        rfm_score=insight.rfm_score,
        learned_segment=insight.learned_segment,
        learned_segment_name=learned_name,
        clv=insight.clv,
        expected_purchases=insight.expected_purchases,
        expected_value=insight.expected_value,
        p_alive=insight.p_alive,
        churn_risk=risk,
        churn_level=None if risk is None else summary.risk_level(risk),
        churn_reasons=[ReasonRead.model_validate(r) for r in reasons],
        churn_model=insight.churn_model,
        interests=insight.interests,
        summary=insight.summary,
        facts=insight.facts,
    )


def _reasons_on_read(session: Session, insight: CustomerInsight, data_dir: Path) -> list[dict[str, Any]]:
    """Reasons the run left for later (past churn.EAGER_REASONS customers), from the stored model and features."""
    name, _, version = (insight.churn_model or "").partition("@")
    if not version.isdigit():
        return []
    row = session.scalar(
        select(AnalyticsModel).where(AnalyticsModel.name == name, AnalyticsModel.version == int(version))
    )
    model = None if row is None else _cached_model(data_dir, row)
    return [] if model is None else churn.explain_one(model, insight.features)


def _cached_model(data_dir: Path, row: AnalyticsModel) -> churn.ChurnModel | None:
    key = (str(data_dir), row.label)
    if key not in _MODELS:
        if len(_MODELS) >= 4:
            _MODELS.pop(next(iter(_MODELS)))
        _MODELS[key] = registry.load(data_dir, row)
    return _MODELS[key]


def segments_of(
    session: Session, principal: Principal, *, kind: str = "rfm", run_id: int | None = None
) -> SegmentsRead:
    _require_aggregate(session, principal)
    if kind not in KINDS:
        raise NotFound(f"no segment kind '{kind}': use one of {', '.join(KINDS)}")
    run = _run_or_latest(session, run_id)
    rows = session.scalars(
        select(SegmentProfile)
        .where(SegmentProfile.run_id == run.id, SegmentProfile.kind == kind)
        .order_by(SegmentProfile.customers.desc())
    )
    items = [
        SegmentRead(
            kind=s.kind, key=s.key, name=s.name, description=s.description, customers=s.customers, profile=s.profile
        )
        for s in rows
    ]
    return SegmentsRead(run_id=run.id, as_of=run.as_of, kind=kind, segments=items, trend=run.trends.get(kind, []))


def cohorts_of(session: Session, principal: Principal, *, run_id: int | None = None) -> CohortsRead:
    _require_aggregate(session, principal)
    run = _run_or_latest(session, run_id)
    cells = list(
        session.scalars(
            select(CohortCell).where(CohortCell.run_id == run.id).order_by(CohortCell.cohort, CohortCell.period)
        )
    )
    names = sorted({c.cohort for c in cells})
    periods = list(range(max((c.period for c in cells), default=-1) + 1))
    grid: dict[str, list[float | None]] = {name: [None] * len(periods) for name in names}
    sizes: dict[str, int] = {}
    for c in cells:
        grid[c.cohort][c.period] = round(c.retention, 4)
        sizes[c.cohort] = c.cohort_size
    return CohortsRead(
        run_id=run.id,
        as_of=run.as_of,
        cohorts=names,
        periods=periods,
        retention=[grid[n] for n in names],
        cohort_sizes=[sizes[n] for n in names],
        cells=[
            {
                "cohort": c.cohort,
                "period": c.period,
                "cohort_size": c.cohort_size,
                "active": c.active,
                "retention": round(c.retention, 4),
                "revenue": round(c.revenue, 2),
            }
            for c in cells
        ],
    )


def _require_aggregate(session: Session, principal: Principal) -> None:
    """Company-wide segments and cohorts are for roles that see every customer or a team's; a sales rep reads the
    insights of their own customers instead."""
    require_access(session, principal, Action.read)
    if principal.reach == Reach.own:
        audit.deny(session, principal, action="read", entity=ENTITY, entity_id="aggregates")
        raise Forbidden(
            f"role '{principal.role}' sees analytics for its own customers only (GET /api/customers/{{id}}/insights)"
        )


def _run_or_latest(session: Session, run_id: int | None) -> AnalyticsRun:
    if run_id is not None:
        run = get_run_row(session, run_id)
        if run.status != "succeeded":
            raise NotFound(f"analytics run {run_id} has no results (status {run.status})")
        return run
    stmt = select(AnalyticsRun).where(AnalyticsRun.status == "succeeded").order_by(AnalyticsRun.id.desc()).limit(1)
    latest = session.scalar(stmt)
    if latest is None:
        raise NotFound("no analytics run has finished yet: start one (POST /api/analytics/runs)")
    return latest
