"""Feedback's background work as plain functions; rapport.jobs.catalog names and runs them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine

from rapport.ai.gateway import Gateway
from rapport.feedback import pipeline
from rapport.settings import Settings
from rapport.store.engine import make_sessionmaker


def analyse(
    bind: Engine | Connection, settings: Settings, *, full: bool = True, name_with_model: bool = True
) -> dict[str, Any]:
    """feedback.analyse: score and cluster customer messages (full: re-cluster; else assign the new ones).
    Without `name_with_model` new topics are named by their keywords and the model stays free for others."""
    gateway = Gateway(settings, make_sessionmaker(bind)) if name_with_model else None
    run = pipeline.analyse(bind, settings, gateway=gateway, full=full)
    return {"run_id": run.id, **run.metrics}
