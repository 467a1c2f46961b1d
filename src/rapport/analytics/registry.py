"""Trained analytics models, versioned: `churn@3` is a JSON file under data_dir plus a row in analytics_models."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rapport.analytics.churn import ChurnModel
from rapport.analytics.models import AnalyticsModel
from rapport.kit.clock import utcnow

log = logging.getLogger(__name__)
CHURN = "churn"


def active(session: Session, name: str = CHURN) -> AnalyticsModel | None:
    stmt = (
        select(AnalyticsModel)
        .where(AnalyticsModel.name == name, AnalyticsModel.is_active.is_(True))
        .order_by(AnalyticsModel.version.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def load(data_dir: Path, row: AnalyticsModel) -> ChurnModel | None:
    """The model stored for `row`, or None (logged) when its file is gone: the caller then trains a new one."""
    path = Path(row.path) if Path(row.path).is_absolute() else data_dir / row.path
    try:
        return ChurnModel.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as exc:
        log.warning("churn model %s unreadable at %s (%s); a new one will be trained", row.label, path, exc)
        return None


def register(
    session: Session, data_dir: Path, model: ChurnModel, *, run_id: int | None, name: str = CHURN
) -> AnalyticsModel:
    """Write the model file (atomically) and add its row as the active version; earlier versions stay on disk."""
    version = (session.scalar(select(func.max(AnalyticsModel.version)).where(AnalyticsModel.name == name)) or 0) + 1
    relative = Path("models") / name / f"{name}@{version}.json"
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".json.partial")
    partial.write_text(model.to_json(), encoding="utf-8")
    os.replace(partial, target)
    session.execute(update(AnalyticsModel).where(AnalyticsModel.name == name).values(is_active=False))
    row = AnalyticsModel(
        name=name,
        version=version,
        path=str(relative),
        params=model.params,
        metrics=model.metrics,
        trained_at=utcnow(),
        run_id=run_id,
        is_active=True,
    )
    session.add(row)
    session.flush()
    return row
