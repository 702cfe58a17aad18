"""The kubia-tutor app: home, lessons, the free-play shell and the cluster view.

`kubia-tutor` opens it. A warm daemon goes straight to the home screen; otherwise the start-up
screen starts it (and builds images the first time). One `ClusterWatch` keeps live copies of
the objects the screens show; its changes reach the screens that want them (`cluster_changed`)
at most four times a second.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, Static

from kubia_tutor.client import lifecycle
from kubia_tutor.client.http import HttpClient
from kubia_tutor.daemon import paths
from kubia_tutor.lessons.model import Lesson, Pack
from kubia_tutor.lessons.packs import Found, find_packs
from kubia_tutor.shell.main import open_session
from kubia_tutor.shell.session import Session
from kubia_tutor.tui.cluster_watch import ClusterWatch

MIN_WIDTH, MIN_HEIGHT = 80, 24
CHANGES_EVERY = 0.25  # seconds between redraws for cluster changes


class ShellScreen(Screen[None]):
    """The free-play shell inside the app, with the pods beside it (live)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "toggle_pods", "Pods panel"),
        Binding("f6", "app.cluster", "Cluster"),
        Binding("escape", "app.pop_screen", "Home"),
    ]

    def compose(self) -> ComposeResult:
        from kubia_tutor.tui.cluster_screen import LiveTable
        from kubia_tutor.tui.shell_panel import ShellPanel

        yield Header()
        with Horizontal(id="shell-main"):
            yield ShellPanel(self.app.make_session, self.app.history_file(),  # type: ignore[attr-defined]
                             id="shell")
            yield LiveTable(("pods",), id="side-pods")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Free-play shell"
        self.sub_title = "type kubectl commands; Tab completes"
        self.cluster_changed()

    def action_toggle_pods(self) -> None:
        pods = self.query_one("#side-pods")
        pods.display = not pods.display
        self.cluster_changed()

    def on_screen_resume(self) -> None:
        self.cluster_changed()

    def cluster_changed(self) -> None:
        if not self.query("#side-pods"):
            return  # not composed yet
        from kubia_tutor.tui.cluster_screen import LiveTable

        watch = self.app.cluster_watch  # type: ignore[attr-defined]
        pods = self.query_one("#side-pods", LiveTable)
        if watch is not None and pods.display and self.is_current:
            pods.show(watch, show_system=False)


class TooSmall(ModalScreen[None]):
    """Covers the app while the terminal is smaller than the layouts are made for."""

    def compose(self) -> ComposeResult:
        yield Static(self.message(), id="too-small")

    def message(self) -> str:
        width, height = self.app.size
        return (f"The terminal is {width}x{height}.\nkubia-tutor needs at least "
                f"{MIN_WIDTH}x{MIN_HEIGHT}:\nmake the window larger.")

    def on_resize(self) -> None:
        self.query_one("#too-small", Static).update(self.message())


