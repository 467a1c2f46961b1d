"""Serving: the promoted version of each model, loaded once per process and swapped when a promotion changes it.

Every scoring call asks the database which version is promoted (one indexed row); when the answer differs from the
loaded one, the new version is loaded (outside the lock that readers take) and replaces it. A prediction below its
confidence threshold is "uncertain"; when the deployment allows it, the LLM gateway is then asked to choose among the
model's labels, or to say none fits, and the answer is recorded as the LLM's.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from rapport.ai.classifier import registry
from rapport.ai.classifier.base import TextClassifier, softmax
from rapport.ai.classifier.explain import explain
from rapport.ai.classifier.models import ModelDeployment, ModelVersion
from rapport.ai.classifier.runtime import Card, open_version
from rapport.errors import NotFound, RapportError

if TYPE_CHECKING:
    from rapport.ai.gateway import Gateway

log = logging.getLogger(__name__)
LLM_FEATURE = "classifier.fallback"
PROMPT = Path(__file__).parent / "prompts" / "choose_label.v1.md"
MAX_LOADED = 4  # versions kept in memory per process (promoted ones plus a few asked for by number)


@dataclass
class Prediction:
    label: str | None  # None when uncertain and nothing resolved it
    confidence: float  # calibrated probability of the model's top label
    top: list[tuple[str, float]]
    is_uncertain: bool
    decided_by: str  # "model", "llm", or "none" (uncertain, unresolved)
    explanation: list[dict[str, object]] = field(default_factory=list)


@dataclass
class Loaded:
    version_id: int
    card: Card
    classifier: TextClassifier


class Deployments:
    """Loaded versions by id (a small LRU); `promoted(session, name)` is what scoring calls."""

    def __init__(self, *, threads: int | None = None) -> None:
        self.threads = threads
        self._loaded: OrderedDict[tuple[Path, int], Loaded] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[tuple[Path, int], threading.Lock] = {}

    def promoted(self, session: Session, name: str, data_dir: Path) -> tuple[Loaded, ModelDeployment]:
        found = registry.deployment(session, name)  # one row by a unique index: cheap enough for every call
        if found is None:
            raise NotFound(f"{name} has no promoted version; promote one (rapport model promote {name}@N)")
        return self.version(session, found.version_id, data_dir), found

    def version(self, session: Session, version_id: int, data_dir: Path) -> Loaded:
        key = (data_dir.resolve(), version_id)
        with self._lock:
            loaded = self._loaded.get(key)
            if loaded is not None:
                self._loaded.move_to_end(key)
                return loaded
            gate = self._loading.setdefault(key, threading.Lock())
        with gate:  # one thread loads a version; others wait for it rather than load it twice
            with self._lock:
                if key in self._loaded:
                    return self._loaded[key]
            row = session.get(ModelVersion, version_id)
            if row is None:
                raise NotFound(f"model version {version_id} not found")
            folder = registry.folder_of(row, data_dir)
            if not (folder / "card.json").is_file():
                raise NotFound(f"the files of {row.label} are missing from {folder}")
            card, classifier = open_version(folder, data_dir, threads=self.threads)
            classifier.warm_up()
            loaded = Loaded(version_id, card, classifier)
            log.info("loaded classifier %s (%s)", row.label, card.runtime)
            with self._lock:
                self._loaded[key] = loaded
                while len(self._loaded) > MAX_LOADED:
                    self._loaded.popitem(last=False)
                self._loading.pop(key, None)
        return loaded


DEPLOYMENTS = Deployments()  # the process's cache; building it loads nothing


def predict(
    loaded: Loaded,
    texts: Sequence[str],
    *,
    threshold: float | None = None,
    with_explanations: bool = True,
    gateway: Gateway | None = None,
    top_k: int = 3,
) -> list[Prediction]:
    """Calibrated predictions; uncertain ones go to `gateway` when one is given (the deployment allows it)."""
    card = loaded.card
    cut = card.threshold if threshold is None else threshold
    probs = softmax(loaded.classifier.logits(texts), card.temperature)
    explanations = explain(loaded.classifier, texts) if with_explanations else []
    out = []
    for index, row in enumerate(probs):
        order = row.argsort()[::-1][:top_k]
        top = [(card.labels[i], round(float(row[i]), 4)) for i in order]
        confidence = float(row[order[0]])
        is_uncertain = confidence < cut
        prediction = Prediction(
            label=None if is_uncertain else top[0][0],
            confidence=round(confidence, 4),
            top=top,
            is_uncertain=is_uncertain,
            decided_by="none" if is_uncertain else "model",
            explanation=explanations[index] if explanations else [],
        )
        if is_uncertain and gateway is not None:
            prediction.label = ask_llm(gateway, card, texts[index], top)
            prediction.decided_by = "llm" if prediction.label else "none"
        out.append(prediction)
    return out


class _Choice(BaseModel):
    label: str = Field(description="One of the allowed labels, or NONE when no label fits the message.")


def ask_llm(gateway: Gateway, card: Card, text: str, top: Sequence[tuple[str, float]]) -> str | None:
    """The label the LLM chooses for `text`, or None (it said none fits, chose something else, or is unavailable)."""
    if not gateway.is_available(LLM_FEATURE):
        return None
    prompt = PROMPT.read_text(encoding="utf-8").format(
        task=card.task,
        labels="\n".join(f"- {label}" for label in card.labels),
        candidates=", ".join(f"{label} ({p:.2f})" for label, p in top),
    )
    messages: list[Any] = [{"role": "system", "content": prompt}, {"role": "user", "content": text[:2000]}]
    try:
        choice = gateway.generate_json(LLM_FEATURE, messages, _Choice)
    except RapportError as error:  # busy, unavailable, bad output: the prediction just stays uncertain
        log.warning("LLM fallback for %s failed: %s", card.label, error.message)
        return None
    return choice.label if choice.label in card.labels else None
