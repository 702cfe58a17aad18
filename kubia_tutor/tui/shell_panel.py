"""The embedded shell: scrollback with coloured output above, a command line below.

The command line keeps a history (Up/Down), completes with Tab (verbs, resource types, live
object names, flags: the same engine as `kubia-tutor shell`), and runs each line through a
`CommandRunner` in a worker thread, so the app stays responsive while a command runs or
streams. Ctrl+C stops a streaming line. When a line finishes, `CommandFinished` bubbles up:
the lesson screen records it and checks the step again.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, OptionList, RichLog
from textual.widgets.option_list import Option

from kubia_tutor.shell.session import Session
from kubia_tutor.tui.command_runner import CommandRunner, mode_of
from kubia_tutor.tui.highlight import colour_lines, render

HISTORY_LIMIT = 1000


class CommandInput(Input):
    """The command line: Up/Down walk the history, Tab completes, Ctrl+C interrupts."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Previous command", show=False),
        Binding("down", "history(1)", "Next command", show=False),
        Binding("tab", "complete", "Complete", show=False, priority=True),
        Binding("ctrl+c", "interrupt", "Stop command", show=False, priority=True),
    ]

    def action_history(self, direction: int) -> None:
        panel = self._panel()
        if panel is not None:
            panel.walk_history(direction)

    def action_complete(self) -> None:
        panel = self._panel()
        if panel is not None:
            panel.complete()

    def action_interrupt(self) -> None:
        panel = self._panel()
        if panel is not None:
            panel.interrupt()

    def _panel(self) -> ShellPanel | None:
        for node in self.ancestors:
            if isinstance(node, ShellPanel):
                return node
        return None


