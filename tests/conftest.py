"""Shared fixtures: an in-memory cluster on the fake runtime and a shell session on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from harness import Shell

from kubia_tutor.clock import FakeClock
from kubia_tutor.daemon.cluster import Cluster


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 28, 6, 0, 0, tzinfo=UTC))


@pytest.fixture
def cluster(clock: FakeClock) -> Iterator[Cluster]:
    c = Cluster(None, "fake", clock=clock)
    yield c
    c.stop()


@pytest.fixture
def shell(cluster: Cluster, tmp_path: Path) -> Shell:
    """A shell whose cluster runs its controllers in background threads, as the daemon does."""
    cluster.start()
    return Shell(cluster, tmp_path)
