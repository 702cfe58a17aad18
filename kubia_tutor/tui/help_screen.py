"""Every key binding of the app and of the screen it was opened from."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

SHELL_KEYS = [
    ("Enter", "run the command line"),
    ("Up / Down", "walk the command history"),
    ("Tab", "complete verbs, resource types, object names and flags"),
    ("Ctrl+C", "stop a streaming command (get -w, logs -f, port-forward)"),
    ("exec -it, edit", "get the real terminal; the app comes back when they end"),
]


def _keys(bindings: list[BindingType]) -> list[tuple[str, str]]:
    found = []
    for binding in bindings:
        if isinstance(binding, Binding) and binding.description:
            found.append((binding.key.replace("_", " "), binding.description))
    return found


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close"),
    ]

    def __init__(self, screen: Screen[object]) -> None:
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        table = Table(title="Keys", expand=True, show_edge=False)
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("what it does")
        sections = [
            ("This screen", _keys(list(type(self.for_screen).BINDINGS))),
            ("Everywhere", _keys(list(type(self.app).BINDINGS))),
            ("In the shell", SHELL_KEYS),
        ]
        for title, keys in sections:
            if not keys:
                continue
            table.add_row(f"[u]{title}[/u]", "")
            for key, text in keys:
                table.add_row(key, text)
        with VerticalScroll(classes="dialog help"):
            yield Static(table)

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(result)
