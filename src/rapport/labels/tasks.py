"""Background jobs of labels and classifiers, in the queue's shape: `(bind, settings, **kwargs) -> summary`.

`models.train` runs one requested training run by id: everything it needs is on the run's row, inline examples wait
in a file (ai/classifier/training.request), and CRM runs read their labelled records through this domain. Until
jobs/catalog.py lists it, the API runs the same function as a background task after its response.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from rapport.ai.classifier import training
from rapport.ai.classifier.data import Example
from rapport.ai.classifier.finetune import Progress
from rapport.labels import service as label_service
from rapport.settings import Settings


def crm_examples(session: Session, entity: str, task: str) -> list[Example]:
    return label_service.training_examples(session, entity=entity, task=task)


def train(
    bind: Engine | Connection,
    settings: Settings,
    *,
    run_id: int,
    on_progress: Progress | None = None,
    threads: int | None = None,
) -> dict[str, Any]:
    """models.train: fine-tune, evaluate, compress and register the version of training run `run_id`."""
    run = training.execute(bind, settings, run_id, load_examples=crm_examples, on_progress=on_progress, threads=threads)
    return {"run_id": run.id, "status": run.status, "version_id": run.version_id, "error": run.error}
