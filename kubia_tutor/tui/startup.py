"""First start: one screen that says what is about to happen, and shows it happening.

The cluster daemon is started (with the Podman runtime when `kubia-tutor doctor` passes,
otherwise the fake runtime, and the screen says so), then, on Podman, the book's images are
built from the host's busybox if they are not yet (only the first time: a few seconds each).
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, ProgressBar, Static

from kubia_tutor.client import lifecycle

EXPLANATION = """\
[b]Welcome to kubia-tutor.[/b]

You will learn Kubernetes on a real cluster that runs on this machine only:
an API server, controllers, a scheduler and a kubelet in one background process,
running every pod as real Podman containers. Nothing leaves the machine.

Getting ready:
  1. start the cluster daemon (its state lives in {state_dir});
  2. build the book's container images (luksa/kubia and friends) from this
     machine's busybox: only the first time, no download.
"""


class StartupScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="startup"):
            yield Static(EXPLANATION.format(state_dir=self.app.state_dir),  # type: ignore[attr-defined]
                         id="explanation")
            yield Label("Starting the cluster daemon…", id="startup-status")
            yield ProgressBar(id="startup-progress", show_eta=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "kubia-tutor"
        self.sub_title = "getting ready"
        self._get_ready()

    def _status(self, text: str) -> None:
        if not self.is_mounted:
            return  # a worker finished after the screen closed
        self.query_one("#startup-status", Label).update(text)

    def _progress(self, done: int, total: int) -> None:
        if not self.is_mounted:
            return  # a worker finished after the screen closed
        self.query_one("#startup-progress", ProgressBar).update(total=total, progress=done)

    @work(thread=True, exclusive=True)
    def _get_ready(self) -> None:
        app = self.app
        call = app.call_from_thread
        try:
            status, _started = lifecycle.up(app.state_dir, app.runtime)  # type: ignore[attr-defined]
        except lifecycle.DaemonError as err:
            call(self._status, f"[b red]The cluster could not start:[/] {err}")
            return
        call(self._progress, 1, 1)
        if status.runtime == "podman":
            self._build_images()
        elif status.notice:
            call(self._status, f"[yellow]{status.notice}[/]")
        call(app.connected, status)  # type: ignore[attr-defined]

    def _build_images(self) -> None:
        from kubia_tutor.runtime.images import BuildError, PodmanError, build, catalog_status

        call = self.app.call_from_thread
        try:
            missing = [s.name for s in catalog_status() if s.state != "built"]
            if not missing:
                return
            call(self._status, f"Building {len(missing)} images from busybox (first start "
                               "only)…")

            def progress(done: int, total: int, name: str) -> None:
                call(self._progress, done, total)
                if name:
                    call(self._status, f"Built {name} ({done} of {total})")

            build(missing, progress=progress)
        except (BuildError, PodmanError, OSError) as err:
            # Not fatal: the kubelet builds an image when a pod first needs it.
            call(self._status, f"[yellow]Images will be built when first used ({err})[/]")
