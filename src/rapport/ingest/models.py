"""Tables for import batches, quarantined rows, mapping presets, ids in other systems, duplicate pairs and merges."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rapport.store.base import Base, BigId, IdMixin, TimestampMixin


class ImportBatch(IdMixin, TimestampMixin, Base):
    """One import of one file. The counters and `last_committed_row` are written in the same transaction as each
    chunk of rows, so after a crash they say exactly how far the import got, and a re-run continues from there."""

    __tablename__ = "import_batches"

    entity: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(40), default="file")  # the system the file came from: hubspot, shop…
    filename: Mapped[str] = mapped_column(String(255))
    file_path: Mapped[str] = mapped_column(String(1000))
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    file_size: Mapped[int] = mapped_column(BigInteger, default=0)
    format: Mapped[str | None] = mapped_column(String(8))
    encoding: Mapped[str | None] = mapped_column(String(20))
    delimiter: Mapped[str | None] = mapped_column(String(4))
    headers: Mapped[list[Any]] = mapped_column(default=list)
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)  # file column → target field
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)  # region, currency, timezone, dayfirst
    # uploading | ready | queued | running | completed | failed | cancelled
    status: Mapped[str] = mapped_column(String(12), default="ready", index=True)
    chunk_size: Mapped[int] = mapped_column(default=2000)
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_inserted: Mapped[int] = mapped_column(default=0)
    rows_updated: Mapped[int] = mapped_column(default=0)
    rows_unchanged: Mapped[int] = mapped_column(default=0)
    rows_quarantined: Mapped[int] = mapped_column(default=0)
    last_committed_row: Mapped[int] = mapped_column(default=0)
    progress: Mapped[float] = mapped_column(default=0.0)
    error_counts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # "field: code" → rows
    warnings: Mapped[dict[str, Any]] = mapped_column(default=dict)  # message → rows
    error: Mapped[str | None] = mapped_column(String(2000))
    worker: Mapped[str | None] = mapped_column(String(120))  # host:pid of the process running it
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    seconds_running: Mapped[float] = mapped_column(default=0.0)
    created_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"), index=True)


class QuarantinedRow(IdMixin, TimestampMixin, Base):
    """A row that failed validation: its original content, why, and (once edited) the fixed values."""

    __tablename__ = "import_quarantine"
    __table_args__ = (UniqueConstraint("batch_id", "row_number"),)

    batch_id: Mapped[int] = mapped_column(BigId, ForeignKey("import_batches.id", ondelete="CASCADE"))
    row_number: Mapped[int] = mapped_column()
    line: Mapped[int] = mapped_column()
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    errors: Mapped[list[Any]] = mapped_column(default=list)  # [{field, column, code, message}]
    fixed: Mapped[dict[str, Any]] = mapped_column(default=dict)  # column → corrected value
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)  # open | reimported | discarded
    record_id: Mapped[int | None] = mapped_column(BigId)
    resolved_at: Mapped[datetime | None] = mapped_column()


class MappingPreset(IdMixin, TimestampMixin, Base):
    """A saved column mapping (and options) for files of one shape, e.g. "HubSpot contacts, our portal"."""

    __tablename__ = "import_mapping_presets"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    entity: Mapped[str] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(40))
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))


class ExternalId(IdMixin, Base):
    """The id a company, product, order, interaction or ticket has in another system (customers use
    `customer_source_ids`): what makes re-importing the same export change nothing."""

    __tablename__ = "external_ids"
    __table_args__ = (
        UniqueConstraint("entity", "system", "external_id"),
        Index("ix_external_ids_entity_record_id", "entity", "record_id"),
    )

    entity: Mapped[str] = mapped_column(String(20))
    system: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(128))
    record_id: Mapped[int] = mapped_column(BigId)


class DuplicateCandidate(IdMixin, TimestampMixin, Base):
    """A pair of customers that may be one person, with a score and its reasons: the merge review queue."""

    __tablename__ = "duplicate_candidates"
    __table_args__ = (UniqueConstraint("customer_a_id", "customer_b_id"),)

    customer_a_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    customer_b_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column()
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    method: Mapped[str] = mapped_column(String(40), default="rules")
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)  # open | merged | rejected
    decided_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column()
    merge_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customer_merges.id", ondelete="SET NULL"))


class CustomerMerge(IdMixin, Base):
    """One merge: both customers as they were, where each surviving value came from, and every row moved, so an
    unmerge can put everything back."""

    __tablename__ = "customer_merges"

    kept_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    dropped_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"kept": {...}, "dropped": {...}}
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the kept customer's fields right after the merge
    field_sources: Mapped[dict[str, Any]] = mapped_column(default=dict)  # field → {customer_id, source, rule}
    moved: Mapped[dict[str, Any]] = mapped_column(default=dict)  # table → ids moved from dropped to kept
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    merged_at: Mapped[datetime] = mapped_column()
    merged_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    unmerged_at: Mapped[datetime | None] = mapped_column()
    unmerged_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
