"""Classifier operations the doors call: versions, promotion and rollback, predictions and evaluation.

Access: entity "models" (read to predict and look, create to train, update to promote, roll back and configure,
delete to remove a version). What touches CRM records (labels, scoring a ticket) is in rapport.labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy.orm import Session

from rapport.ai.classifier import metrics, registry, serving
from rapport.ai.classifier.base import softmax
from rapport.ai.classifier.data import Example
from rapport.ai.classifier.models import ModelDeployment, ModelVersion
from rapport.ai.classifier.pipeline import speed
from rapport.ai.classifier.schemas import (
    Candidate,
    DeploymentRead,
    DeploymentUpdate,
    Evidence,
    PredictionRead,
    PredictRequest,
    PredictResponse,
    VersionRead,
    VersionSummary,
)
from rapport.ai.classifier.serving import DEPLOYMENTS, Deployments, Prediction
from rapport.ai.classifier.training import ENTITY, require
from rapport.errors import NotFound
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal

if TYPE_CHECKING:
    from rapport.ai.gateway import Gateway


# -- versions and deployments ----------------------------------------------------------------------------------
def present_version(
    session: Session, version: ModelVersion, *, full: bool = False, promoted_ids: set[int] | None = None
) -> VersionSummary:
    if promoted_ids is None:
        promoted_ids = {d.version_id for d in registry.deployments(session)}
    promoted = version.id in promoted_ids
    baseline = version.metrics.get("baseline") or {}
    values: dict[str, Any] = {
        "id": version.id,
        "name": version.name,
        "version": version.version,
        "ref": version.label,
        "task": version.task,
        "entity": version.entity,
        "encoder": version.encoder,
        "runtime": version.runtime,
        "data_hash": version.data_hash,
        "accuracy": version.metrics.get("accuracy"),
        "macro_f1": version.metrics.get("macro_f1"),
        "baseline_accuracy": baseline.get("accuracy"),
        "is_promoted": promoted,
        "created_at": version.created_at,
    }
    if full:
        return VersionRead(**values, labels=version.labels, params=version.params, metrics=version.metrics)
    return VersionSummary(**values)


def list_versions(session: Session, principal: Principal, name: str | None = None) -> list[VersionSummary]:
    require(session, principal, Action.read)
    promoted_ids = {deployment.version_id for deployment in registry.deployments(session)}
    return [present_version(session, v, promoted_ids=promoted_ids) for v in registry.versions(session, name)]


def get_version(session: Session, principal: Principal, ref: str) -> VersionRead:
    require(session, principal, Action.read)
    found = present_version(session, registry.get(session, ref), full=True)
    assert isinstance(found, VersionRead)
    return found


def confusion_image(session: Session, principal: Principal, ref: str, data_dir: Path) -> Path:
    require(session, principal, Action.read)
    path = registry.folder_of(registry.get(session, ref), data_dir) / "confusion.png"
    if not path.is_file():
        raise NotFound(f"{ref} has no confusion matrix image")
    return path


def present_deployment(session: Session, deployment: ModelDeployment) -> DeploymentRead:
    version = session.get(ModelVersion, deployment.version_id)
    assert version is not None
    own = float((version.metrics.get("calibration") or {}).get("threshold", 0.0))
    return DeploymentRead(
        name=deployment.name,
        version=version.label,
        version_id=version.id,
        threshold=own if deployment.threshold is None else deployment.threshold,
        threshold_override=deployment.threshold,
        use_llm_fallback=deployment.use_llm_fallback,
        updated_at=deployment.updated_at,
    )


def list_deployments(session: Session, principal: Principal) -> list[DeploymentRead]:
    require(session, principal, Action.read)
    return [present_deployment(session, deployment) for deployment in registry.deployments(session)]


def promote(session: Session, principal: Principal, ref: str) -> DeploymentRead:
    require(session, principal, Action.update)
    version = registry.get(session, ref)
    deployment = registry.promote(session, version, user_id=principal.user_id)
    audit.record(
        session, principal, action="promote", entity=ENTITY, entity_id=version.id, detail={"ref": version.label}
    )
    return present_deployment(session, deployment)


def rollback(session: Session, principal: Principal, name: str) -> DeploymentRead:
    require(session, principal, Action.update)
    deployment = registry.rollback(session, name, user_id=principal.user_id)
    audit.record(
        session, principal, action="rollback", entity=ENTITY, entity_id=deployment.version_id, detail={"name": name}
    )
    return present_deployment(session, deployment)


def configure(session: Session, principal: Principal, name: str, update: DeploymentUpdate) -> DeploymentRead:
    require(session, principal, Action.update)
    deployment = registry.configure(
        session,
        name,
        threshold=update.threshold,
        clear_threshold=update.clear_threshold,
        use_llm_fallback=update.use_llm_fallback,
        user_id=principal.user_id,
    )
    audit.record(
        session,
        principal,
        action="update",
        entity=ENTITY,
        entity_id=deployment.version_id,
        detail={"name": name, **update.model_dump(exclude_unset=True)},
    )
    return present_deployment(session, deployment)


def delete_version(session: Session, principal: Principal, ref: str, data_dir: Path) -> None:
    require(session, principal, Action.delete)
    version = registry.get(session, ref)
    audit.record(
        session, principal, action="delete", entity=ENTITY, entity_id=version.id, detail={"ref": version.label}
    )
    registry.delete(session, data_dir, version)


# -- predictions -------------------------------------------------------------------------------------------------
def present_prediction(prediction: Prediction) -> PredictionRead:
    return PredictionRead(
        label=prediction.label,
        confidence=prediction.confidence,
        is_uncertain=prediction.is_uncertain,
        decided_by=prediction.decided_by,
        top=[Candidate(label=label, probability=p) for label, p in prediction.top],
        explanation=[Evidence.model_validate(item) for item in prediction.explanation],
    )


def predict(
    session: Session,
    principal: Principal,
    name: str,
    body: PredictRequest,
    *,
    data_dir: Path,
    gateway: Gateway | None = None,
    deployments: Deployments = DEPLOYMENTS,
) -> PredictResponse:
    """Score texts with the promoted version of `name` (or `body.version`); nothing is written."""
    require(session, principal, Action.read)
    deployment: ModelDeployment | None
    if body.version is not None:
        loaded = deployments.version(session, registry.get(session, f"{name}@{body.version}").id, data_dir)
        deployment = registry.deployment(session, name)
    else:
        loaded, deployment = deployments.promoted(session, name, data_dir)
    threshold = loaded.card.threshold
    if deployment is not None and deployment.threshold is not None:
        threshold = deployment.threshold
    use_llm = body.use_llm_fallback
    if use_llm is None:
        use_llm = bool(deployment and deployment.use_llm_fallback)
    found = serving.predict(
        loaded, body.texts, threshold=threshold, with_explanations=body.explain, gateway=gateway if use_llm else None
    )
    return PredictResponse(
        model=loaded.card.label,
        runtime=loaded.card.runtime,
        threshold=threshold,
        predictions=[present_prediction(prediction) for prediction in found],
    )


def classify(
    session: Session,
    name: str,
    texts: Sequence[str],
    *,
    data_dir: Path,
    gateway: Gateway | None = None,
    deployments: Deployments = DEPLOYMENTS,
) -> list[Prediction] | None:
    """Predictions of `name`'s promoted version for jobs and other domains, which act as the system (no principal);
    None when nothing is promoted, so the caller keeps its own fallback (e.g. triage's keyword classifier)."""
    deployment = registry.deployment(session, name)
    if deployment is None:
        return None
    loaded = deployments.version(session, deployment.version_id, data_dir)
    threshold = loaded.card.threshold if deployment.threshold is None else deployment.threshold
    use_llm = gateway if deployment.use_llm_fallback else None
    return serving.predict(loaded, texts, threshold=threshold, gateway=use_llm)


# -- evaluation ----------------------------------------------------------------------------------------------------
def evaluate(
    session: Session,
    principal: Principal,
    ref: str,
    examples: Sequence[Example],
    *,
    data_dir: Path,
    runtime: str | None = None,
    deployments: Deployments = DEPLOYMENTS,
    image: Path | None = None,
) -> dict[str, Any]:
    """The evaluation report of a version on labelled examples; labels it does not know are counted, not scored."""
    require(session, principal, Action.read)
    version = registry.get(session, ref)
    if runtime is None:
        loaded = deployments.version(session, version.id, data_dir)
        card, classifier = loaded.card, loaded.classifier
    else:
        from rapport.ai.classifier.runtime import open_version

        card, classifier = open_version(registry.folder_of(version, data_dir), data_dir, runtime=runtime)
    index = {label: i for i, label in enumerate(card.labels)}
    known = [example for example in examples if example.label in index]
    texts = [example.text for example in known]
    probs = softmax(classifier.logits(texts), card.temperature)
    y = np.array([index[example.label] for example in known], dtype=np.int64)
    report = metrics.report(card.labels, y, probs)
    confident = probs.max(axis=1) >= card.threshold if len(y) else np.zeros(0, dtype=bool)
    report |= {
        "model": card.label,
        "runtime": runtime or card.runtime,
        "unknown_labels": len(examples) - len(known),
        "uncertain_share": round(float(1 - confident.mean()), 4) if len(y) else 0.0,
        **(speed(classifier, texts) if texts else {}),
    }
    if image is not None:
        metrics.confusion_png(card.labels, report["confusion"]["matrix"], image, title=f"{card.label} on given data")
    return report
