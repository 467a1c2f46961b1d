"""What Ask Rapport sends to a model, one versioned file per prompt (`plan.v1.md`)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load(name: str) -> str:
    """The prompt file `name` (e.g. "plan.v1"), read once."""
    return resources.files(__name__).joinpath(f"{name}.md").read_text(encoding="utf-8").strip()
