"""Fixtures for Ask Rapport: the small company of kit.py in the test's rolled-back session."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from .kit import World, build_world


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)
