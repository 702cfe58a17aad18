"""A real daemon on the fake runtime for the TUI's tests, with the example pack installed.

The app under test talks to it exactly as in use (over the daemon's socket, watches included).
Only the example pack is offered (the built-in course is long and changes): `find_packs` is
narrowed for the tests that open lessons.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubia_tutor.client import lifecycle
from kubia_tutor.lessons import packs
from kubia_tutor.lessons.packs import Found
from kubia_tutor.lessons.validate import validate_pack

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example-pack"


@pytest.fixture
def state_dir() -> Iterator[str]:
    """A fresh state dir with its daemon up (fake runtime); reset afterwards."""
    directory = tempfile.mkdtemp(prefix="kubia-tui-test-")
    lifecycle.up(directory, "fake")
    yield directory
    lifecycle.reset(directory)
    # nothing of the app may start the daemon again once it is gone (a watch retrying used
    # to, and left daemons running after the tests)
    time.sleep(1.0)
    assert not os.path.exists(directory), "something started the daemon again after reset"
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def example_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app offers only the example pack."""
    pack = validate_pack(EXAMPLE)
    monkeypatch.setattr("kubia_tutor.tui.app.find_packs",
                        lambda _state: [Found("built-in", EXAMPLE, pack)])
    assert packs.builtin_dir().name == "lessons"