class ShellPanel(Vertical):
    """One shell: its own session (working directory, namespace) on the tutor's cluster."""

    class CommandFinished(Message):
        def __init__(self, line: str, exit_code: int, output: str) -> None:
            super().__init__()
            self.line = line
            self.exit_code = exit_code
            self.output = output

    def __init__(self, make_session: Callable[[io.TextIOBase], Session],
                 history_file: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._make_session = make_session
        self._history_file = history_file
        self.history: list[str] = self._load_history()
        self._history_at = len(self.history)
        self._streaming = False
        self._pending = ""
        self.runner: CommandRunner | None = None
        self.busy = False
        self._completer: Any = None

    def compose(self) -> ComposeResult:
        yield RichLog(id="output", wrap=False, highlight=False, markup=False, max_lines=5000,
                      min_width=20)
        yield OptionList(id="completions")
        with Horizontal(id="command-line"):
            yield Label("default $ ", id="prompt")
            yield CommandInput(placeholder="kubectl get pods", id="command")

    def on_mount(self) -> None:
        self.query_one("#completions", OptionList).display = False
        self.runner = CommandRunner(self._make_session, self._write_from_thread)
        self._update_prompt()
        self._completer = _make_completer(self.runner.session)
        self.query_one("#command", Input).focus()  # typing goes to the shell at once

    def on_unmount(self) -> None:
        if self.runner is not None:
            self.runner.close()

    # --- output -------------------------------------------------------------------------------

    @property
    def log_widget(self) -> RichLog:
        return self.query_one("#output", RichLog)

    def say(self, text: str, style: str = "italic cyan") -> None:
        """A line from the tutor (feedback, hints), set apart from command output."""
        self.log_widget.write(Text(text, style=style))

    def _write_from_thread(self, text: str) -> None:
        if self._streaming:
            self.app.call_from_thread(self._stream_text, text)

    def _stream_text(self, text: str) -> None:
        if not self.is_mounted:
            return  # a worker finished after the screen closed
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self.log_widget.write(colour_lines(line))

    # --- running ------------------------------------------------------------------------------

    @on(Input.Submitted, "#command")
    def _submitted(self, event: Input.Submitted) -> None:
        line = event.value.strip()
        event.input.value = ""
        self.query_one("#completions", OptionList).display = False
        if not line:
            return
        if self.busy:
            self.say("a command is still running: Ctrl+C stops it")
            return
        self.run_line(line)

    def run_line(self, line: str) -> None:
        """Run a line as if typed (the lesson screen's paste-and-run comes here too)."""
        self._remember(line)
        self.log_widget.write(Text(f"{self._prompt_text()}{line}", style="bold"))
        mode = mode_of(line)
        if mode == "terminal":
            assert self.runner is not None
            with self.app.suspend():
                code = self.runner.run_on_terminal(line)
            self.log_widget.write(Text(f"(exit status {code})" if code else "", style="dim"))
            self.post_message(self.CommandFinished(line, code, ""))
            return
        self.busy = True
        self._streaming = mode == "stream"
        self._run(line)

    @work(thread=True, exclusive=True, group="command")
    def _run(self, line: str) -> None:
        assert self.runner is not None
        try:
            code, output = self.runner.run(line)
        except Exception as err:  # never let a command take the app down
            code, output = 1, f"error: {err}\n"
        self.app.call_from_thread(self._finished, line, code, output)

    def _finished(self, line: str, code: int, output: str) -> None:
        if not self.is_mounted:
            return  # a worker finished after the screen closed
        if self._streaming:
            if self._pending:
                self.log_widget.write(colour_lines(self._pending))
                self._pending = ""
        elif output:
            self.log_widget.write(render(line, output, dark=self.app.current_theme.dark))
        self._streaming = False
        self.busy = False
        self._update_prompt()
        self.post_message(self.CommandFinished(line, code, output))

    def interrupt(self) -> None:
        if self.runner is not None and self.runner.interrupt():
            self.say("^C")
        elif not self.busy:
            self.query_one("#command", Input).value = ""

    def paste(self, line: str) -> None:
        """Put a line on the command line for the learner to run (Enter) or change."""
        command = self.query_one("#command", Input)
        command.value = line
        command.cursor_position = len(line)
        command.focus()

    # --- prompt, history, completion ----------------------------------------------------------

    def _prompt_text(self) -> str:
        if self.runner is None:
            return "$ "
        try:
            namespace = self.runner.session.config.namespace()
        except Exception:
            namespace = "default"
        return f"{namespace} $ "

    def _update_prompt(self) -> None:
        self.query_one("#prompt", Label).update(self._prompt_text())

    def _load_history(self) -> list[str]:
        if not self._history_file or not os.path.exists(self._history_file):
            return []
        try:
            with open(self._history_file) as handle:
                return [line.rstrip("\n") for line in handle if line.strip()][-HISTORY_LIMIT:]
        except OSError:
            return []

    def _remember(self, line: str) -> None:
        if not self.history or self.history[-1] != line:
            self.history.append(line)
            if self._history_file:
                try:
                    with open(self._history_file, "a") as handle:
                        handle.write(line + "\n")
                except OSError:
                    pass
        self._history_at = len(self.history)

    def walk_history(self, direction: int) -> None:
        if not self.history:
            return
        self._history_at = max(0, min(len(self.history), self._history_at + direction))
        value = self.history[self._history_at] if self._history_at < len(self.history) else ""
        self.paste(value)

    def complete(self) -> None:
        command = self.query_one("#command", Input)
        choices = self.query_one("#completions", OptionList)
        if self._completer is None:
            return
        line, cursor = command.value, command.cursor_position
        try:
            candidates = self._completer.complete(line, cursor)
        except Exception:
            candidates = []
        if not candidates:
            choices.display = False
            return
        start = candidates[0].start
        texts = [c.text for c in candidates]
        common = _common_prefix(texts)
        if len(candidates) == 1:
            self._apply(candidates[0].text + " ", start)
            choices.display = False
            return
        if len(common) > cursor - start:
            self._apply(common, start)
        choices.clear_options()
        choices.add_options([Option(f"{c.display or c.text}  {c.meta}".rstrip(), id=c.text)
                             for c in candidates[:50]])
        choices.display = True

    def _apply(self, text: str, start: int) -> None:
        command = self.query_one("#command", Input)
        cursor = command.cursor_position
        value = command.value[:start] + text + command.value[cursor:]
        command.value = value
        command.cursor_position = start + len(text)

    @on(OptionList.OptionSelected, "#completions")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        command = self.query_one("#command", Input)
        if self._completer is not None and event.option.id:
            candidates = self._completer.complete(command.value, command.cursor_position)
            start = candidates[0].start if candidates else command.cursor_position
            self._apply(event.option.id + " ", start)
        event.option_list.display = False
        command.focus()


def _common_prefix(texts: list[str]) -> str:
    first, last = min(texts), max(texts)
    size = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b),
                min(len(first), len(last)))
    return first[:size]


def _make_completer(session: Session) -> Any:
    """The shell's completion engine on this session (None if it cannot be made)."""
    try:
        from kubia_tutor.shell.completion import Completer
    except ImportError:
        return None
    return Completer(session.client, session.config.namespace)
