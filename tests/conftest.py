"""Shared fixtures: an in-memory cluster on the fake runtime and a shell session on it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from harness import Shell, wait_quiet

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
    # kube-system's coredns pod (made at bootstrap) is started first, so the test's own pods
    # get the same pod IPs on every run
    wait_quiet(cluster)
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


def _pod_volume_mounts(root: str) -> list[str]:
    """Mount points of pod volumes (a node's `<state>/node/pods/...`) below `root`."""
    try:
        with open("/proc/self/mounts") as mounts:
            points = [line.split()[1] for line in mounts if len(line.split()) > 1]
    except OSError:
        return []
    return [p for p in points if p.startswith(root + "/") and "/state/node/pods/" in p]


def pytest_sessionstart(session: pytest.Session) -> None:
    """A run that was killed (or a bug) can leave a pod's tmpfs (a Memory emptyDir, a secret)
    mounted in an old pytest temp dir; pytest's own clean-up of old temp dirs would then fail
    on it and break this run. Only our own pod-volume mounts there are unmounted."""
    import getpass
    import tempfile

    root = os.path.join(tempfile.gettempdir(), f"pytest-of-{getpass.getuser()}")
    for point in sorted(_pod_volume_mounts(root), reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True, check=False)
