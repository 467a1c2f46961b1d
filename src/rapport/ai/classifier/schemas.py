"""Shapes in and out of the classifier API and CLI: training requests and runs, versions, deployments, predictions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from rapport.kit.schema import Schema

Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
LabelText = Annotated[str, StringConstraints(min_length=1, max_length=80)]
Task = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
ModelName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")]
Entity = Literal["tickets", "interactions"]


class ExampleIn(Schema):
    text: Text
    label: LabelText


class TrainingRequest(Schema):
    """Train a new version. Without `examples`, the data are the labelled records of `entity` in the CRM."""

    task: Task = Field(description="What is predicted: intent, sentiment, language, or any task labels exist for.")
    entity: Entity = "tickets"
    name: ModelName | None = Field(default=None, description="Default: ticket-<task> (or interaction-<task>).")
    examples: list[ExampleIn] | None = Field(
        default=None, max_length=200_000, description="Train on these instead of the CRM's labels (e.g. a file's rows)."
    )
    encoder: Literal["auto", "minilm", "e5-small"] = Field(
        default="auto", description="auto: e5-small (multilingual) when ≥5% of texts contain CJK, else minilm."
    )
    epochs: int = Field(default=4, ge=1, le=50)
    batch_size: int = Field(default=32, ge=1, le=512)
    max_length: int = Field(default=64, ge=8, le=512, description="Tokens per text; longer texts are cut.")
    learning_rate: float = Field(default=1e-4, gt=0, le=1e-2)
    patience: int = Field(default=2, ge=1, le=50, description="Epochs without a better validation score to stop.")
    validation_fraction: float = Field(default=0.1, gt=0, lt=0.5)
    test_fraction: float = Field(default=0.1, ge=0, lt=0.5)
    seed: int = Field(default=13, ge=0, le=2**31 - 1)
    max_examples: int | None = Field(
        default=None, ge=8, description="Train on a stratified sample of at most this many examples (a quick trial)."
    )
    baseline: bool = Field(default=True, description="Also train and report the frozen-embedding baseline.")
    promote: bool = Field(default=False, description="Promote the new version when it is trained.")

    def model_name(self) -> str:
        return self.name or f"{self.entity.removesuffix('s')}-{self.task.replace('_', '-')}"


class RunRead(Schema):
    id: int
    name: str
    task: str
    status: str
    stage: str
    progress: float
    message: str
    params: dict[str, Any]
    source: dict[str, Any]
    error: str | None
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    version: str | None = Field(default=None, description="The version it produced, e.g. ticket-intent@3.")


class VersionSummary(Schema):
    id: int
    name: str
    version: int
    ref: str = Field(description="name@version")
    task: str
    entity: str | None
    encoder: str
    runtime: str
    data_hash: str
    accuracy: float | None
    macro_f1: float | None
    baseline_accuracy: float | None
    is_promoted: bool
    created_at: datetime


class VersionRead(VersionSummary):
    labels: list[str]
    params: dict[str, Any]
    metrics: dict[str, Any] = Field(description="The evaluation report (see docs/CLASSIFIERS.md).")


class DeploymentRead(Schema):
    name: str
    version: str = Field(description="The promoted version, e.g. ticket-intent@3.")
    version_id: int
    threshold: float = Field(description="The confidence below which a prediction is uncertain (in effect now).")
    threshold_override: float | None = Field(description="Set on the deployment; None uses the version's own.")
    use_llm_fallback: bool
    updated_at: datetime


class PromoteRequest(Schema):
    version: int = Field(ge=1)


class DeploymentUpdate(Schema):
    threshold: float | None = Field(default=None, ge=0, le=1)
    clear_threshold: bool = Field(default=False, description="Go back to the version's own threshold.")
    use_llm_fallback: bool | None = None


MAX_EXPLAINED = 64  # occlusion scores every word of every text: a bigger batch should ask for labels only


class PredictRequest(Schema):
    texts: list[Text] = Field(min_length=1, max_length=512)
    explain: bool = Field(
        default=True, description=f"Return the words that drove each prediction (up to {MAX_EXPLAINED} texts)."
    )
    use_llm_fallback: bool | None = Field(
        default=None, description="Ask the LLM about uncertain predictions (default: the deployment's setting)."
    )
    version: int | None = Field(default=None, ge=1, description="Use this version instead of the promoted one.")

    @model_validator(mode="after")
    def _explain_few(self) -> PredictRequest:
        if self.explain and len(self.texts) > MAX_EXPLAINED:
            raise ValueError(f"explanations for at most {MAX_EXPLAINED} texts a request; send explain=false for more")
        return self


class Candidate(Schema):
    label: str
    probability: float


class Evidence(Schema):
    text: str
    weight: float = Field(description="How much the label's probability falls without this word.")
    start: int
    end: int


class PredictionRead(Schema):
    label: str | None = Field(description="None when uncertain and nothing resolved it.")
    confidence: float
    is_uncertain: bool
    decided_by: Literal["model", "llm", "none"]
    top: list[Candidate]
    explanation: list[Evidence]


class PredictResponse(Schema):
    model: str
    runtime: str
    threshold: float
    predictions: list[PredictionRead]


class EvaluateRequest(Schema):
    examples: list[ExampleIn] = Field(min_length=1, max_length=100_000)
