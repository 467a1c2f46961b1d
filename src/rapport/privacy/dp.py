"""Differentially private aggregates for data that leaves the company, paid for from a per-dataset epsilon budget.

A query is a count, sum or mean of one customer measure, grouped by region or RFM segment. Each customer is in one
group, so the groups are disjoint and the whole query costs its epsilon once (parallel composition). Values are
clamped to public bounds before summing, so one customer moves a sum by at most max(|lower|, |upper|); counts move
by 1. The noise is OpenDP's Laplace mechanism (discrete for counts) with scale = sensitivity / epsilon; a mean
spends half its epsilon on a noisy sum and half on a noisy count. Group labels are public (every region and every
RFM segment is listed whether or not it has customers), so which groups exist says nothing about anyone.

The budget is charged in the caller's transaction before the answer is computed: a refused or failed query leaves
the budget as it was, and an answer is never returned without its charge.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.analytics.models import AnalyticsRun, CustomerInsight
from rapport.analytics.rfm import NO_PURCHASE, SEGMENTS
from rapport.customers.models import Customer
from rapport.errors import Forbidden, Invalid
from rapport.kit.clock import utcnow
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, require
from rapport.privacy.models import PrivacyBudget, PrivacyQuery
from rapport.privacy.regions import REGIONS, region_of
from rapport.sales.models import Order

Statistic = Literal["count", "sum", "mean"]
GroupBy = Literal["region", "segment"]
DATASETS = ("customers",)
MEASURES = ("spend", "orders")  # lifetime spend (order totals) and order count per customer
MAX_EPSILON_PER_QUERY = 10.0


class BudgetExhausted(Forbidden):
    """The dataset cannot afford this epsilon; the message says what is left."""

    code = "privacy_budget_exhausted"


@dataclass
class DpAnswer:
    dataset: str
    statistic: str
    measure: str | None
    group_by: str
    epsilon: float
    bounds: tuple[float, float] | None
    groups: dict[str, float]
    epsilon_spent: float
    epsilon_left: float
    mechanism: str = "laplace (OpenDP)"
    notes: list[str] = field(default_factory=list)


@cache
def _opendp() -> Any:
    import opendp.prelude as dp

    dp.enable_features("contrib")  # OpenDP gates its not-yet-vetted constructors, the float Laplace among them
    return dp


def laplace(value: float, *, sensitivity: float, epsilon: float) -> float:
    dp = _opendp()
    mechanism = dp.m.make_laplace(
        dp.atom_domain(T=float, nan=False), dp.absolute_distance(T=float), sensitivity / epsilon
    )
    return float(mechanism(float(value)))


def discrete_laplace(value: int, *, epsilon: float) -> int:
    dp = _opendp()
    mechanism = dp.m.make_laplace(dp.atom_domain(T=int), dp.absolute_distance(T=int), 1.0 / epsilon)
    return int(mechanism(int(value)))


# -- the budget ---------------------------------------------------------------------------------------------------
def budget(session: Session, dataset: str, *, default_total: float) -> PrivacyBudget:
    _check_dataset(dataset)
    query = select(PrivacyBudget).where(PrivacyBudget.dataset == dataset)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # two queries must not both spend the last epsilon
    row = session.scalar(query)
    if row is None:
        row = PrivacyBudget(dataset=dataset, epsilon_total=default_total, epsilon_spent=0.0, updated_at=utcnow())
        session.add(row)
        session.flush()
    return row


def set_budget(
    session: Session, principal: Principal, dataset: str, *, total: float, reset: bool = False
) -> PrivacyBudget:
    require(principal, "privacy", Action.update)
    if not (math.isfinite(total) and 0 < total <= 1000):
        raise Invalid("the epsilon budget must be above 0 and at most 1000")
    row = budget(session, dataset, default_total=total)
    row.epsilon_total = total
    if reset:
        row.epsilon_spent = 0.0
    row.updated_at = utcnow()
    audit.record(
        session,
        principal,
        action="update",
        entity="privacy",
        entity_id=dataset,
        detail={"epsilon_total": total, "reset": reset},
    )
    session.flush()
    return row


def charge(
    session: Session, principal: Principal, dataset: str, epsilon: float, *, query: dict[str, Any], default_total: float
) -> PrivacyBudget:
    row = budget(session, dataset, default_total=default_total)
    left = row.epsilon_total - row.epsilon_spent
    if epsilon > left + 1e-12:
        audit.defer(
            session,
            principal,
            action="dp_query",
            entity="privacy",
            entity_id=dataset,
            outcome="denied",
            detail={"epsilon": epsilon, "left": round(left, 6)},
        )
        raise BudgetExhausted(
            f"the privacy budget of {dataset!r} cannot pay epsilon {epsilon:g}: {left:.4g} of "
            f"{row.epsilon_total:g} is left; an admin can raise it (rapport privacy budget)",
            details={"epsilon_left": left, "epsilon_total": row.epsilon_total},
        )
    row.epsilon_spent += epsilon
    row.updated_at = utcnow()
    session.add(PrivacyQuery(dataset=dataset, at=utcnow(), actor=principal.label, query=query, epsilon=epsilon))
    session.flush()
    return row


# -- the query ----------------------------------------------------------------------------------------------------
def query(
    session: Session,
    principal: Principal,
    *,
    statistic: Statistic,
    group_by: GroupBy,
    epsilon: float,
    measure: str | None = None,
    bounds: tuple[float, float] | None = None,
    dataset: str = "customers",
    default_total: float = 10.0,
) -> DpAnswer:
    """A noisy count/sum/mean per group; charges `epsilon` to the dataset's budget first."""
    require(principal, "privacy", Action.read)
    _check_dataset(dataset)
    if statistic not in ("count", "sum", "mean"):
        raise Invalid("statistic must be count, sum or mean")
    if group_by not in ("region", "segment"):
        raise Invalid("group_by must be region or segment")
    if not (math.isfinite(epsilon) and 0 < epsilon <= MAX_EPSILON_PER_QUERY):
        raise Invalid(f"epsilon must be above 0 and at most {MAX_EPSILON_PER_QUERY:g}")
    if statistic != "count":
        if measure not in MEASURES:
            raise Invalid(f"measure must be one of {', '.join(MEASURES)} for a {statistic}")
        if bounds is None:
            raise Invalid("a sum or mean needs clamping bounds (lower, upper), chosen without looking at the data")
        lower, upper = bounds
        if not (math.isfinite(lower) and math.isfinite(upper) and lower < upper):
            raise Invalid("bounds must be finite with lower < upper")
    spec = {"statistic": statistic, "group_by": group_by, "measure": measure, "bounds": bounds, "epsilon": epsilon}
    row = charge(session, principal, dataset, epsilon, query=spec, default_total=default_total)
    values = _values(session, group_by, measure or "spend")
    groups = release(values, labels=_labels(group_by), statistic=statistic, epsilon=epsilon, bounds=bounds)
    audit.record(session, principal, action="dp_query", entity="privacy", entity_id=dataset, detail=spec)
    return DpAnswer(
        dataset=dataset,
        statistic=statistic,
        measure=measure if statistic != "count" else None,
        group_by=group_by,
        epsilon=epsilon,
        bounds=bounds if statistic != "count" else None,
        groups=groups,
        epsilon_spent=row.epsilon_spent,
        epsilon_left=max(0.0, row.epsilon_total - row.epsilon_spent),
    )


