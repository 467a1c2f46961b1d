"""Batch predictions, evaluation and access to models."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from rapport.ai.classifier import registry
from rapport.ai.classifier import service as classifier_service
from rapport.ai.classifier.data import Example
from rapport.ai.classifier.schemas import DeploymentUpdate, PredictRequest
from rapport.errors import Forbidden
from rapport.privacy.access import Role
from tests.factories import make_user, principal_of

from .conftest import EXAMPLES, add_version, promote_confident

pytestmark = pytest.mark.slow


def test_predict_uses_the_deployment_threshold_and_a_named_version(
    session: Session, tmp_path: Path, trained_folder: Path
) -> None:
    promote_confident(session, tmp_path, trained_folder)
    add_version(session, tmp_path, trained_folder)
    agent = principal_of(make_user(session, Role.support))

    promoted = classifier_service.predict(
        session, agent, "ticket-intent", PredictRequest(texts=["refund"]), data_dir=tmp_path
    )
    named = classifier_service.predict(
        session,
        agent,
        "ticket-intent",
        PredictRequest(texts=["refund", "我的快递"], version=2, explain=False),
        data_dir=tmp_path,
    )

    assert (promoted.model, promoted.threshold) == ("ticket-intent@1", 0.0)
    assert promoted.predictions[0].label is not None
    assert named.model == "ticket-intent@2"
    assert [p.explanation for p in named.predictions] == [[], []]


def test_evaluate_reports_metrics_and_unknown_labels(session: Session, tmp_path: Path, trained_folder: Path) -> None:
    add_version(session, tmp_path, trained_folder)
    admin = principal_of(make_user(session, Role.admin))
    examples = [*EXAMPLES[:6], Example("hello there", "greeting")]

    report = classifier_service.evaluate(
        session, admin, "ticket-intent@1", examples, data_dir=tmp_path, image=tmp_path / "out" / "confusion.png"
    )

    assert (report["n"], report["unknown_labels"], report["model"]) == (6, 1, "ticket-intent@1")
    assert 0.0 <= report["accuracy"] <= 1.0
    assert (tmp_path / "out" / "confusion.png").is_file()


def test_support_uses_models_but_may_not_promote_them(session: Session, tmp_path: Path, trained_folder: Path) -> None:
    add_version(session, tmp_path, trained_folder)
    agent = principal_of(make_user(session, Role.support))

    assert [v.ref for v in classifier_service.list_versions(session, agent)] == ["ticket-intent@1"]
    with pytest.raises(Forbidden):
        classifier_service.promote(session, agent, "ticket-intent@1")
    with pytest.raises(Forbidden):
        classifier_service.configure(session, agent, "ticket-intent", DeploymentUpdate(threshold=0.5))


def test_classify_answers_none_until_something_is_promoted(
    session: Session, tmp_path: Path, trained_folder: Path
) -> None:
    version = add_version(session, tmp_path, trained_folder)
    before = classifier_service.classify(session, "ticket-intent", ["refund"], data_dir=tmp_path)
    registry.promote(session, version, user_id=None)

    after = classifier_service.classify(session, "ticket-intent", ["refund", "我的快递"], data_dir=tmp_path)

    assert before is None
    assert after is not None
    assert [len(p.top) for p in after] == [3, 3]
