"""The promoted intent model inside ticket triage: `triage_for(session, settings)` gives triage the trained
`ticket-intent` model when one is promoted, else the keyword baseline (automation/intents.py).

The trained model reads what it was trained on (the ticket's subject and first inbound message, labels/service.py).
Its explanation (the words that moved the prediction, from ai/classifier/explain.py) becomes triage's evidence, so the
ticket page and `/api/tickets/{id}/triage` show them. Below the deployment's threshold the prediction is uncertain;
triage then keeps the keyword baseline's label when it has one, and says so in the model name.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from rapport.ai.classifier import registry, serving
from rapport.ai.classifier.data import clean
from rapport.ai.classifier.serving import DEPLOYMENTS, Deployments, Loaded
from rapport.automation.intents import Evidence, IntentClassifier, IntentPrediction, KeywordIntentClassifier
from rapport.automation.triage import Triage
from rapport.errors import RapportError
from rapport.settings import Settings

if TYPE_CHECKING:
    from rapport.ai.gateway import Gateway

log = logging.getLogger(__name__)
INTENT_MODEL = "ticket-intent"


class TrainedIntentClassifier:
    """triage's IntentClassifier over a loaded classifier version."""

    def __init__(
        self,
        loaded: Loaded,
        *,
        threshold: float | None,
        fallback: IntentClassifier | None = None,
        gateway: Gateway | None = None,
    ) -> None:
        self.loaded = loaded
        self.threshold = threshold
        self.fallback = fallback
        self.gateway = gateway
        self.name = loaded.card.label

    def classify(self, subject: str, body: str, language: str) -> IntentPrediction:
        text = clean(f"{subject}\n{body}")
        (prediction,) = serving.predict(self.loaded, [text], threshold=self.threshold, gateway=self.gateway)
        scores = {label: probability for label, probability in prediction.top}
        if prediction.label is None and self.fallback is not None:
            baseline = self.fallback.classify(subject, body, language)
            if baseline.label is not None:
                return IntentPrediction(
                    baseline.label,
                    baseline.confidence,
                    baseline.scores,
                    baseline.evidence,
                    f"{baseline.model} ({self.name} uncertain at {prediction.confidence:.2f})",
                )
        label = prediction.label or prediction.top[0][0]
        evidence = tuple(
            Evidence(str(item["text"]), label, round(float(str(item["weight"])), 3), "text")
            for item in prediction.explanation
            if float(str(item["weight"])) > 0
        )
        model = self.name if prediction.decided_by != "llm" else f"{self.name} + LLM"
        return IntentPrediction(prediction.label, prediction.confidence, scores, evidence, model)


def triage_for(
    session: Session,
    settings: Settings,
    *,
    gateway: Gateway | None = None,
    deployments: Deployments = DEPLOYMENTS,
) -> Triage:
    """Triage with the promoted `ticket-intent` model when there is one (and it loads), else the keyword baseline."""
    triage = Triage(settings=settings.automation)
    deployment = registry.deployment(session, INTENT_MODEL)
    if deployment is None:
        return triage
    try:
        loaded = deployments.version(session, deployment.version_id, settings.data_dir)
    except RapportError as error:  # files missing, say: triage still runs on keywords
        log.warning("triage: %s could not be loaded (%s); using keywords", INTENT_MODEL, error.message)
        return triage
    threshold = loaded.card.threshold if deployment.threshold is None else deployment.threshold
    triage.classifier = TrainedIntentClassifier(
        loaded,
        threshold=threshold,
        fallback=KeywordIntentClassifier(),
        gateway=gateway if deployment.use_llm_fallback else None,
    )
    return triage