def release(
    values: dict[str, list[float]],
    *,
    labels: Sequence[str],
    statistic: str,
    epsilon: float,
    bounds: tuple[float, float] | None,
) -> dict[str, float]:
    """The noisy statistic for every public label (pure: the eval calls it many times without a budget)."""
    out: dict[str, float] = {}
    for label in labels:
        data = values.get(label, [])
        if statistic == "count":
            out[label] = float(max(0, discrete_laplace(len(data), epsilon=epsilon)))
            continue
        assert bounds is not None
        lower, upper = bounds
        clamped = [min(max(v, lower), upper) for v in data]
        sensitivity = max(abs(lower), abs(upper))
        if statistic == "sum":
            out[label] = laplace(sum(clamped), sensitivity=sensitivity, epsilon=epsilon)
        else:
            noisy_sum = laplace(sum(clamped), sensitivity=sensitivity, epsilon=epsilon / 2)
            noisy_count = max(1, discrete_laplace(len(clamped), epsilon=epsilon / 2))
            out[label] = min(max(noisy_sum / noisy_count, lower), upper)
    return out


def true_values(session: Session, group_by: GroupBy, measure: str = "spend") -> dict[str, list[float]]:
    """The exact per-customer values by group (for the error evaluation only: never leaves the process)."""
    return _values(session, group_by, measure)


def _values(session: Session, group_by: str, measure: str) -> dict[str, list[float]]:
    spend = (
        select(
            Order.customer_id, func.coalesce(func.sum(Order.total), 0).label("spend"), func.count(Order.id).label("n")
        )
        .group_by(Order.customer_id)
        .subquery()
    )
    rows = session.execute(
        select(Customer.id, Customer.country, Customer.city, spend.c.spend, spend.c.n)
        .outerjoin(spend, spend.c.customer_id == Customer.id)
        .where(Customer.deleted_at.is_(None))
    ).all()
    segments = _segments(session) if group_by == "segment" else {}
    out: dict[str, list[float]] = {}
    for customer_id, country, city, total, count in rows:
        label = _public_region(country, city) if group_by == "region" else segments.get(customer_id, NO_PURCHASE)
        value = float(total or Decimal(0)) if measure == "spend" else float(count or 0)
        out.setdefault(label, []).append(value)
    return out


def _segments(session: Session) -> dict[int, str]:
    latest = session.scalar(select(func.max(AnalyticsRun.id)).where(AnalyticsRun.status == "succeeded"))
    if latest is None:
        return {}
    return dict(
        session.execute(
            select(CustomerInsight.customer_id, CustomerInsight.rfm_segment).where(CustomerInsight.run_id == latest)
        ).all()
    )


def _labels(group_by: str) -> tuple[str, ...]:
    if group_by == "segment":
        return (*SEGMENTS, NO_PURCHASE)
    return (*REGIONS, *_COUNTRIES, "other", "unknown")


# A fixed, public list: customers of any other country are counted under "other" (no label reveals a lone customer).
_COUNTRIES = ("GB", "DE", "FR", "JP", "CA", "AU", "SG", "HK", "TW")


def _public_region(country: str | None, city: str | None) -> str:
    region = region_of(country, city)
    return region if region in REGIONS or region in _COUNTRIES or region == "unknown" else "other"


def _check_dataset(dataset: str) -> None:
    if dataset not in DATASETS:
        raise Invalid(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
