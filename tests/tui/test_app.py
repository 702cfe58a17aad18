"""The app's flows with Textual's Pilot, against a real daemon on the fake runtime."""

from __future__ import annotations

import time

import pytest
from textual.widgets import DataTable, Input, Markdown, RichLog, Tree

from kubia_tutor.tui.app import TutorApp
from kubia_tutor.tui.checks_panel import ChecksPanel
from kubia_tutor.tui.cluster_screen import ClusterScreen
from kubia_tutor.tui.help_screen import HelpScreen
from kubia_tutor.tui.home import HomeScreen
from kubia_tutor.tui.lesson_screen import LessonScreen

pytestmark = pytest.mark.usefixtures("example_only")


async def wait_for(pilot, predicate, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.1)
    assert predicate(), "timed out"


def log_text(log: RichLog) -> str:
    return "\n".join(line.text for line in log.lines)


async def test_home_lists_the_packs_and_the_cluster(state_dir: str) -> None:
    app = TutorApp(state_dir, "fake")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen) and app.packs_loaded())
        await pilot.pause(0.2)
        tree = app.screen.query_one("#packs", Tree)
        labels = [str(node.label) for node in tree.root.children[0].children]
        assert labels == ["○  1. Labels and selectors  10 min",
                          "○  2. Keeping pods running  15 min"]
        info = str(app.screen.query_one("#cluster-info").render())
        assert "runtime: fake" in info
        assert "Start the first lesson" in str(app.screen.query_one("#continue").label)


async def test_a_lesson_step_is_checked_after_a_command_and_the_next_step_follows(
        state_dir: str) -> None:
    app = TutorApp(state_dir, "fake")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("c")  # no progress yet: the first lesson
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen)
                       and app.screen.run is not None)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        checks = screen.query_one(ChecksPanel)
        await wait_for(pilot, lambda: "✘ kubia-manual has creation_method=manual"
                       in str(checks.render()))
        command = screen.query_one("#command", Input)
        assert command.has_focus
        await pilot.press(*"kubectl label pod kubia-manual creation_method=manual")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "✔ kubia-manual has creation_method=manual"
                       in str(checks.render()))
        assert "pod/kubia-manual labeled" in log_text(screen.query_one("#output", RichLog))
        await pilot.press("f8")
        await wait_for(pilot, lambda: "2/3" in screen.query_one("#step-text", Markdown).source)
        await wait_for(pilot, lambda: "✘ You listed the pods that carry the label"
                       in str(checks.render()))


async def test_feedback_hints_and_solution(state_dir: str) -> None:
    app = TutorApp(state_dir, "fake")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen)
                       and app.screen.run is not None)
        screen = app.screen
        await pilot.press(*"kubectl run kubia --image=luksa/kubia", "enter")
        output = screen.query_one("#output", RichLog)
        await wait_for(pilot, lambda: "tutor: You created pod kubia; this step looks for pod "
                       "kubia-manual." in log_text(output))
        await pilot.press("f2")
        await wait_for(pilot, lambda: "Hint 1:" in screen.query_one("#step-text", Markdown).source)
        await pilot.press("f3")
        command = screen.query_one("#command", Input)
        await wait_for(pilot, lambda: command.value ==
                       "kubectl label pod kubia-manual creation_method=manual")


async def test_the_cluster_view_shows_pods_live(state_dir: str) -> None:
    app = TutorApp(state_dir, "fake")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("s")  # the free-play shell
        await pilot.press(*"kubectl run kubia --image=luksa/kubia", "enter")
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ClusterScreen))
        table = app.screen.query_one("#table-pods", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1 and
                       "kubia" in [str(c) for c in table.get_row_at(0)])
        await wait_for(pilot, lambda: "Running" in [str(c) for c in table.get_row_at(0)])


async def test_help_lists_the_keys_of_the_screen(state_dir: str) -> None:
    app = TutorApp(state_dir, "fake")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_a_terminal_too_small_gets_a_message(state_dir: str) -> None:
    app = TutorApp(state_dir, "fake")
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause(0.5)
        text = str(app.screen.query_one("#too-small").render())
        assert "The terminal is 60x20." in text
        assert "at least 80x24" in text


async def test_a_streaming_command_runs_until_ctrl_c(state_dir: str) -> None:
    app = TutorApp(state_dir, "fake")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("s")
        await wait_for(pilot, lambda: app.screen.query("#command"))
        from kubia_tutor.tui.shell_panel import ShellPanel

        panel = app.screen.query_one(ShellPanel)
        await pilot.press(*"kubectl get ns -w", "enter")
        output = panel.query_one("#output", RichLog)
        await wait_for(pilot, lambda: "kube-system" in log_text(output))  # streamed while running
        assert panel.busy and panel.runner is not None and panel.runner.running
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: not panel.busy)
        assert "^C" in log_text(output)
        await pilot.press(*"kubectl get ns default", "enter")  # the shell is usable again
        await wait_for(pilot, lambda: "Active" in log_text(output).split("^C")[-1])
