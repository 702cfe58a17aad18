"""Snapshots of the main screens: the home screen, a lesson at 80x24 (the smallest size the
app is made for) and at 120x36, and the help screen. `KUBIA_UPDATE_SNAPSHOTS=1 pytest
tests/tui/test_snapshots.py` rewrites them after an intended change."""

from __future__ import annotations

import time
from typing import Any

import pytest
from snapshots import assert_snapshot
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


def _still(app: TutorApp) -> None:
    for field in app.screen.query(Input):
        field.cursor_blink = False  # a blinking cursor would make the picture flicker


async def test_home(state_dir: str) -> None:
    app = TutorApp(state_dir, "fake")
    async with app.run_test(size=(100, 30)) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.packs_loaded())
        await pilot.pause(0.5)
        assert_snapshot(app, "home")


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_lesson(state_dir: str, size: tuple[int, int]) -> None:
    app = TutorApp(state_dir, "fake")
    async with app.run_test(size=size) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("c")
        await _until(pilot, lambda: isinstance(app.screen, LessonScreen)
                     and "✘" in str(app.screen.query_one(ChecksPanel).render()))
        _still(app)
        await pilot.pause(0.3)
        assert_snapshot(app, f"lesson-{size[0]}x{size[1]}")


async def test_help(state_dir: str) -> None:
    app = TutorApp(state_dir, "fake")
    async with app.run_test(size=(100, 30)) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("f1")
        await _until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause(0.3)
        assert_snapshot(app, "help")
