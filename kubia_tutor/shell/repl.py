"""The interactive shell on a terminal: a thin prompt-toolkit loop over the session.

What the line editor adds is adapters over UI-free parts: `shell.completion` decides what Tab
offers and how a line is coloured; the session runs the line. Emacs key bindings give Ctrl+R
(reverse history search), as in bash.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import CompleteEvent, Completion
from prompt_toolkit.completion import Completer as PromptCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.enums import EditingMode
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.lexers import Lexer
from prompt_toolkit.styles import Style

from kubia_tutor.shell.completion import Completer, highlight
from kubia_tutor.shell.session import Session

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

HISTORY_FILE = "shell_history"  # in the state dir, so it survives restarts of the tutor

STYLE = Style.from_dict({
    "namespace": "ansicyan bold",
    "kubectl": "ansigreen bold",
    "verb": "ansigreen",
    "resource": "ansiyellow",
    "flag": "ansiblue",
    "string": "ansimagenta",
    "operator": "ansired",
})


class CommandCompleter(PromptCompleter):
    """prompt-toolkit's view of the completion engine."""

    def __init__(self, engine: Completer) -> None:
        self.engine = engine

    def get_completions(self, document: Document,
                        complete_event: CompleteEvent) -> Iterator[Completion]:
        cursor = document.cursor_position
        for candidate in self.engine.complete(document.text, cursor):
            yield Completion(candidate.text, start_position=candidate.start - cursor,
                             display=candidate.display or None,
                             display_meta=candidate.meta or None)


class CommandLexer(Lexer):
    """Colours each line with the spans `completion.highlight` finds."""

    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        lines = document.lines

        def line_fragments(number: int) -> StyleAndTextTuples:
            line = lines[number] if number < len(lines) else ""
            fragments: StyleAndTextTuples = []
            at = 0
            for span in highlight(line):
                if span.start > at:
                    fragments.append(("", line[at:span.start]))
                style = f"class:{span.style}" if span.style else ""
                fragments.append((style, line[span.start:span.end]))
                at = span.end
            if at < len(line):
                fragments.append(("", line[at:]))
            return fragments

        return line_fragments


def history_for(session: Session) -> History:
    """The state dir's history file; in memory when there is no state dir."""
    if session.state_dir:
        return FileHistory(os.path.join(session.state_dir, HISTORY_FILE))
    return InMemoryHistory()


class Repl:
    """The prompt and its loop; `input`/`output` are the seam tests drive it through."""

    def __init__(self, session: Session, *, input: Input | None = None,
                 output: Output | None = None) -> None:
        self.session = session
        self.completer = Completer(session.client, session.config.namespace,
                                   cwd=lambda: session.cwd)
        self.prompt: PromptSession[str] = PromptSession(
            history=history_for(session),
            completer=CommandCompleter(self.completer),
            complete_while_typing=True,
            complete_in_thread=True,  # a slow daemon must not freeze typing
            lexer=CommandLexer(),
            style=STYLE,
            auto_suggest=AutoSuggestFromHistory(),
            editing_mode=EditingMode.EMACS,  # Ctrl+R, Ctrl+A/E, as in bash
            enable_history_search=False,  # it would turn complete_while_typing off
            input=input, output=output)

    def message(self) -> StyleAndTextTuples:
        """The prompt: the current namespace, read afresh (a command may change it)."""
        return [("class:namespace", self.session.config.namespace()), ("", " $ ")]

    def run(self) -> int:
        """Read lines until EOF (Ctrl+D) and run each; returns the last exit status.
        Ctrl+C drops the line being typed and starts a new one, as bash does."""
        self.session.out.write("kubia-tutor shell: type kubectl commands; Tab completes, "
                               "Ctrl+R searches history, Ctrl+D leaves.\n")
        self.session.out.flush()
        status = 0
        while True:
            try:
                line = self.prompt.prompt(self.message)
            except KeyboardInterrupt:
                continue
            except EOFError:
                return status
            status = self.session.run_line(line)


def run_repl(session: Session) -> int:
    """Run the interactive shell on the terminal; returns the last exit status."""
    return Repl(session).run()
