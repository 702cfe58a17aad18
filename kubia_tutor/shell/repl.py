"""The interactive shell on a terminal: a thin prompt-toolkit loop over the session."""

from __future__ import annotations

import os

from kubia_tutor.shell.session import Session


def run_repl(session: Session) -> int:
    """Read lines until EOF (Ctrl+D) and run each; returns the last exit status."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    history = (FileHistory(os.path.join(session.state_dir, "shell_history"))
               if session.state_dir else InMemoryHistory())
    prompt: PromptSession[str] = PromptSession(history=history)
    session.out.write("kubia-tutor shell: type kubectl commands; Ctrl+D to leave.\n")
    status = 0
    while True:
        try:
            line = prompt.prompt(f"{session.config.namespace()} $ ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            return status
        status = session.run_line(line)