class TutorApp(App[int]):
    CSS_PATH = "tutor.tcss"
    TITLE = "kubia-tutor"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help"),
        Binding("f12", "restart_daemon", "Restart cluster", show=False),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, state_dir: str, runtime: str = "auto") -> None:
        super().__init__()
        self.state_dir = state_dir
        self.runtime = runtime
        self.runtime_in_use = runtime
        self.cluster_watch: ClusterWatch | None = None
        self._packs: list[Found] | None = None
        self._change_pending = False

    def call_from_thread(self, callback: Callable[..., Any], *args: Any,
                         **kwargs: Any) -> Any:
        """Textual's, except that a worker finishing while the app closes is not an error:
        there is no screen left to tell, so what it had to say is dropped."""
        if not self.is_running:
            return None
        try:
            return super().call_from_thread(callback, *args, **kwargs)
        except RuntimeError:
            if self.is_running:
                raise
            return None

    # --- start --------------------------------------------------------------------------------

    def on_mount(self) -> None:
        status = lifecycle.probe(self.state_dir)
        if status is not None:
            self.connected(status)
            return
        from kubia_tutor.tui.startup import StartupScreen

        self.push_screen(StartupScreen())

    def connected(self, status: lifecycle.DaemonStatus) -> None:
        """The daemon answers: watch the cluster and show the home screen."""
        from kubia_tutor.tui.home import HomeScreen

        self.runtime_in_use = status.runtime
        if self.cluster_watch is None:
            # The watches only connect: a daemon that stopped is started again by the
            # learner (F12), never behind their back by a watch retrying.
            socket = paths.socket_file(self.state_dir)
            self.cluster_watch = ClusterWatch(lambda: HttpClient(socket),
                                              self._changed_from_thread)
            # after the first frame: fourteen lists at once would hold the home screen back
            self.set_timer(0.2, self.cluster_watch.start)
        if len(self.screen_stack) > 1:
            self.switch_screen(HomeScreen())
        else:
            self.push_screen(HomeScreen())
        self.call_after_refresh(self.check_size)

    def on_unmount(self) -> None:
        if self.cluster_watch is not None:
            self.cluster_watch.stop()

    # --- what screens use ---------------------------------------------------------------------

    def make_session(self, stream: io.TextIOBase) -> Session:
        """A shell session on the cluster whose output goes to `stream`."""
        return open_session(self.state_dir, self.runtime_in_use, out=stream,  # type: ignore[arg-type]
                            err=stream)  # type: ignore[arg-type]

    def history_file(self) -> str:
        return os.path.join(self.state_dir, "shell_history")

    def packs_loaded(self) -> bool:
        return self._packs is not None

    def packs(self) -> list[Found]:
        if self._packs is None:
            self._packs = find_packs(self.state_dir)
        return self._packs

    def open_lesson(self, pack: Pack, lesson: Lesson) -> None:
        from kubia_tutor.tui.lesson_screen import LessonScreen

        self.push_screen(LessonScreen(pack, lesson))

    # --- cluster changes ----------------------------------------------------------------------

    def _changed_from_thread(self) -> None:
        if not self._change_pending:
            self._change_pending = True
            try:
                self.call_from_thread(self.set_timer, CHANGES_EVERY, self._deliver_changes)
            except RuntimeError:
                self._change_pending = False  # the app is closing

    def _deliver_changes(self) -> None:
        self._change_pending = False
        for screen in self.screen_stack:
            changed = getattr(screen, "cluster_changed", None)
            if callable(changed):
                changed()

    # --- actions ------------------------------------------------------------------------------

    def action_cluster(self) -> None:
        from kubia_tutor.tui.cluster_screen import ClusterScreen

        if not isinstance(self.screen, ClusterScreen):
            self.push_screen(ClusterScreen())

    def action_shell(self) -> None:
        self.push_screen(ShellScreen())

    def action_help(self) -> None:
        from kubia_tutor.tui.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    @work(thread=True, exclusive=True, group="daemon")
    def action_restart_daemon(self) -> None:
        self.call_from_thread(self.notify, "Starting the cluster daemon…")
        try:
            status, started = lifecycle.up(self.state_dir, self.runtime)
        except lifecycle.DaemonError as err:
            self.call_from_thread(self.notify, str(err), severity="error")
            return
        self.runtime_in_use = status.runtime
        self.call_from_thread(self.notify, "The cluster daemon runs." if started else
                              "The cluster daemon was already running.")

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Cluster view", "Pods, workloads, services, events (F6)",
                            self.action_cluster)
        yield SystemCommand("Free-play shell", "A kubectl shell on the cluster",
                            self.action_shell)
        yield SystemCommand("Help", "Every key binding (F1)", self.action_help)
        yield SystemCommand("Restart the cluster daemon", "When it stopped answering (F12)",
                            self.action_restart_daemon)
        for found in self.packs():
            if found.pack is None:
                continue
            for lesson in found.pack.lessons:
                yield SystemCommand(f"Lesson: {lesson.title}", found.pack.title,
                                    lambda p=found.pack, le=lesson: self.open_lesson(p, le))

    # --- size ---------------------------------------------------------------------------------

    def on_resize(self) -> None:
        self.call_after_refresh(self.check_size)

    def check_size(self) -> None:
        """Cover the app while the terminal is too small; uncover it when it is not."""
        width, height = self.size
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        on_top = isinstance(self.screen, TooSmall)
        if small and not on_top:
            self.push_screen(TooSmall())
        elif on_top and not small:
            self.pop_screen()


def run_app(state_dir: str | None = None, runtime: str = "auto") -> int:
    app = TutorApp(os.path.abspath(state_dir or paths.default_state_dir()), runtime)
    app.run()
    return 0
