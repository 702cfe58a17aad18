"""The home screen: packs and lessons with progress, where to continue, the cluster's state."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Static, Tree

from kubia_tutor.lessons.model import Lesson, Pack
from kubia_tutor.lessons.packs import Found
from kubia_tutor.lessons.progress import Progress

Node = tuple[Pack, Lesson | None]


class HomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "continue", "Continue"),
        Binding("s", "app.shell", "Free-play shell"),
        Binding("f6", "app.cluster", "Cluster"),
        Binding("q", "app.quit", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="home-main"):
            yield Tree[Node | None]("Lesson packs", id="packs")
            with Vertical(id="home-side"):
                yield Button("Continue", id="continue", variant="primary")
                yield Static("", id="lesson-info")
                yield Static("", id="cluster-info")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "kubia-tutor"
        self.sub_title = "Kubernetes in Action, hands-on"
        self.query_one("#packs", Tree).root.add_leaf(Text("Reading the lessons…", style="dim"))
        self.cluster_changed()
        self.query_one("#packs", Tree).focus()
        self._load_packs()

    @work(thread=True, exclusive=True)
    def _load_packs(self) -> None:
        self.app.packs()  # type: ignore[attr-defined]  # parsed once, off the screen's thread
        self.app.call_from_thread(self.refresh_packs)

    def on_screen_resume(self) -> None:
        if self.app.packs_loaded():  # type: ignore[attr-defined]
            self.refresh_packs()

    def refresh_packs(self) -> None:
        if not self.is_mounted:
            return  # a worker finished after the screen closed
        tree: Tree[Node | None] = self.query_one("#packs", Tree)
        tree.clear()
        tree.root.expand()
        progress = Progress(self.app.state_dir)  # type: ignore[attr-defined]
        found: list[Found] = self.app.packs()  # type: ignore[attr-defined]
        first_open = None
        for item in found:
            if item.pack is None:
                tree.root.add_leaf(Text(f"{item.path.name} (broken: kubia-tutor pack "
                                        f"validate {item.path})", style="red"))
                continue
            pack = item.pack
            done = progress.done(pack.id)
            label = Text(f"{pack.title}  ")
            label.append(f"{len(done)}/{len(pack.lessons)} done", style="dim")
            branch = tree.root.add(label, data=(pack, None), expand=True)
            for number, lesson in enumerate(pack.lessons, start=1):
                state = progress.lesson(pack.id, lesson.id)
                mark, style = ("✔", "green") if lesson.id in done else \
                    ("▶", "yellow") if state.started else ("○", "dim")
                text = Text(f"{mark} ", style=style)
                text.append(f"{number:>2}. {lesson.title}")
                if lesson.minutes:
                    text.append(f"  {lesson.minutes} min", style="dim")
                node = branch.add_leaf(text, data=(pack, lesson))
                if first_open is None and state.started and lesson.id not in done:
                    first_open = node
        last = progress.last()
        button = self.query_one("#continue", Button)
        target = self._lesson_by_id(last) if last else None
        button.label = f"Continue: {target[1].title}" if target and target[1] else \
            "Start the first lesson"
        self._show_info(target)

    def _lesson_by_id(self, ids: tuple[str, str]) -> Node | None:
        for item in self.app.packs():  # type: ignore[attr-defined]
            if item.pack is not None and item.pack.id == ids[0]:
                lesson = item.pack.lesson(ids[1])
                if lesson is not None:
                    return item.pack, lesson
        return None

    def _show_info(self, node: Node | None) -> None:
        info = self.query_one("#lesson-info", Static)
        if node is None or node[1] is None:
            pack = node[0] if node else None
            info.update(Text(pack.description if pack else
                             "Choose a lesson on the left (Enter opens it).", style="dim"))
            return
        pack, lesson = node
        assert lesson is not None
        progress = Progress(self.app.state_dir).lesson(pack.id, lesson.id)  # type: ignore[attr-defined]
        text = Text(lesson.title + "\n", style="bold")
        if lesson.summary:
            text.append(lesson.summary.strip() + "\n")
        steps = len(lesson.steps)
        text.append(f"\n{steps} steps", style="dim")
        if lesson.minutes:
            text.append(f" · about {lesson.minutes} minutes", style="dim")
        if progress.started:
            text.append(f"\nYou are on step {min(progress.step, steps - 1) + 1}; "
                        f"{len(progress.passed)} passed, {sum(progress.hints.values())} hints "
                        f"and {len(progress.solutions)} solutions used.", style="dim")
        info.update(text)

    def cluster_changed(self) -> None:
        if not self.query("#cluster-info"):
            return  # not composed yet
        app = self.app
        watch = getattr(app, "cluster_watch", None)
        text = Text("Cluster\n", style="bold")
        runtime = getattr(app, "runtime_in_use", "?")
        text.append(f"runtime: {runtime}", style="green" if runtime == "podman" else "yellow")
        if runtime == "fake":
            text.append("\n(no real containers: see kubia-tutor doctor)", style="yellow")
        if watch is not None:
            pods = watch.objects("pods")
            running = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Running"
                          and p["metadata"].get("namespace") != "kube-system")
            text.append(f"\npods running: {running}")
            if not watch.alive:
                text.append("\nthe cluster daemon is not answering (F12 starts it again)",
                            style="bold red")
        self.query_one("#cluster-info", Static).update(text)

    @on(Tree.NodeHighlighted, "#packs")
    def _highlighted(self, event: Tree.NodeHighlighted[Node | None]) -> None:
        self._show_info(event.node.data)

    @on(Tree.NodeSelected, "#packs")
    def _selected(self, event: Tree.NodeSelected[Node | None]) -> None:
        data = event.node.data
        if data is not None and data[1] is not None:
            self.app.open_lesson(*data)  # type: ignore[attr-defined]

    @on(Button.Pressed, "#continue")
    def action_continue(self) -> None:
        progress = Progress(self.app.state_dir)  # type: ignore[attr-defined]
        last = progress.last()
        target = self._lesson_by_id(last) if last else None
        if target is None:
            packs = [f.pack for f in self.app.packs() if f.pack is not None]  # type: ignore[attr-defined]
            if not packs or not packs[0].lessons:
                self.notify("No lesson pack is installed.", severity="warning")
                return
            target = (packs[0], packs[0].lessons[0])
        assert target[1] is not None
        self.app.open_lesson(target[0], target[1])  # type: ignore[attr-defined]
