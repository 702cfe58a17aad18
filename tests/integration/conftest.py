"""Fixtures for tests that run the real `kubia-tutor` command and its daemon as subprocesses.

Every daemon a test starts runs on the fake runtime in a temporary state dir, and is stopped
(`kubia-tutor stop`, then SIGKILL by pid for anything left behind) when the test ends, so no
daemon outlives the test that started it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_harness import Kubia


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    """A state dir that does not exist yet; its daemon, if any, is stopped after the test."""
    state = tmp_path / "state"
    yield state
    Kubia(state).cleanup()


@pytest.fixture
def kubia(state_dir: Path) -> Kubia:
    """`kubia-tutor` on the test's own state dir."""
    return Kubia(state_dir)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kubia]:
    """One daemon shared by a module's tests (they use names of their own); stopped after."""
    kubia = Kubia(tmp_path_factory.mktemp("shared") / "state")
    try:
        kubia.up()
        yield kubia
    finally:
        kubia.cleanup()
