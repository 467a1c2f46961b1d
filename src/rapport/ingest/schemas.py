"""Shapes of imports, quarantined rows, presets, duplicate pairs and merges for the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from rapport.customers.schemas import CustomerRead
from rapport.kit.schema import Schema

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Entity = Literal["customers", "companies", "products", "orders", "interactions", "tickets"]
ShortName = Annotated[str, StringConstraints(min_length=1, max_length=120)]
Source = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class ImportOptions(Schema):
    region: Annotated[str, StringConstraints(max_length=60)] | None = Field(
        default=None, description="Country for phone numbers without +code (US, CN…)."
    )
    currency: Annotated[str, StringConstraints(max_length=10)] | None = Field(
        default=None, description="Currency of amounts without a symbol or code."
    )
    timezone: Annotated[str, StringConstraints(max_length=60)] | None = Field(
        default=None, description="Zone of times without one, e.g. Asia/Shanghai."
    )
    dayfirst: bool | None = Field(default=None, description="Read 03/04/2021 as 3 April.")
    create_missing: bool | None = Field(
        default=None, description="Orders, messages and tickets may create the customers and products they name."
    )
    encoding: Annotated[str, StringConstraints(max_length=20)] | None = Field(
        default=None, description="Force a text encoding (gb18030, cp1252…) instead of detecting it."
    )


class UploadStart(Schema):
    entity: Entity
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    source: Source = "file"


class ImportUpdate(Schema):
    mapping: dict[str, str | None] | None = Field(default=None, description="File column → field (null: ignore).")
    options: ImportOptions | None = None
    source: Source | None = None
    chunk_size: Annotated[int, Field(ge=1, le=5000)] | None = None


class SuggestionRead(Schema):
    column: str
    field: str | None
    score: float
    reason: str


class ImportRead(Schema):
    id: int
    entity: str
    source: str
    filename: str
    status: str
    format: str | None
    encoding: str | None
    delimiter: str | None
    file_size: int
    headers: list[str]
    mapping: dict[str, Any]
    options: dict[str, Any]
    suggestions: list[SuggestionRead] = []
    chunk_size: int
    progress: float
    rows_read: int
    rows_inserted: int
    rows_updated: int
    rows_unchanged: int
    rows_quarantined: int
    last_committed_row: int
    error: str | None
    created_by_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class PreviewRowRead(Schema):
    number: int
    line: int
    raw: dict[str, Any]
    values: dict[str, Any]
    errors: list[dict[str, Any]]
    warnings: list[str]


class ReportRead(Schema):
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    quarantined: int
    counts_add_up: bool
    quarantine_open: int
    seconds: float
    rows_per_s: float | None
    errors: dict[str, int]
    warnings: dict[str, int]


class QuarantinedRowRead(Schema):
    id: int
    batch_id: int
    row_number: int
    line: int
    raw: dict[str, Any]
    errors: list[dict[str, Any]]
    fixed: dict[str, Any]
    status: str
    record_id: int | None
    resolved_at: datetime | None


class RowFix(Schema):
    values: dict[str, Any] = Field(description="File column → corrected value.")


class RowFixRead(Schema):
    row: QuarantinedRowRead
    remaining_errors: list[dict[str, Any]]


class ReimportRequest(Schema):
    row_ids: Annotated[list[Id], Field(max_length=5000)] | None = Field(
        default=None, description="Only these rows (default: every open row of the import)."
    )


class ReimportRead(Schema):
    rows: int
    inserted: int
    updated: int
    unchanged: int
    still_quarantined: int


class PresetCreate(Schema):
    name: ShortName
    entity: Entity
    source: Source | None = None
    mapping: dict[str, str | None]
    options: ImportOptions | None = None


class PresetRead(Schema):
    name: str
    entity: str
    source: str | None
    mapping: dict[str, Any]
    is_builtin: bool
    description: str = ""


class FieldRead(Schema):
    name: str
    kind: str
    required: bool
    max_length: int
    choices: list[str]
    synonyms: list[str]


class ScanRequest(Schema):
    min_score: Annotated[float, Field(ge=0, le=1)] = 0.5
    customer_ids: Annotated[list[Id], Field(max_length=100_000)] | None = None


class ScanRead(Schema):
    customers: int
    pairs: int
    new: int
    updated: int


class CandidateRead(Schema):
    id: int
    customer_a_id: int
    customer_b_id: int
    score: float
    reasons: list[str]
    method: str
    status: str
    merge_id: int | None
    decided_at: datetime | None


class PairRead(Schema):
    candidate: CandidateRead
    a: CustomerRead
    b: CustomerRead


class MergePair(Schema):
    keep_id: Id
    drop_id: Id


class MergeRequest(Schema):
    pairs: Annotated[list[MergePair], Field(min_length=1, max_length=500)]
    rules: dict[str, str] | None = Field(
        default=None,
        description="Field → rule: most_recent, most_complete, source_priority, keep, union, earliest, "
        "all_consent, concatenate.",
    )


class MergeResultRead(Schema):
    keep_id: int
    drop_id: int
    merge_id: int | None
    error: str | None


class MergeRead(Schema):
    id: int
    kept_id: int
    dropped_id: int
    field_sources: dict[str, Any]
    moved: dict[str, Any]
    rules: dict[str, Any]
    merged_at: datetime
    merged_by_id: int | None
    unmerged_at: datetime | None
