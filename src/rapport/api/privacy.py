"""Privacy-preserving outputs: differentially private aggregates with their budget, pseudonymised exports."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import Engine

from rapport.api.deps import AppSettings, CurrentPrincipal, DbSession
from rapport.privacy import dp, pseudonyms, subjects
from rapport.privacy.access import Action, require

router = APIRouter(prefix="/privacy", tags=["privacy"])
CustomerId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class DpQueryIn(BaseModel):
    dataset: Literal["customers"] = "customers"
    statistic: Literal["count", "sum", "mean"]
    group_by: Literal["region", "segment"]
    epsilon: float = Field(gt=0, le=dp.MAX_EPSILON_PER_QUERY)
    measure: Literal["spend", "orders"] | None = None
    lower: float | None = Field(default=None, ge=-1e9, le=1e9)
    upper: float | None = Field(default=None, ge=-1e9, le=1e9)

    @model_validator(mode="after")
    def _bounds_together(self) -> DpQueryIn:
        if (self.lower is None) != (self.upper is None):
            raise ValueError("give both lower and upper, or neither")
        return self


class DpAnswerOut(BaseModel):
    dataset: str
    statistic: str
    measure: str | None
    group_by: str
    epsilon: float
    bounds: tuple[float, float] | None
    groups: dict[str, float]
    epsilon_spent: float
    epsilon_left: float
    mechanism: str


class BudgetOut(BaseModel):
    dataset: str
    epsilon_total: float
    epsilon_spent: float
    epsilon_left: float


class BudgetIn(BaseModel):
    epsilon_total: float = Field(gt=0, le=1000)
    reset: bool = False


class PseudonymisedExportOut(BaseModel):
    report: dict[str, Any]
    rows: list[dict[str, Any]]


@router.post("/dp/query")
def dp_query(body: DpQueryIn, db: DbSession, principal: CurrentPrincipal, settings: AppSettings) -> DpAnswerOut:
    """A noisy count, sum or mean by region or segment; charges `epsilon` to the dataset's budget (403 when spent)."""
    bounds = (body.lower, body.upper) if body.lower is not None and body.upper is not None else None
    answer = dp.query(
        db,
        principal,
        statistic=body.statistic,
        group_by=body.group_by,
        epsilon=body.epsilon,
        measure=body.measure,
        bounds=bounds,
        dataset=body.dataset,
        default_total=settings.privacy.epsilon_budget,
    )
    return DpAnswerOut.model_validate(answer, from_attributes=True)


@router.get("/dp/budgets/{dataset}")
def get_budget(
    dataset: Literal["customers"], db: DbSession, principal: CurrentPrincipal, settings: AppSettings
) -> BudgetOut:
    require(principal, "privacy", Action.read)
    row = dp.budget(db, dataset, default_total=settings.privacy.epsilon_budget)
    return BudgetOut(
        dataset=row.dataset,
        epsilon_total=row.epsilon_total,
        epsilon_spent=row.epsilon_spent,
        epsilon_left=max(0.0, row.epsilon_total - row.epsilon_spent),
    )


@router.put("/dp/budgets/{dataset}")
def put_budget(dataset: Literal["customers"], body: BudgetIn, db: DbSession, principal: CurrentPrincipal) -> BudgetOut:
    """Set a dataset's total epsilon (admins); `reset` also forgets what was spent."""
    row = dp.set_budget(db, principal, dataset, total=body.epsilon_total, reset=body.reset)
    return BudgetOut(
        dataset=row.dataset,
        epsilon_total=row.epsilon_total,
        epsilon_spent=row.epsilon_spent,
        epsilon_left=max(0.0, row.epsilon_total - row.epsilon_spent),
    )


@router.post("/exports/pseudonymised")
def export_pseudonymised(
    db: DbSession,
    principal: CurrentPrincipal,
    settings: AppSettings,
    k: Annotated[int | None, Query(ge=1, le=1000)] = None,
) -> PseudonymisedExportOut:
    """Customers with keyed pseudonyms and order aggregates, k-anonymous over age band, gender, region, postcode."""
    key = pseudonyms.key_from(settings.privacy.pseudonym_key, settings.data_dir)
    rows, report = pseudonyms.export_pseudonymised(db, principal, key=key, k=k or settings.privacy.k_anonymity)
    return PseudonymisedExportOut(report=report.as_dict(), rows=rows)


class SubjectErasureOut(BaseModel):
    customer_id: int
    already_erased: bool
    deleted: dict[str, int]
    blanked: dict[str, int]
    kept: dict[str, int]


@router.get("/subjects/{customer_id}/export")
def export_subject(customer_id: CustomerId, db: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """Everything Rapport holds about one person as one JSON document (admins; audited as an `export`)."""
    return subjects.export_subject(db, principal, customer_id)


@router.post("/subjects/{customer_id}/erase")
def erase_subject(
    customer_id: CustomerId, db: DbSession, principal: CurrentPrincipal, request: Request, tasks: BackgroundTasks
) -> SubjectErasureOut:
    """Erase a person's personal data, keeping their orders anonymised (admins; idempotent; audited)."""
    erasure = subjects.erase_subject(db, principal, customer_id)
    engine = request.app.state.engine
    if isinstance(engine, Engine) and not erasure.already_erased:
        tasks.add_task(subjects.checkpoint, engine)  # runs after the response, so after the request's commit
    return SubjectErasureOut.model_validate(erasure.as_dict())
