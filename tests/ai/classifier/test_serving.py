"""Serving: the promoted version is used and swapped on promotion; uncertain predictions; the LLM fallback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from rapport.ai.classifier import registry, serving
from rapport.ai.classifier.serving import Deployments
from rapport.ai.gateway import Gateway
from rapport.ai.providers import Completion, CompletionRequest, ProviderCapabilities
from rapport.errors import NotFound
from rapport.settings import Settings

from .conftest import add_version

pytestmark = pytest.mark.slow


class ChoosingProvider:
    """An in-process LLMProvider that always answers with one JSON object (as a constrained local model would)."""

    name = "local"
    model = "chooser"
    capabilities = ProviderCapabilities(json_schema_output=True)

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.requests: list[CompletionRequest] = []

    def warm_up(self) -> None:
        return None

    def complete(self, request: CompletionRequest) -> Completion:
        self.requests.append(request)
        return Completion(
            text=self.answer, prompt_tokens=10, completion_tokens=5, model=self.model, finish_reason="stop"
        )

    def stream(self, request: CompletionRequest) -> Iterator[str]:
        yield self.answer


def test_a_promotion_reaches_the_next_call_without_a_restart(
    session: Session, tmp_path: Path, trained_folder: Path
) -> None:
    deployments = Deployments()
    v1, v2 = add_version(session, tmp_path, trained_folder), add_version(session, tmp_path, trained_folder)
    registry.promote(session, v1, user_id=None)
    before, _ = deployments.promoted(session, "ticket-intent", tmp_path)

    registry.promote(session, v2, user_id=None)
    after, _ = deployments.promoted(session, "ticket-intent", tmp_path)
    again, _ = deployments.promoted(session, "ticket-intent", tmp_path)

    assert (before.card.label, after.card.label) == ("ticket-intent@1", "ticket-intent@2")
    assert again is after  # loaded once, then reused


def test_no_promoted_version_is_not_found(session: Session, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no promoted version"):
        Deployments().promoted(session, "ticket-intent", tmp_path)


def test_predictions_carry_confidence_top_labels_and_evidence(
    session: Session, tmp_path: Path, trained_folder: Path
) -> None:
    loaded = Deployments().version(session, add_version(session, tmp_path, trained_folder).id, tmp_path)

    (confident,) = serving.predict(loaded, ["please refund my money"], threshold=0.0)
    (unsure,) = serving.predict(loaded, ["please refund my money"], threshold=confident.confidence + 1e-3)

    assert confident.label == confident.top[0][0]
    assert confident.decided_by == "model"
    assert len(confident.top) == 3
    assert [p for _, p in confident.top] == sorted((p for _, p in confident.top), reverse=True)
    assert abs(sum(p for _, p in confident.top) - 1.0) < 1e-3
    assert all(item["weight"] > 0 for item in confident.explanation)
    assert (unsure.label, unsure.is_uncertain, unsure.decided_by) == (None, True, "none")


def test_uncertain_predictions_go_to_the_llm_when_allowed(
    session: Session, tmp_path: Path, trained_folder: Path
) -> None:
    loaded = Deployments().version(session, add_version(session, tmp_path, trained_folder).id, tmp_path)
    provider = ChoosingProvider('{"label": "password"}')
    gateway = Gateway(Settings(data_dir=tmp_path), None, providers={"local": provider})

    (decided,) = serving.predict(loaded, ["I cannot get in"], threshold=1.01, gateway=gateway)
    (refused,) = serving.predict(
        loaded,
        ["I cannot get in"],
        threshold=1.01,
        gateway=Gateway(Settings(data_dir=tmp_path), None, providers={"local": ChoosingProvider('{"label": "NONE"}')}),
    )

    assert (decided.label, decided.decided_by, decided.is_uncertain) == ("password", "llm", True)
    assert "- delivery" in provider.requests[0].messages[0]["content"]
    assert (refused.label, refused.decided_by) == (None, "none")
