"""The versioned registry: `ticket-intent@3` is a row in model_versions plus a folder under
data_dir/models/classifiers/ticket-intent/3/; a deployment row says which version serves a name.

Promotion and rollback only move the deployment's `version_id` (and append to model_promotions), so both are
instant and a running app picks the change up on its next scoring call. Rollback returns to the version that was
live before the current one was promoted, walking back one promotion per call.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.ai.classifier.models import ModelDeployment, ModelPromotion, ModelVersion
from rapport.ai.classifier.pipeline import Trained
from rapport.errors import Conflict, Invalid, NotFound
from rapport.kit.clock import utcnow

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
REF = re.compile(r"^(?P<name>[a-z0-9][a-z0-9_-]{0,59})(?:@(?P<version>\d{1,9}))?$")


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise Invalid(f"model name {name!r}: use 1-60 lower-case letters, digits, '-' or '_' (e.g. ticket-intent)")
    return name


def root(data_dir: Path) -> Path:
    return data_dir / "models" / "classifiers"


def staging_folder(data_dir: Path, name: str, run_id: int | str) -> Path:
    """Where a run writes its version before it has a number; registering renames it into place."""
    return root(data_dir) / name / f".run-{run_id}"


def folder_of(version: ModelVersion, data_dir: Path) -> Path:
    path = Path(version.path)
    return path if path.is_absolute() else data_dir / path


def register(
    session: Session,
    data_dir: Path,
    trained: Trained,
    *,
    entity: str | None,
    created_by: int | None,
) -> ModelVersion:
    """Number the trained folder, move it into place and add its row (not promoted)."""
    name = check_name(trained.card.name)
    version = (session.scalar(select(func.max(ModelVersion.version)).where(ModelVersion.name == name)) or 0) + 1
    relative = Path("models") / "classifiers" / name / str(version)
    target = data_dir / relative
    if target.exists():  # left by a run whose row was rolled back; the row is the truth
        shutil.rmtree(target)
    trained.card.version = version
    trained.card.write(trained.folder)
    os.replace(trained.folder, target)
    trained.folder = target
    row = ModelVersion(
        name=name,
        version=version,
        task=trained.card.task,
        entity=entity,
        labels=trained.card.labels,
        encoder=trained.card.encoder,
        runtime=trained.card.runtime,
        data_hash=trained.card.data_hash,
        params=trained.card.params,
        metrics=trained.report,
        path=str(relative),
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return row


def parse_ref(ref: str) -> tuple[str, int | None]:
    match = REF.match(ref.strip())
    if not match:
        raise Invalid(f"{ref!r} is not a model reference; write name@version (ticket-intent@3) or a name")
    version = match.group("version")
    return match.group("name"), int(version) if version else None


def get(session: Session, ref: str) -> ModelVersion:
    """`name@3` is that version; a bare `name` is its promoted version, or else its newest."""
    name, number = parse_ref(ref)
    if number is None:
        deployment = session.scalar(select(ModelDeployment).where(ModelDeployment.name == name))
        if deployment is not None:
            promoted = session.get(ModelVersion, deployment.version_id)
            assert promoted is not None  # the foreign key guarantees it
            return promoted
        stmt = select(ModelVersion).where(ModelVersion.name == name).order_by(ModelVersion.version.desc()).limit(1)
    else:
        stmt = select(ModelVersion).where(ModelVersion.name == name, ModelVersion.version == number)
    found = session.scalar(stmt)
    if found is None:
        raise NotFound(f"no model {ref}")
    return found


def versions(session: Session, name: str | None = None) -> list[ModelVersion]:
    stmt = select(ModelVersion).order_by(ModelVersion.name, ModelVersion.version.desc())
    if name:
        stmt = stmt.where(ModelVersion.name == name)
    return list(session.scalars(stmt))


def deployment(session: Session, name: str) -> ModelDeployment | None:
    return session.scalar(select(ModelDeployment).where(ModelDeployment.name == name))


def deployments(session: Session) -> list[ModelDeployment]:
    return list(session.scalars(select(ModelDeployment).order_by(ModelDeployment.name)))


def promote(
    session: Session, version: ModelVersion, *, user_id: int | None, action: str = "promote"
) -> ModelDeployment:
    current = deployment(session, version.name)
    if current is None:
        current = ModelDeployment(name=version.name, version_id=version.id, updated_by=user_id)
        session.add(current)
        from_id = None
    else:
        from_id = current.version_id
        if from_id == version.id:
            raise Conflict(f"{version.label} is already promoted")
        current.version_id, current.updated_by, current.updated_at = version.id, user_id, utcnow()
    session.add(
        ModelPromotion(
            name=version.name, action=action, from_version_id=from_id, to_version_id=version.id, user_id=user_id
        )
    )
    session.flush()
    return current


def rollback(session: Session, name: str, *, user_id: int | None) -> ModelDeployment:
    """Back to the version that was live before the current one's latest promotion."""
    current = deployment(session, name)
    if current is None:
        raise NotFound(f"{name} has no promoted version to roll back")
    stmt = (
        select(ModelPromotion)
        .where(
            ModelPromotion.name == name,
            ModelPromotion.to_version_id == current.version_id,
            ModelPromotion.action == "promote",
        )
        .order_by(ModelPromotion.id.desc())
        .limit(1)
    )
    last = session.scalar(stmt)
    if last is None or last.from_version_id is None:
        raise Conflict(f"{name}: nothing was live before the current version, so there is nothing to roll back to")
    previous = session.get(ModelVersion, last.from_version_id)
    assert previous is not None
    return promote(session, previous, user_id=user_id, action="rollback")


def configure(
    session: Session,
    name: str,
    *,
    threshold: float | None,
    clear_threshold: bool,
    use_llm_fallback: bool | None,
    user_id: int | None,
) -> ModelDeployment:
    found = deployment(session, name)
    if found is None:
        raise NotFound(f"{name} has no promoted version; promote one first")
    if clear_threshold:
        found.threshold = None
    elif threshold is not None:
        if not 0.0 <= threshold <= 1.0:
            raise Invalid("threshold is a probability between 0 and 1")
        found.threshold = threshold
    if use_llm_fallback is not None:
        found.use_llm_fallback = use_llm_fallback
    found.updated_by, found.updated_at = user_id, utcnow()
    session.flush()
    return found


def delete(session: Session, data_dir: Path, version: ModelVersion) -> None:
    """Remove a version that is not live (its folder too); its history rows go with it."""
    current = deployment(session, version.name)
    if current is not None and current.version_id == version.id:
        raise Conflict(f"{version.label} is promoted; promote another version or roll back first")
    folder = folder_of(version, data_dir)
    session.delete(version)
    session.flush()
    shutil.rmtree(folder, ignore_errors=True)
