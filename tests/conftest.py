"""Shared fixtures: an in-memory cluster on the fake runtime and a shell session on it."""

from __future__ import annotations

import os
import shutil
import subprocess
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


def _podman_missing() -> str:
    """Why Podman cannot be used here, or '' when it can."""
    podman = shutil.which("podman")
    if podman is None:
        return "podman is not installed"
    try:
        done = subprocess.run([podman, "--version"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"podman does not run: {exc}"
    return "" if done.returncode == 0 else f"podman does not run: {done.stderr.decode()}"


@pytest.fixture(autouse=True)
def _podman_gate(request: pytest.FixtureRequest) -> None:
    """Podman tests skip on a developer machine without Podman, and FAIL in CI: CI must
    never pass by skipping the tests that prove the runtime is real."""
    if request.node.get_closest_marker("podman") is None:
        return
    why = _podman_missing()
    if not why:
        return
    if os.environ.get("CI"):
        pytest.fail(f"Podman is required in CI: {why}")
    pytest.skip(why)
