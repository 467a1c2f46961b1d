"""Scoring tickets with the promoted ticket models, for the triage job: `score_ticket(session, ticket_id)`.

Each promoted model whose version was trained on tickets (intent, sentiment, …) scores the ticket's text; the
prediction is recorded as a label (source "model", or "llm" when the LLM fallback decided) with its confidence and
the words behind it, and a confident label fills the ticket's column when that is still empty. A person's value is
never overwritten, and a column the model filled stays out of training data until a person changes it
(labels/service.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.ai.classifier import serving
from rapport.ai.classifier.models import ModelDeployment, ModelVersion
from rapport.ai.classifier.service import present_prediction
from rapport.ai.classifier.serving import DEPLOYMENTS, Deployments, Prediction
from rapport.errors import NotFound
from rapport.labels import service as label_service
from rapport.labels.models import Label
from rapport.labels.schemas import TicketScore
from rapport.privacy.access import system_principal
from rapport.settings import Settings
from rapport.tickets import service as ticket_service

if TYPE_CHECKING:
    from rapport.ai.gateway import Gateway


def score_ticket(
    session: Session,
    ticket_id: int,
    *,
    settings: Settings | None = None,
    gateway: Gateway | None = None,
    deployments: Deployments = DEPLOYMENTS,
    apply: bool = True,
) -> list[TicketScore]:
    """Score a ticket with every promoted ticket model (intent, sentiment, …), for the triage job.

    Each prediction is recorded as a label (source "model", or "llm" when the LLM fallback decided it) with its
    confidence and explanation. With `apply`, a confident label is written into the ticket's own column when that
    column is still empty; a person's value is never overwritten. Call it before the job writes anything in its
    transaction: the LLM fallback (when a deployment enables it) can take seconds.
    """
    settings = settings or Settings()
    text = label_service.texts(session, "tickets", [ticket_id]).get(ticket_id)
    if text is None:
        raise NotFound(f"ticket {ticket_id} not found")
    stmt = (
        select(ModelDeployment)
        .join(ModelVersion, ModelVersion.id == ModelDeployment.version_id)
        .where(ModelVersion.entity == "tickets")
        .order_by(ModelDeployment.name)
    )
    found = []
    for deployment in session.scalars(stmt).all():  # every model first: no write is open across an LLM call
        loaded = deployments.version(session, deployment.version_id, settings.data_dir)
        threshold = loaded.card.threshold if deployment.threshold is None else deployment.threshold
        use_llm = gateway if deployment.use_llm_fallback else None
        (prediction,) = serving.predict(loaded, [text], threshold=threshold, gateway=use_llm)
        found.append((deployment, loaded.card, prediction))
    return [
        _record_score(session, ticket_id, deployment, card.task, prediction, apply=apply, ref=card.label)
        for deployment, card, prediction in found
    ]


def _record_score(
    session: Session,
    ticket_id: int,
    deployment: ModelDeployment,
    task: str,
    prediction: Prediction,
    *,
    apply: bool,
    ref: str,
) -> TicketScore:
    applied = False
    if apply and prediction.label is not None and task in label_service.SOURCES["tickets"].columns:
        ticket = ticket_service.tickets.get(session, system_principal("jobs"), ticket_id, audit_read=False)
        if getattr(ticket, task) is None:
            ticket_service.update(session, system_principal("jobs"), ticket_id, {task: prediction.label})
            applied = True
    read = present_prediction(prediction)
    session.add(
        Label(
            entity="tickets",
            entity_id=ticket_id,
            task=task,
            label=prediction.label or prediction.top[0][0],
            source="llm" if prediction.decided_by == "llm" else "model",
            model_version_id=deployment.version_id,
            confidence=prediction.confidence,
            is_applied=applied,
            detail=read.model_dump(include={"is_uncertain", "top", "explanation"}),
        )
    )
    session.flush()
    return TicketScore(model=ref, task=task, prediction=read, applied=applied)
