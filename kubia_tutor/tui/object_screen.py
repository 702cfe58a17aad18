"""One object: its YAML, `kubectl describe`, and a pod's logs."""

from __future__ import annotations

import io
from typing import ClassVar

import yaml
from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, RichLog, TabbedContent, TabPane

from kubia_tutor.api.errors import ApiError
from kubia_tutor.api.kinds import resolve
from kubia_tutor.shell.session import Session


class ObjectScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("r", "reload", "Reload"),
    ]

    def __init__(self, plural: str, namespace: str | None, name: str) -> None:
        super().__init__()
        self.plural = plural
        self.namespace = namespace
        self.name_ = name

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent():
            with TabPane("YAML", id="yaml-tab"):
                yield RichLog(id="yaml", wrap=False)
            with TabPane("Describe", id="describe-tab"):
                yield RichLog(id="describe", wrap=False)
            if self.plural == "pods":
                with TabPane("Logs", id="logs-tab"):
                    yield RichLog(id="logs", wrap=False)
        yield Footer()

    def on_mount(self) -> None:
        rt = resolve(self.plural)
        self.title = f"{rt.singular}/{self.name_}"
        self.sub_title = self.namespace or ""
        self.action_reload()

    @work(thread=True, exclusive=True)
    def action_reload(self) -> None:
        rt = resolve(self.plural)
        buffer = io.StringIO()
        session: Session = self.app.make_session(buffer)  # type: ignore[attr-defined]
        try:
            obj = session.client.get(rt, self.namespace, self.name_)
            text = yaml.safe_dump(obj, sort_keys=False)
        except ApiError as err:
            text = f"# {err.message}\n"
        namespace = ["-n", self.namespace] if self.namespace else []
        session.kubectl(["describe", self.plural, self.name_, *namespace])
        described = buffer.getvalue()
        logs = ""
        if self.plural == "pods":
            try:
                logs = session.client.pod_logs(self.namespace, self.name_, tail=500)
            except ApiError as err:
                logs = err.message
        session.close()
        self.app.call_from_thread(self._show, text, described, logs)

    def _show(self, text: str, described: str, logs: str) -> None:
        if not self.is_mounted:
            return  # a worker finished after the screen closed
        dark = self.app.current_theme.dark
        view = self.query_one("#yaml", RichLog)
        view.clear()
        view.write(Syntax(text, "yaml", theme="monokai" if dark else "default",
                          background_color="default"))
        describe = self.query_one("#describe", RichLog)
        describe.clear()
        describe.write(Text(described))
        if self.plural == "pods":
            log = self.query_one("#logs", RichLog)
            log.clear()
            log.write(Text(logs or "(no output yet)"))
