"""Snapshots of the main screens (pytest-textual-snapshot): the home screen, a lesson at
80x24 (the smallest size the app is made for) and at 120x36, and the help screen.
`pytest --snapshot-update tests/tui` rewrites them after an intended change; the SVGs in
__snapshots__ show what changed."""

from __future__ import annotations

import time
from typing import Any

import pytest
from textual.widgets import Input

from kubia_tutor.tui.app import TutorApp
from kubia_tutor.tui.checks_panel import ChecksPanel
from kubia_tutor.tui.help_screen import HelpScreen
from kubia_tutor.tui.home import HomeScreen
from kubia_tutor.tui.lesson_screen import LessonScreen

pytestmark = pytest.mark.usefixtures("example_only")


async def _until(pilot: Any, predicate: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        await pilot.pause(0.1)
    assert predicate()


def test_home(snap_compare: Any, state_dir: str) -> None:
    app = TutorApp(state_dir, "fake")

    async def ready(pilot: Any) -> None:
        await _until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await _until(pilot, app.packs_loaded)
        await pilot.pause(0.5)

    assert snap_compare(app, terminal_size=(100, 30), run_before=ready)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_lesson(snap_compare: Any, state_dir: str, size: tuple[int, int]) -> None:
    app = TutorApp(state_dir, "fake")

    async def ready(pilot: Any) -> None:
        await _until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("c")
        await _until(pilot, lambda: isinstance(app.screen, LessonScreen)
                     and "✘" in str(app.screen.query_one(ChecksPanel).render()))
        for field in app.screen.query(Input):
            field.cursor_blink = False  # a blinking cursor would make the picture flicker
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=size, run_before=ready)


def test_help(snap_compare: Any, state_dir: str) -> None:
    app = TutorApp(state_dir, "fake")

    async def ready(pilot: Any) -> None:
        await _until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("f1")
        await _until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(100, 30), run_before=ready)
