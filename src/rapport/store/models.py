"""Imports every domain's `models` module so Base.metadata is complete (for Alembic, tests and create_all).

Discovery instead of a hand-kept list: a new domain's tables are picked up by adding `<domain>/models.py`.
"""

from __future__ import annotations

import importlib
import pkgutil

import rapport
from rapport.store.base import Base

for _module in pkgutil.walk_packages(rapport.__path__, prefix="rapport."):
    if _module.name.endswith(".models") and _module.name != __name__:
        importlib.import_module(_module.name)

__all__ = ["Base"]
