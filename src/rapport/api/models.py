"""Trained classifiers: training runs, the versioned registry, promotion and rollback, scoring, labels."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request, status
from fastapi.responses import FileResponse

from rapport.ai.classifier import service as classifier_service
from rapport.ai.classifier import training
from rapport.ai.classifier.data import Example
from rapport.ai.classifier.schemas import (
    DeploymentRead,
    DeploymentUpdate,
    EvaluateRequest,
    PredictRequest,
    PredictResponse,
    PromoteRequest,
    RunRead,
    TrainingRequest,
    VersionRead,
    VersionSummary,
)
from rapport.api.deps import AppSettings, CurrentPrincipal, DbSession
from rapport.labels import flows as label_flows
from rapport.labels import service as label_service
from rapport.labels import tasks as label_tasks
from rapport.labels.schemas import LabelCreate, LabelRead, TicketScore
from rapport.privacy.access import Action
from rapport.tickets import service as ticket_service

router = APIRouter(prefix="/models", tags=["models"])
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Name = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$", description="e.g. ticket-intent")]
Version = Annotated[int, Path(ge=1, le=10**9)]


@router.get("")
def list_deployments(db: DbSession, principal: CurrentPrincipal) -> list[DeploymentRead]:
    """Every model name that serves: its promoted version, threshold and LLM fallback setting."""
    return classifier_service.list_deployments(db, principal)


@router.get("/versions")
def list_versions(
    db: DbSession,
    principal: CurrentPrincipal,
    name: Annotated[str | None, Query(max_length=60, description="Only this model's versions.")] = None,
) -> list[VersionSummary]:
    return classifier_service.list_versions(db, principal, name)


@router.get("/{name}/versions/{version}")
def get_version(name: Name, version: Version, db: DbSession, principal: CurrentPrincipal) -> VersionRead:
    """A version with its data hash, parameters and evaluation report (accuracy, macro-F1, per-class scores,
    confusion matrix, calibration, int8 vs float32 accuracy and speed, the baseline)."""
    return classifier_service.get_version(db, principal, f"{name}@{version}")


@router.get("/{name}/versions/{version}/confusion.png", response_class=FileResponse)
def confusion_image(
    name: Name, version: Version, db: DbSession, principal: CurrentPrincipal, settings: AppSettings
) -> FileResponse:
    path = classifier_service.confusion_image(db, principal, f"{name}@{version}", settings.data_dir)
    return FileResponse(path, media_type="image/png")


@router.delete("/{name}/versions/{version}", status_code=status.HTTP_204_NO_CONTENT)
def delete_version(
    name: Name, version: Version, db: DbSession, principal: CurrentPrincipal, settings: AppSettings
) -> None:
    """Remove a version that is not promoted, with its files."""
    classifier_service.delete_version(db, principal, f"{name}@{version}", settings.data_dir)


@router.post("/train", status_code=status.HTTP_202_ACCEPTED)
def start_training(
    body: TrainingRequest,
    request: Request,
    background: BackgroundTasks,
    db: DbSession,
    principal: CurrentPrincipal,
    settings: AppSettings,
) -> RunRead:
    """Queue a training run; it starts after this response (poll GET /api/models/runs/{id}). 409 while one runs."""
    run = training.request(db, principal, body, data_dir=settings.data_dir)
    # TODO(#7): enqueue the "models.train" job (labels/tasks.py) once jobs/catalog.py lists it; until then the run
    # executes in this process, after the response (so after this request's commit).
    background.add_task(label_tasks.train, request.app.state.engine, settings, run_id=run.id)
    return training.present(db, run)


@router.get("/runs")
def list_runs(
    db: DbSession, principal: CurrentPrincipal, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> list[RunRead]:
    return training.listing(db, principal, limit=limit)


@router.get("/runs/{run_id}")
def get_run(run_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> RunRead:
    """A run's status, stage, progress (0 to 1), latest progress line, error, and the version it produced."""
    return training.get(db, principal, run_id)


@router.post("/{name}/promote")
def promote(name: Name, body: PromoteRequest, db: DbSession, principal: CurrentPrincipal) -> DeploymentRead:
    """Serve this version from now on; running apps switch on their next scoring call."""
    return classifier_service.promote(db, principal, f"{name}@{body.version}")


@router.post("/{name}/rollback")
def rollback(name: Name, db: DbSession, principal: CurrentPrincipal) -> DeploymentRead:
    """Serve the version that was live before the current one was promoted."""
    return classifier_service.rollback(db, principal, name)


@router.patch("/{name}/deployment")
def configure(name: Name, body: DeploymentUpdate, db: DbSession, principal: CurrentPrincipal) -> DeploymentRead:
    """Set the confidence threshold below which predictions are uncertain, and whether the LLM then decides."""
    return classifier_service.configure(db, principal, name, body)


@router.post("/{name}/predict")
def predict(
    name: Name,
    body: PredictRequest,
    request: Request,
    db: DbSession,
    principal: CurrentPrincipal,
    settings: AppSettings,
) -> PredictResponse:
    """Batch scoring: a label, calibrated confidence, top candidates and the words behind each prediction."""
    return classifier_service.predict(
        db, principal, name, body, data_dir=settings.data_dir, gateway=request.app.state.gateway
    )


@router.post("/{name}/evaluate")
def evaluate(
    name: Name,
    body: EvaluateRequest,
    db: DbSession,
    principal: CurrentPrincipal,
    settings: AppSettings,
    version: Annotated[int | None, Query(ge=1, description="Default: the promoted (else newest) version.")] = None,
) -> dict[str, Any]:
    """The evaluation report of a version on the labelled examples sent."""
    examples = [Example(text=e.text, label=e.label) for e in body.examples]
    ref = name if version is None else f"{name}@{version}"
    return classifier_service.evaluate(db, principal, ref, examples, data_dir=settings.data_dir)


@router.post("/tickets/{ticket_id}/score")
def score_ticket(
    ticket_id: RecordId, request: Request, db: DbSession, principal: CurrentPrincipal, settings: AppSettings
) -> list[TicketScore]:
    """Score a ticket with every promoted ticket model, record the predictions, and fill its empty columns."""
    training.require(db, principal, Action.read)
    ticket_service.tickets.get(db, principal, ticket_id, action=Action.update)
    return label_flows.score_ticket(db, ticket_id, settings=settings, gateway=request.app.state.gateway)


@router.post("/labels", status_code=status.HTTP_201_CREATED)
def correct_label(body: LabelCreate, db: DbSession, principal: CurrentPrincipal) -> LabelRead:
    """An agent's correction: sets the record's column (e.g. a ticket's intent) and records who and when, so the
    next training run learns from it. Needs update rights on the record."""
    row = label_service.correct(
        db, principal, entity=body.entity, entity_id=body.entity_id, task=body.task, label=body.label
    )
    return label_service.present(row)


@router.get("/labels")
def label_history(
    db: DbSession,
    principal: CurrentPrincipal,
    entity: Annotated[str, Query(pattern="^(tickets|interactions)$")],
    entity_id: Annotated[int, Query(ge=1, le=2**63 - 1)],
) -> list[LabelRead]:
    """Every label of one record, oldest first: demo, agents' corrections, imports, and what the models said."""
    rows = label_service.history(db, principal, entity=entity, entity_id=entity_id)
    return [label_service.present(row) for row in rows]
