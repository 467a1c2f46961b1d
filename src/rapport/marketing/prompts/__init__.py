"""What marketing sends to a model, one versioned file per prompt (`segment_rules.v1.md`, `campaign_message.v2.md`)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load(name: str) -> str:
    """The prompt file `name` (e.g. "campaign_message.v2"), read once."""
    return resources.files(__name__).joinpath(f"{name}.md").read_text(encoding="utf-8").strip()
