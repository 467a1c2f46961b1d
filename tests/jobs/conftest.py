"""Fixtures for the queue: a Redis connection (skipped when Redis is not running, except under CI) and unique queue
names, so tests never see each other's jobs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

REDIS_URL = os.environ.get("RAPPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture
def queue_name() -> str:
    return f"test{uuid.uuid4().hex[:12]}"


@pytest.fixture
def redis_url(queue_name: str) -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        if IN_CI:
            pytest.fail(f"Redis is not reachable at {REDIS_URL} (under CI the Redis tests must run)")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    yield REDIS_URL
    for key in client.scan_iter(f"huey.*{queue_name}*"):
        client.delete(key)
    client.close()
