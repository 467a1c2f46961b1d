"""Queue settings: which Huey backend runs jobs, how many workers, and the retry and recovery timings."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


class QueueSettings(BaseModel):
    """The task queue (see docs/AUTOMATION.md). Attached to the main Settings as `Settings.queue`."""

    backend: Literal["sqlite", "redis", "immediate"] = Field(
        default="sqlite",
        description="sqlite: one machine, a queue file in data_dir; redis: many workers; immediate: run in the caller.",
    )
    name: str = Field(default="rapport", description="Queue name; workers only take jobs from their own queue.")
    sqlite_path: Path | None = Field(default=None, description="SQLite queue file; default data_dir/queue.db.")
    redis_url: str = "redis://127.0.0.1:6379/0"
    workers: int = Field(default=2, ge=1, le=64, description="Worker threads (or processes) per `rapport worker`.")
    worker_type: Literal["thread", "process"] = "thread"
    periodic: bool = Field(default=True, description="Run the periodic jobs of jobs/schedule.py in this worker.")
    in_process: bool = Field(default=True, description="`rapport serve` runs a consumer thread with the sqlite queue.")
    retries: int = Field(default=3, ge=0, description="Default retries of a failing job.")
    retry_delay_s: float = Field(default=5.0, ge=0, description="First retry delay; each next one is `retry_backoff`×.")
    retry_backoff: float = Field(default=2.0, ge=1.0)
    heartbeat_s: float = Field(default=5.0, gt=0, description="How often a worker says it is alive.")
    lease_s: float = Field(default=30.0, gt=0, description="A worker silent this long is dead; its jobs are re-run.")
    keep_runs_days: int = Field(default=30, ge=1, description="Job run history older than this is pruned.")
